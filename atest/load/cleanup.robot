*** Settings ***
Documentation       No load worker outlives Run Load Profile, however the run ends: a Robot
...                 timeout, Ctrl-C, SIGTERM or SIGKILL of the robot process. Each test runs a
...                 load in a separate robot process (atest/_load/scenarios.robot), ends it as
...                 the test says, and checks that nothing that process started is left.

Library             Process
Library             ../resources/ProcessCheck.py
Library             LoadCheck.py

Test Tags           load    cleanup


*** Variables ***
${PYTHON}       ${{sys.executable}}
${SCENARIOS}    ${CURDIR}/../_load/scenarios.robot


*** Test Cases ***
A Robot Timeout During A Load Run Stops The Workers At Once
    ${marker}=    New Marker
    ${result}=    Run Process    ${PYTHON}    -m    robot    --outputdir    ${OUTPUT DIR}/inner    --output    NONE    --log    NONE
    ...    --report    NONE    --consolecolors    OFF    --test    Times Out During A Load Run
    ...    --test    Nothing Is Left After The Timeout    ${SCENARIOS}
    ...    env:PERFGATE_ATEST_MARKER=${marker}    timeout=2 min    on_timeout=kill    stderr=STDOUT
    Log    ${result.stdout}
    Should Be Equal As Integers    ${result.rc}    1
    Should Contain    ${result.stdout}    Test timeout 4 seconds exceeded.
    Should Match Regexp    ${result.stdout}    Nothing Is Left After The Timeout\\s+\\| PASS \\|
    No Process Should Have Marker    ${marker}

Nothing Is Left After Ctrl-C During A Load Run
    Signal A Load Run And Check    SIGINT

Nothing Is Left After SIGTERM During A Load Run
    Signal A Load Run And Check    SIGTERM

Nothing Is Left After SIGKILL Of Robot During A Load Run
    Signal A Load Run And Check    SIGKILL


*** Keywords ***
Signal A Load Run And Check
    [Documentation]    Starts a two-minute load in an inner robot run, sends the runner
    ...    ${signal} once its load workers run, and checks that nothing is left.
    [Arguments]    ${signal}
    ${marker}=    New Marker
    ${process}=    Start Process    ${PYTHON}    -m    robot    --outputdir    ${OUTPUT DIR}/inner    --output    NONE    --log    NONE
    ...    --report    NONE    --consolecolors    OFF    --test    Runs Load Until Signalled
    ...    ${SCENARIOS}    env:PERFGATE_ATEST_MARKER=${marker}    stderr=STDOUT
    Wait Until Process With Marker Runs    ${marker}    perfgate.load.http.worker
    Send Signal To Process    ${signal}    ${process}
    ${result}=    Wait For Process    ${process}    timeout=30 s    on_timeout=kill
    Log    ${result.stdout}
    IF    $signal != 'SIGKILL'
        Should Contain    ${result.stdout}    Execution terminated by signal
    END
    No Process Should Have Marker    ${marker}
    [Teardown]    Terminate Process    ${process}    kill=True
