*** Settings ***
Documentation       No WebSocket worker or connection outlives Run WebSocket Load, however the
...                 run ends: a Robot timeout, Ctrl-C, SIGTERM or SIGKILL of the robot process.
...                 Each test runs a load in a separate robot process
...                 (atest/_websocket/scenarios.robot), ends it as the test says, and checks
...                 that nothing that process started is left.

Library             Process
Library             ../resources/ProcessCheck.py
Library             WsCheck.py

Test Tags           websocket    cleanup


*** Variables ***
${PYTHON}       ${{sys.executable}}
${SCENARIOS}    ${CURDIR}/../_websocket/scenarios.robot


*** Test Cases ***
A Robot Timeout During A WebSocket Run Stops The Workers At Once
    ${marker}=    New Marker
    ${result}=    Run Process    ${PYTHON}    -m    robot    --outputdir    ${OUTPUT DIR}/inner    --output    NONE    --log    NONE
    ...    --report    NONE    --consolecolors    OFF    --test    Times Out During A WebSocket Run
    ...    --test    Nothing Is Left After The Timeout    ${SCENARIOS}
    ...    env:PERFGATE_ATEST_MARKER=${marker}    timeout=2 min    on_timeout=kill    stderr=STDOUT
    Log    ${result.stdout}
    Should Be Equal As Integers    ${result.rc}    1
    Should Contain    ${result.stdout}    Test timeout 4 seconds exceeded.
    Should Match Regexp    ${result.stdout}    Nothing Is Left After The Timeout\\s+\\| PASS \\|
    No Process Should Have Marker    ${marker}

Nothing Is Left After Ctrl-C During A WebSocket Run
    Signal A WebSocket Run And Check    SIGINT

Nothing Is Left After SIGTERM During A WebSocket Run
    Signal A WebSocket Run And Check    SIGTERM

Nothing Is Left After SIGKILL Of Robot During A WebSocket Run
    Signal A WebSocket Run And Check    SIGKILL


*** Keywords ***
Signal A WebSocket Run And Check
    [Documentation]    Starts a two-minute WebSocket load in an inner robot run, sends the runner
    ...    ${signal} once its workers run, and checks that nothing is left.
    [Arguments]    ${signal}
    ${marker}=    New Marker
    ${process}=    Start Process    ${PYTHON}    -m    robot    --outputdir    ${OUTPUT DIR}/inner    --output    NONE    --log    NONE
    ...    --report    NONE    --consolecolors    OFF    --test    Runs WebSocket Load Until Signalled
    ...    ${SCENARIOS}    env:PERFGATE_ATEST_MARKER=${marker}    stderr=STDOUT
    Wait Until Process With Marker Runs    ${marker}    perfgate.load.ws.worker
    Send Signal To Process    ${signal}    ${process}
    ${result}=    Wait For Process    ${process}    timeout=30 s    on_timeout=kill
    Log    ${result.stdout}
    IF    $signal != 'SIGKILL'
        Should Contain    ${result.stdout}    Execution terminated by signal
    END
    No Process Should Have Marker    ${marker}
    [Teardown]    Terminate Process    ${process}    kill=True
