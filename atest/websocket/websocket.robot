*** Settings ***
Documentation       Run WebSocket Load against the reference gateway: the three modes, exact
...                 losses against the gateway's own count, a gateway stopped mid-run, the
...                 assertion keywords and every kind of bad input. Each run lasts 1-2 s.

Library             OperatingSystem
Library             GatewayLibrary
Library             LoadLibrary
Library             WsCheck.py

Suite Setup         Start Shared Gateway And Run Once
Suite Teardown      Stop All Gateways

Test Tags           websocket


*** Variables ***
${PYTHON}       ${{sys.executable}}


*** Test Cases ***
Run WebSocket Load Returns A Result Robot Can Read
    Should Be Equal    ${RESULT.kind}    websocket
    Should Be Equal    ${RESULT.mode}    broadcast
    Should Be Equal As Numbers    ${RESULT.connection_success_rate}    1
    Should Be True    0 < ${RESULT.connect_p50} <= ${RESULT.connect_p95} <= ${RESULT.connect_p99}
    Should Be True    0 < ${RESULT.event_latency_p50} <= ${RESULT.event_latency_p95}
    Should Be True    ${RESULT.event_latency_p95} <= ${RESULT.event_latency_p99} <= ${RESULT.event_latency_max}
    Should Be True    ${RESULT.events_expected} > 1000
    Should Be Equal    ${RESULT.events_received}    ${RESULT.events_expected}
    Should Be Equal As Numbers    ${RESULT.event_loss_rate}    0
    Should Be Equal As Integers    ${RESULT.disconnections}    0
    Should Be True    len($RESULT.timeline) >= 2
    File Should Exist    ${RESULT.json_path}
    ${saved}=    Get File    ${RESULT.json_path}
    Should Contain    ${saved}    "passed": true
    Should Contain    ${saved}    "kind": "websocket"

The Assertion Keywords Pass On A Healthy Run
    ${p95}=    Event Latency Should Be Below    ${RESULT}    p95    200 ms
    Should Be Equal As Numbers    ${p95}    ${RESULT.event_latency_p95}
    Event Latency Should Be Below    ${RESULT}    max    5 s
    Event Loss Should Be Below    ${RESULT}    0
    Event Loss Should Be Below    ${RESULT}    0.1%
    Connection Time Should Be Below    ${RESULT}    p95    500 ms
    Connection Success Rate Should Be Above    ${RESULT}    99.5%
    Get WebSocket Metric    ${RESULT}    disconnections    ==    0
    ${lost}=    Get WebSocket Metric    ${RESULT}    events_lost
    Should Be Equal As Numbers    ${lost}    0

The Assertion Keywords Name The Metric, Value And Limit When They Fail
    Run Keyword And Expect Error
    ...    assertion failed: event_latency_p95 was *, limit < 0.001 ms.
    ...    Event Latency Should Be Below    ${RESULT}    p95    0.001 ms
    Run Keyword And Expect Error
    ...    assertion failed: connect_p99 was *, limit < 1 us.
    ...    Connection Time Should Be Below    ${RESULT}    p99    1 us
    Run Keyword And Expect Error
    ...    Percentile must be p50, p95, p99, max or mean, not 'p42'.
    ...    Event Latency Should Be Below    ${RESULT}    p42    1 s

A Saved Result Can Be Judged From Its JSON File
    Event Loss Should Be Below    ${RESULT.json_path}    0
    Get WebSocket Metric    ${RESULT.json_path}    events_received    ==    ${RESULT.events_received}

Echo Measures The Round Trip Of Every Message
    ${ws}=    Run WebSocket Load    ${GATEWAY_WS}    mode=echo    connections=10    event_rate=200
    ...    duration=1.5 s    warmup=0.3 s    time_scale=1
    Should Be Equal    ${ws.mode}    echo
    Should Be True    ${ws.events_expected} > 200
    Should Be Equal    ${ws.events_received}    ${ws.events_expected}
    Should Be True    0 < ${ws.event_latency_p50} < 200

