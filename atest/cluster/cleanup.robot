*** Settings ***
Documentation       A LocalCluster lives as long as the robot process that started it: it
...                 stays warm from one run to the next, is stopped when robot ends, and
...                 goes with robot when robot is killed (the reaper and Dask's own parent
...                 watch), and so when it is stopped by Ctrl-C or SIGTERM, once or twice.
...                 Each test runs loads in a separate robot process
...                 (atest/_cluster/scenarios.robot) and checks that nothing of it is left:
...                 by the PIDs recorded while it ran, and by the run's marker.

Library             Process
Library             GatewayLibrary
Library             ../resources/ProcessCheck.py
Library             ClusterCheck.py

Suite Setup         Start Gateway    ${PYTHON}    -m    perfgate.refgateway    --port    {port}
...                     alias=cleanup
Suite Teardown      Stop All Gateways

Test Tags           cluster    cleanup


*** Variables ***
${PYTHON}       ${{sys.executable}}
${SCENARIOS}    ${CURDIR}/../_cluster/scenarios.robot


*** Test Cases ***
The Cluster Stays Warm Between Runs And Ends With Robot
    ${marker}=    New Marker
    ${gw}=    Get Gateway    cleanup
    ${result}=    Run Process    ${PYTHON}    -m    robot    --outputdir    ${OUTPUT DIR}/inner    --output    NONE    --log    NONE
    ...    --report    NONE    --consolecolors    OFF    --test    Runs Two Loads On One Warm Cluster
    ...    --variable    URL:${gw.url}/api/echo    ${SCENARIOS}
    ...    env:PERFGATE_ATEST_MARKER=${marker}    timeout=3 min    on_timeout=kill    stderr=STDOUT
    Log    ${result.stdout}
    Should Be Equal As Integers    ${result.rc}    0
    No Process Should Have Marker    ${marker}    timeout=10 s

A Robot Timeout During A Run On The Cluster Stops Its Load Workers
    ${marker}=    New Marker
    ${gw}=    Get Gateway    cleanup
    ${result}=    Run Process    ${PYTHON}    -m    robot    --outputdir    ${OUTPUT DIR}/inner    --output    NONE    --log    NONE
    ...    --report    NONE    --consolecolors    OFF    --test    Times Out During A Load Run On The Cluster
    ...    --test    No Load Worker Is Left After The Timeout    --variable    URL:${gw.url}/api/echo
    ...    ${SCENARIOS}    env:PERFGATE_ATEST_MARKER=${marker}    timeout=3 min    on_timeout=kill
    ...    stderr=STDOUT
    Log    ${result.stdout}
    Should Be Equal As Integers    ${result.rc}    1
    Should Contain    ${result.stdout}    Test timeout 8 seconds exceeded.
    Should Match Regexp    ${result.stdout}    No Load Worker Is Left After The Timeout\s+\| PASS \|
    No Process Should Have Marker    ${marker}    timeout=10 s

Nothing Of The Cluster Is Left After SIGKILL Of Robot
    ${result}=    Signal Robot During A Run On The Cluster    SIGKILL
    Should Be Equal As Integers    ${result.rc}    -9

Nothing Of The Cluster Is Left After Ctrl-C Of Robot
    # Ctrl-C reaches robot's whole process group: the Dask worker processes and the
    # load workers get SIGINT too. Robot's first signal stops the run gracefully.
    ${result}=    Signal Robot During A Run On The Cluster    SIGINT    group=${True}
    Should Be Equal As Integers    ${result.rc}    1
    Should Contain    ${result.stdout}    Execution terminated by signal

Nothing Of The Cluster Is Left After A Second Ctrl-C Of Robot
    # The impatient user: Robot's second signal stops it at once, mid graceful stop.
    ${result}=    Signal Robot During A Run On The Cluster    SIGINT    times=2    group=${True}
    Should Be Equal As Integers    ${result.rc}    253
    Should Contain    ${result.stdout}    Execution forcefully stopped.

Nothing Of The Cluster Is Left After SIGTERM Of Robot
    # As a CI runner or `timeout` ends robot: the signal to robot's process alone.
    ${result}=    Signal Robot During A Run On The Cluster    SIGTERM
    Should Be Equal As Integers    ${result.rc}    1
    Should Contain    ${result.stdout}    Execution terminated by signal

Nothing Of The Cluster Is Left After A Second SIGTERM Of Robot
    ${result}=    Signal Robot During A Run On The Cluster    SIGTERM    times=2
    Should Be Equal As Integers    ${result.rc}    253
    Should Contain    ${result.stdout}    Execution forcefully stopped.


*** Keywords ***
Signal Robot During A Run On The Cluster
    [Documentation]    Starts a robot process loading through its LocalCluster, records robot,
    ...    its Dask worker processes and load workers by PID once the load runs, sends
    ...    ``signal`` ``times`` times (to robot's process group with ``group``) and returns
    ...    robot's result once it ended. Fails unless robot ended within 30 s and every
    ...    recorded process, and every process of that run, was gone 20 s later.
    [Arguments]    ${signal}    ${times}=1    ${group}=${False}
    ${marker}=    New Marker
    ${robot}=    Start Robot Loading On The Cluster    ${marker}
    ${recorded}=    Record Processes Of Robot    ${robot.pid}    perfgate.load.http.worker
    Signal Mid-Run    ${robot}    ${signal}    ${times}    ${group}
    ${result}=    Wait For Process    ${robot}    timeout=30 s    on_timeout=kill
    Log    ${result.stdout}
    IF    $signal != 'SIGKILL'
        Should Not Be Equal As Integers    ${result.rc}    -9    Robot did not end within 30 s.
    END
    Recorded Processes Should Be Gone    ${recorded}    timeout=20
    No Process Should Have Marker    ${marker}    timeout=5 s
    RETURN    ${result}
    [Teardown]    Terminate Process    ${robot}    kill=True

Start Robot Loading On The Cluster
    [Documentation]    A robot process running a two-minute load on its LocalCluster.
    [Arguments]    ${marker}
    ${gw}=    Get Gateway    cleanup
    ${robot}=    Start Process    ${PYTHON}    -m    robot    --outputdir    ${OUTPUT DIR}/inner    --output    NONE    --log    NONE
    ...    --report    NONE    --consolecolors    OFF    --test    Runs Load Until Signalled
    ...    --variable    URL:${gw.url}/api/echo    ${SCENARIOS}
    ...    env:PERFGATE_ATEST_MARKER=${marker}    stderr=STDOUT
    RETURN    ${robot}

Signal Mid-Run
    [Documentation]    Sends ``signal`` ``times`` times, 50 ms apart, once the load workers
    ...    are past their start instant (0.5 s after they were ready). A graceful stop takes
    ...    a few hundred ms: a second signal 50 ms later finds Robot's handler still there.
    [Arguments]    ${robot}    ${signal}    ${times}    ${group}
    Sleep    1.5 s
    FOR    ${_}    IN RANGE    ${times}
        Send Signal To Process    ${signal}    ${robot}    group=${group}
        Sleep    50 ms
    END
