*** Settings ***
Documentation       A LocalCluster lives as long as the robot process that started it: it
...                 stays warm from one run to the next, is stopped when robot ends, and
...                 goes with robot when robot is killed (the reaper and Dask's own parent
...                 watch). Each test runs loads in a separate robot process
...                 (atest/_cluster/scenarios.robot) and checks that nothing of it is left.

Library             Process
Library             GatewayLibrary
Library             ../resources/ProcessCheck.py

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
    ${marker}=    New Marker
    ${gw}=    Get Gateway    cleanup
    ${robot}=    Start Process    ${PYTHON}    -m    robot    --outputdir    ${OUTPUT DIR}/inner    --output    NONE    --log    NONE
    ...    --report    NONE    --consolecolors    OFF    --test    Runs Load Until Killed
    ...    --variable    URL:${gw.url}/api/echo    ${SCENARIOS}
    ...    env:PERFGATE_ATEST_MARKER=${marker}    stderr=STDOUT
    Wait Until Process With Marker Runs    ${marker}    perfgate.load.http.worker    timeout=90 s
    Send Signal To Process    SIGKILL    ${robot}
    ${result}=    Wait For Process    ${robot}    timeout=30 s    on_timeout=kill
    Log    ${result.stdout}
    No Process Should Have Marker    ${marker}    timeout=20 s