Churn Opens And Closes Sessions And Leaves No Subscription Behind
    ${gw}=    Start Gateway    ${PYTHON}    -m    perfgate.refgateway    --port    {port}    --admin
    ...    alias=churn
    ${ws}=    Run WebSocket Load    ws://127.0.0.1:${gw.port}/ws    mode=churn    connections=10
    ...    churn_rate=40    event_rate=100    duration=2 s    warmup=0 s    gateway=${gw}    time_scale=1
    Should Be True    ${ws.sessions} >= 40
    Should Be True    ${ws.connect_attempts} >= ${ws.sessions}
    Should Be Equal    ${ws.events_received}    ${ws.events_expected}
    ${channel}=    Channel Stats    ${gw}    ${ws.channel}
    Should Be Equal As Integers    ${channel}[subscribers]    0
    Should Be True    ${ws.gateway_memory.peak_mb} > 10
    [Teardown]    Stop Gateway    churn

Dropped Events Are Counted Exactly As The Gateway Counts Them
    ${gw}=    Start Gateway    ${PYTHON}    -m    perfgate.refgateway    --port    {port}    --admin
    ...    --drop-events    0.2    --seed    11    alias=dropping
    ${ws}=    Run WebSocket Load    ws://127.0.0.1:${gw.port}/ws    connections=10    event_rate=200
    ...    duration=1.5 s    warmup=0 s    thresholds=NONE    time_scale=1
    ${channel}=    Channel Stats    ${gw}    ${ws.channel}
    Should Be True    ${channel}[dropped] > 0
    Should Be Equal As Integers    ${ws.events_lost}    ${channel}[dropped]
    Should Be Equal As Integers    ${ws.events_received}    ${channel}[enqueued]
    Run Keyword And Expect Error    assertion failed: event_loss_rate was *, limit == 0.
    ...    Event Loss Should Be Below    ${ws}    0
    [Teardown]    Stop Gateway    dropping

Losses Fail The Default Criteria After The Result Is Saved
    ${gw}=    Start Gateway    ${PYTHON}    -m    perfgate.refgateway    --port    {port}
    ...    --drop-events    0.5    alias=lossy
    ${before}=    Count Saved WebSocket Results
    Run Keyword And Expect Error    Threshold breached: event_loss_rate was *, limit == 0%.
    ...    Run WebSocket Load    ws://127.0.0.1:${gw.port}/ws    connections=5    event_rate=100
    ...    duration=1 s    warmup=0 s    time_scale=1
    ${after}=    Count Saved WebSocket Results
    Should Be Equal As Integers    ${after}    ${before + 1}
    ${saved}=    Newest WebSocket Result
    Should Be True    ${saved.events_lost} > 0
    [Teardown]    Stop Gateway    lossy

A Threshold Replaces The Default On Its Metric
    ${gw}=    Start Gateway    ${PYTHON}    -m    perfgate.refgateway    --port    {port}
    ...    --drop-events    0.05    alias=tolerated
    ${ws}=    Run WebSocket Load    ws://127.0.0.1:${gw.port}/ws    connections=5    event_rate=100
    ...    duration=1 s    warmup=0 s    time_scale=1    thresholds=event_loss_rate < 50%
    Should Be True    ${ws.events_lost} > 0
    [Teardown]    Stop Gateway    tolerated

A Gateway Stopped Mid Run Fails It And Is Reported As Disconnections
    ${gw}=    Start Gateway    ${PYTHON}    -m    perfgate.refgateway    --port    {port}    --admin
    ...    alias=stopping
    # Six subscribers and the publisher.
    Send Signal Once Clients Connect    ${gw}    7    SIGTERM    after=0.5 s
    Run Keyword And Expect Error
    ...    The gateway under test died during the load, at * s of 2.5 s; the run was stopped. Gateway 'stopping' (PID ${gw.pid}) exited with *
    ...    Run WebSocket Load    ws://127.0.0.1:${gw.port}/ws    connections=6    event_rate=100
    ...    duration=2.5 s    warmup=0 s    time_scale=1    thresholds=NONE    timeout=2 s
    ${ws}=    Newest WebSocket Result
    Should Be Equal As Integers    ${ws.disconnections}    6
    Should Be True    ${ws.connect_failures} > 0
    Should Be True    ${ws.connection_success_rate} < 1
    Should Be Equal As Integers    ${ws.timeline[-1].connected}    0
    [Teardown]    Stop Gateway    stopping

