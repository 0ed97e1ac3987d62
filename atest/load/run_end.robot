*** Settings ***
Documentation       How a load run ends when it cannot run to its end: a gateway that dies
...                 during the load stops the run within about a second and fails it with the
...                 gateway's exit and last output lines; a Robot timeout keeps what was
...                 measured, saved and marked partial, before the timeout fails the test.

Library             Process
Library             GatewayLibrary
Library             LoadLibrary

Test Teardown       Stop All Gateways

Test Tags           load


*** Variables ***
${PYTHON}           ${{sys.executable}}
${INNER}            ${CURDIR}/../_runend/scenarios.robot
${NODE_WS}          ${CURDIR}/../../tests/fixtures/node-ws/server.js
${SUBSCRIBE}        {"op": "subscribe", "topic": "{channel}"}
${UNSUBSCRIBE}      {"op": "unsubscribe", "topic": "{channel}"}
&{PROTOCOL}         type_field=kind    time_field=ts


*** Test Cases ***
A Gateway Killed By Its Memory Limit Fails The HTTP Run At Once
    ${gw}=    Start Gateway    ${PYTHON}    -m    perfgate.refgateway    --port    {port}
    ...    --leak-mb-per-min    1500    memory_limit=150 MiB    alias=leaky
    ${started}=    Get Time    epoch
    Run Keyword And Expect Error
    ...    The gateway under test died during the load, at * s of 60 s; the run was stopped. Gateway 'leaky' (PID ${gw.pid}) exited with signal SIGKILL (9). PerfGate killed it because it exceeded its memory limit of 150 MiB*Last lines of its output:*listening on*
    ...    Run Load Profile    constant    ${gw.url}/api/echo    clients=2    duration=1 min
    ...    warmup=0 s    time_scale=1    workers=1
    ${ended}=    Get Time    epoch
    Should Be True    ${ended} - ${started} < 20    the run went on loading a dead port

A Node Gateway Killed During A WebSocket Run Fails It At Once
    ${gw}=    Start Gateway    node    ${NODE_WS}    --port    {port}    --rate    100    alias=node
    ${killer}=    Start Process    sleep 2 && kill -KILL ${gw.pid}    shell=True
    ${started}=    Get Time    epoch
    Run Keyword And Expect Error
    ...    The gateway under test died during the load, at * s of 60 s; the run was stopped. Gateway 'node' (PID ${gw.pid}) exited with signal SIGKILL (9).*
    ...    Run WebSocket Load    ws://127.0.0.1:${gw.port}/ws    connections=5    event_rate=0
    ...    duration=1 min    warmup=0 s    time_scale=1    protocol=${PROTOCOL}
    ...    subscribe_message=${SUBSCRIBE}    unsubscribe_message=${UNSUBSCRIBE}
    ...    time_format=epoch_ms    thresholds=NONE    gateway=${gw}
    ${ended}=    Get Time    epoch
    Should Be True    ${ended} - ${started} < 10    the run went on loading a dead port
    Wait For Process    ${killer}    timeout=10 s    on_timeout=kill

A Robot Timeout Keeps What Was Measured
    ${result}=    Run Process    ${PYTHON}    -m    robot    --outputdir    ${OUTPUT DIR}/runend
    ...    --output    NONE    --log    NONE    --report    NONE    --consolecolors    OFF
    ...    ${INNER}    timeout=2 min    on_timeout=kill    stderr=STDOUT
    Log    ${result.stdout}
    Should Be Equal As Integers    ${result.rc}    1
    Should Contain    ${result.stdout}    Test timeout 3 seconds exceeded.
    Should Match Regexp    ${result.stdout}
    ...    The Partial Result Of The Timed Out Run Was Saved\\s+\\| PASS \\|
