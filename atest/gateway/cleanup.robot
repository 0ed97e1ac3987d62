*** Settings ***
Documentation       No process PerfGate starts outlives its test run, however the run ends.
...                 Each test runs a scenario in a separate robot (or pabot) process,
...                 ends it as the scenario says, and checks that nothing is left.

Resource            ../resources/common.resource

Test Tags           cleanup


*** Test Cases ***
Nothing Is Left After A Passing Test
    ${marker}=    New Marker
    ${result}=    Run Inner Test    ${marker}    Passes
    Should Be Equal As Integers    ${result.rc}    0
    No Process Should Have Marker    ${marker}

Nothing Is Left After A Failing Test
    ${marker}=    New Marker
    ${result}=    Run Inner Test    ${marker}    Fails Without Teardown
    Should Be Equal As Integers    ${result.rc}    1
    Should Contain    ${result.stdout}    Deliberate failure
    No Process Should Have Marker    ${marker}

A Forgotten Stop Is Done By The Listener With A Warning
    ${marker}=    New Marker
    ${result}=    Run Inner Test    ${marker}    Forgets To Stop
    Should Be Equal As Integers    ${result.rc}    0
    Should Contain    ${result.stdout}
    ...    was still running when test 'Forgets To Stop' ended and no teardown stops it; PerfGate stopped it.
    No Process Should Have Marker    ${marker}

A Robot Timeout While Waiting For Health Kills The Gateway At Once
    ${marker}=    New Marker
    ${result}=    Run Inner Test    ${marker}    Times Out While Starting
    ...    --test    Nothing Is Left After The Timeout
    Should Be Equal As Integers    ${result.rc}    1
    Should Contain    ${result.stdout}    Test timeout 2 seconds exceeded.
    Should Match Regexp    ${result.stdout}    Nothing Is Left After The Timeout\\s+\\| PASS \\|
    No Process Should Have Marker    ${marker}

A Gateway Crash Mid Test Fails The Test With Its Exit Signal
    ${marker}=    New Marker
    ${result}=    Run Inner Test    ${marker}    Crashes Mid Test
    Should Be Equal As Integers    ${result.rc}    1
    Should Contain    ${result.stdout}
    ...    Gateway 'gateway' crashed during test 'Crashes Mid Test': it exited with signal SIGKILL (9).
    No Process Should Have Marker    ${marker}

A Killed Reaper Takes Its Gateways Along And Fails The Test In One Sentence
    ${marker}=    New Marker
    VAR    ${ready}=    ${TEMPDIR}/${marker}
    ${process}=    Start Inner Test    ${marker}    Loses Its Reaper*    ${ready}
    No Process Should Have Marker    ${marker}    timeout=2 s    spawned_only=True
    ${result}=    Wait For Process    ${process}    timeout=60 s    on_timeout=kill
    Log    ${result.stdout}
    Should Be Equal As Integers    ${result.rc}    1
    Should Match Regexp    ${result.stdout}
    ...    PerfGate's process reaper \\(pid \\d+\\) died with signal SIGKILL \\(9\\); PerfGate ended the 2 gateway\\(s\\) it owned
    Should Match Regexp    ${result.stdout}    Loses Its Reaper And Starts Again\\s+\\| PASS \\|
    No Process Should Have Marker    ${marker}
    [Teardown]    Remove Directory    ${ready}    recursive=True

Nothing Is Left After Ctrl-C
    Signal Inner Run And Check    SIGINT

Nothing Is Left After SIGTERM
    Signal Inner Run And Check    SIGTERM

Nothing Is Left After SIGKILL Of Robot
    Signal Inner Run And Check    SIGKILL

Nothing Is Left After SIGKILL Of A Pabot Run
    ${marker}=    New Marker
    VAR    ${ready}=    ${TEMPDIR}/${marker}
    Create Directory    ${ready}
    ${pabot}=    Start Process    ${PYTHON}    -m    pabot.pabot    --processes    2
    ...    --no-pabotlib    --command    ${PYTHON}    -m    robot    --end-command    --testlevelsplit
    ...    --outputdir    ${ready}/out    --variable    READY_DIR:${ready}
    ...    --test    Waits For A Signal    --test    Waits For A Signal Too
    ...    ${INNER}/scenarios.robot    env:PERFGATE_ATEST_MARKER=${marker}    stdout=DEVNULL
    ...    stderr=DEVNULL
    Wait Until Keyword Succeeds    60 s    0.2 s
    ...    Count Files In Directory Should Be    ${ready}    2
    Send Signal To Process    SIGKILL    ${pabot}
    Wait For Process    ${pabot}    timeout=10 s
    No Process Should Have Marker    ${marker}    timeout=2 s
    [Teardown]    Remove Directory    ${ready}    recursive=True


*** Keywords ***
Signal Inner Run And Check
    [Documentation]    Starts a scenario that waits, sends it ${signal}, checks nothing is left.
    [Arguments]    ${signal}
    ${marker}=    New Marker
    VAR    ${ready}=    ${TEMPDIR}/${marker}
    ${process}=    Start Inner Test    ${marker}    Waits For A Signal    ${ready}
    Send Signal To Process    ${signal}    ${process}
    ${result}=    Wait For Process    ${process}    timeout=30 s    on_timeout=kill
    Log    ${result.stdout}
    No Process Should Have Marker    ${marker}    timeout=2 s
    [Teardown]    Remove Directory    ${ready}    recursive=True

Count Files In Directory Should Be
    [Documentation]    Fails unless ${directory} holds exactly ${expected} files.
    [Arguments]    ${directory}    ${expected}
    ${count}=    Count Files In Directory    ${directory}
    Should Be Equal As Integers    ${count}    ${expected}