Events Can Be Published Through An HTTP Trigger
    ${ws}=    Run WebSocket Load    ${GATEWAY_WS}    connections=5    event_rate=100
    ...    publish_url=${GATEWAY.url}/api/events/{channel}    duration=1 s    warmup=0 s    time_scale=1
    Should Be True    ${ws.events_sent} > 50
    Should Be Equal    ${ws.events_received}    ${ws.events_expected}

A URL That Is Not ws Or wss Is One Sentence
    Run Keyword And Expect Error
    ...    Invalid WebSocket URL '${GATEWAY.url}/ws': it must start with ws:// or wss://, e.g. ws://127.0.0.1:8080/ws.
    ...    Run WebSocket Load    ${GATEWAY.url}/ws

A Refused Connection Is One Sentence
    ${port}=    Free Port
    Run Keyword And Expect Error
    ...    Cannot connect to ws://127.0.0.1:${port}/ws: connection refused; is the gateway running?
    ...    Run WebSocket Load    ws://127.0.0.1:${port}/ws    duration=1 s    warmup=0 s

A Refused Handshake Is One Sentence
    Run Keyword And Expect Error
    ...    The WebSocket handshake with ws://127.0.0.1:${GATEWAY.port}/api/health was refused: the gateway answered HTTP 200 instead of 101 Switching Protocols; is the path a WebSocket endpoint?
    ...    Run WebSocket Load    ws://127.0.0.1:${GATEWAY.port}/api/health    duration=1 s    warmup=0 s

A Failing Trigger URL Is One Sentence
    Run Keyword And Expect Error
    ...    The publish trigger ${GATEWAY.url}/api/nothing/* answered HTTP 404; check publish_url=.
    ...    Run WebSocket Load    ${GATEWAY_WS}    connections=2    duration=1 s    warmup=0 s
    ...    publish_url=${GATEWAY.url}/api/nothing/{channel}    time_scale=1

Bad Arguments Are One Sentence Each
    Run Keyword And Expect Error    Unknown mode 'fanout': use echo, broadcast or churn.
    ...    Run WebSocket Load    ${GATEWAY_WS}    mode=fanout
    Run Keyword And Expect Error    Connections must be a whole number >= 1, not 'many'.
    ...    Run WebSocket Load    ${GATEWAY_WS}    connections=many
    Run Keyword And Expect Error    Invalid ramp 'fast'; use e.g. '200/s', '5 s' or '0' for all at once.
    ...    Run WebSocket Load    ${GATEWAY_WS}    ramp=fast
    Run Keyword And Expect Error    Unknown metric 'latency_p95' *
    ...    Run WebSocket Load    ${GATEWAY_WS}    thresholds=latency_p95 < 1 s


*** Keywords ***
Start Shared Gateway And Run Once
    [Documentation]    One gateway for the suite, and one broadcast run the first tests read.
    ${gateway}=    Start Gateway
    # The tests share one gateway and one result; a Suite Setup cannot assign them otherwise.
    VAR    ${GATEWAY}=    ${gateway}    scope=SUITE    # robocop: off=VAR05
    VAR    ${GATEWAY_WS}=    ws://127.0.0.1:${gateway.port}/ws    scope=SUITE    # robocop: off=VAR05
    ${result}=    Run WebSocket Load    ${GATEWAY_WS}    connections=20    event_rate=100
    ...    duration=1.5 s    warmup=0.3 s    time_scale=1
    VAR    ${RESULT}=    ${result}    scope=SUITE    # robocop: off=VAR05
