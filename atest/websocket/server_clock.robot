*** Settings ***
Documentation       Events a real `ws` server in Node generates and stamps with its own wall clock
...                 (tests/fixtures/node-ws/server.js, started with Start Gateway): read as
...                 PerfGate's stamps they give no latency anywhere, read with time_format they
...                 give latencies against the server's clock with their uncertainty, and the loss
...                 is the server's own count either way. Each run lasts 2 s at 200 events/s.

Library             GatewayLibrary
Library             LoadLibrary

Test Teardown       Stop All Gateways

Test Tags           websocket    node


*** Variables ***
${SERVER}           ${CURDIR}/../../tests/fixtures/node-ws/server.js
&{PROTOCOL}         type_field=kind    time_field=ts
${SUBSCRIBE}        {"op": "subscribe", "topic": "{channel}"}
${UNSUBSCRIBE}      {"op": "unsubscribe", "topic": "{channel}"}


*** Test Cases ***
Server Stamps Read As PerfGate's Give No Latency, Only The Reason
    ${gw}=    Start Node Server    ms
    ${ws}=    Run Server Load    ${gw}    perfgate
    Should Be Equal As Integers    ${ws.latency_samples}    0
    Should Be Equal    ${ws.timeline[-1].p95}    ${None}
    Should Match    ${ws.latency_note}
    ...    'ts' held no PerfGate send time of this run (e.g. *, which reads as the wall clock in epoch milliseconds; give time_format=epoch_ms if the server stamps events with this machine's clock)
    Run Keyword And Expect Error
    ...    assertion failed: event_latency_p95 < 200 ms cannot hold: no event latency was measured ('ts' held no PerfGate send time of this run (e.g. *)).
    ...    Event Latency Should Be Below    ${ws}    p95    200 ms
    Losses Should Be The Server's    ${gw}    ${ws}

Server Stamps In Milliseconds Give Latencies With An Uncertainty Of 1 ms
    ${gw}=    Start Node Server    ms
    ${ws}=    Run Server Load    ${gw}    epoch_ms
    Should Be Equal    ${ws.latency_samples}    ${ws.events_received}
    Event Latency Should Be Below    ${ws}    p95    50 ms
    Should Be True    1 <= ${ws.latency_uncertainty_ms} < 2
    Should Be Equal As Integers    ${ws.events_stamped_ahead}    0
    Losses Should Be The Server's    ${gw}    ${ws}

Server Stamps In Nanoseconds Give A Sub-Millisecond Uncertainty
    ${gw}=    Start Node Server    ns
    ${ws}=    Run Server Load    ${gw}    EPOCH_NS
    Should Be Equal    ${ws.time_format}    epoch_ns
    Event Latency Should Be Below    ${ws}    p95    50 ms
    Should Be True    0 < ${ws.latency_uncertainty_ms} < 1
    Losses Should Be The Server's    ${gw}    ${ws}

An Unknown Time Format Is Refused By Name
    Run Keyword And Expect Error
    ...    ValueError: Argument 'time_format' got value 'ms' that cannot be converted to 'perfgate', 'epoch_s', 'epoch_ms', 'epoch_us' or 'epoch_ns'.
    ...    Run WebSocket Load    ws://127.0.0.1:1/ws    time_format=ms


*** Keywords ***
Start Node Server
    [Documentation]    The ws server on a free port, 200 events/s, every 20th event to each
    ...    subscriber dropped, stamped with Date.now() (``ms``) or hrtime on the wall clock (``ns``).
    [Arguments]    ${clock}
    ${gw}=    Start Gateway    node    ${SERVER}    --port    {port}    --rate    200    --clock    ${clock}
    ...    --drop-every    20
    RETURN    ${gw}

Run Server Load
    [Documentation]    5 subscribers for 2 s; PerfGate publishes nothing.
    [Arguments]    ${gw}    ${time_format}
    ${ws}=    Run WebSocket Load    ws://127.0.0.1:${gw.port}/ws    connections=5    event_rate=0
    ...    duration=2 s    warmup=0 s    time_scale=1    protocol=${PROTOCOL}
    ...    subscribe_message=${SUBSCRIBE}    unsubscribe_message=${UNSUBSCRIBE}
    ...    time_format=${time_format}    thresholds=NONE, event_loss_rate < 10%
    RETURN    ${ws}

Losses Should Be The Server's
    [Documentation]    The events lost are the events the server says it dropped, to the event.
    [Arguments]    ${gw}    ${ws}
    ${stats}=    Evaluate    json.loads(urllib.request.urlopen($gw.url + '/stats', timeout=5).read())
    ...    modules=json,urllib.request
    Should Be True    ${ws.events_lost} > 0
    Should Be Equal As Integers    ${ws.events_lost}    ${stats}[dropped]
