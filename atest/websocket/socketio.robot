*** Settings ***
Documentation       Run WebSocket Load with engine=socket.io against a real Socket.IO v4 server
...                 (tests/fixtures/node-socketio/server.js, the `socket.io` npm package, started
...                 with Start Gateway; pings every second, a client that does not answer is dropped
...                 after 2 s): echo with acknowledgements, broadcast over an HTTP trigger and over
...                 emits, server-generated events with the loss the server's own count of what it
...                 dropped, and a refused namespace as one sentence. Each run lasts 2-3 s.

Library             GatewayLibrary
Library             LoadLibrary

Test Teardown       Stop All Gateways

Test Tags           websocket    socketio    node


*** Variables ***
${SERVER}       ${CURDIR}/../../tests/fixtures/node-socketio/server.js


*** Test Cases ***
Echo Times Every Acknowledged Emit
    ${gw}=    Start SocketIO Server
    ${ws}=    Run SocketIO Load    ${gw}    mode=echo    event_rate=100    warmup=0.5 s
    Should Be Equal As Integers    ${ws.events_lost}    0
    Should Be True    ${ws.events_received} > 100
    Event Latency Should Be Below    ${ws}    p99    100 ms
    Connection Success Rate Should Be Above    ${ws}    99.5%

Events Published Over HTTP Lose Exactly What The Server Dropped
    ${gw}=    Start SocketIO Server    --drop-every    7
    ${ws}=    Run SocketIO Load    ${gw}    event_rate=100
    ...    publish_url=${gw.url}/publish/{channel}    thresholds=NONE, event_latency_p99 < 100 ms
    Losses Should Be The Server's    ${gw}    ${ws}

Events Published By Emit In A Namespace With Auth Arrive Every One
    ${gw}=    Start SocketIO Server    --token    t0ken
    ${ws}=    Run SocketIO Load    ${gw}    event_rate=100    namespace=/secure
    ...    socketio_auth={"token": "t0ken"}
    Should Be True    ${ws.events_sent} > 150
    Event Loss Should Be Below    ${ws}    0

Server Events Keep The Heartbeat Longer Than Ping Interval Plus Timeout
    ${gw}=    Start SocketIO Server    --rate    100    --drop-every    10
    ${ws}=    Run SocketIO Load    ${gw}    event_rate=0    duration=3 s    time_format=epoch_ms
    ...    thresholds=NONE, event_latency_p99 < 100 ms
    Get WebSocket Metric    ${ws}    disconnections    ==    0
    Losses Should Be The Server's    ${gw}    ${ws}

A Refused Auth Is One Sentence With The Server's Reason
    ${gw}=    Start SocketIO Server
    Run Keyword And Expect Error
    ...    The Socket.IO server at ${gw.url} refused the connection to namespace /secure: 'not authorized'; check namespace= and socketio_auth=.
    ...    Run SocketIO Load    ${gw}    namespace=/secure    socketio_auth={"token": "wrong"}

A Plain WebSocket Server Is Named As No SocketIO Server
    ${gw}=    Start Gateway    node    ${SERVER}    --port    {port}    --transport    ws    --greet
    Run Keyword And Expect Error
    ...    The server at ${gw.url} did not open a Socket.IO session: it answered '{"kind":"hello"}', not an Engine.IO open packet; is it a Socket.IO v4 server (EIO=4, WebSocket transport allowed)?
    ...    Run SocketIO Load    ${gw}

SocketIO Arguments Need The SocketIO Engine
    Run Keyword And Expect Error
    ...    Namespace and socketio_auth need engine=socket.io.
    ...    Run WebSocket Load    ws://127.0.0.1:1/ws    namespace=/dash


*** Keywords ***
Start SocketIO Server
    [Documentation]    The socket.io server on a free port, pinging every second with a
    ...    timeout of 1 s; more options of server.js as arguments.
    [Arguments]    @{options}
    ${gw}=    Start Gateway    node    ${SERVER}    --port    {port}    --ping-interval    1000
    ...    --ping-timeout    1000    @{options}
    RETURN    ${gw}

Run SocketIO Load
    [Documentation]    5 clients for 2 s (or ``duration``), no warm-up (or ``warmup``); more
    ...    arguments of Run WebSocket Load as named arguments.
    [Arguments]    ${gw}    ${duration}=2 s    ${warmup}=0 s    &{arguments}
    ${ws}=    Run WebSocket Load    ${gw.url}    engine=socket.io    connections=5
    ...    duration=${duration}    warmup=${warmup}    time_scale=1    &{arguments}
    RETURN    ${ws}

Losses Should Be The Server's
    [Documentation]    The events lost are the events the server says it dropped, to the event.
    [Arguments]    ${gw}    ${ws}
    ${stats}=    Evaluate    json.loads(urllib.request.urlopen($gw.url + '/stats', timeout=5).read())
    ...    modules=json,urllib.request
    Should Be True    ${ws.events_lost} > 0
    Should Be Equal As Integers    ${ws.events_lost}    ${stats}[dropped]
