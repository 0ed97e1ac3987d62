*** Settings ***
Documentation       Notifications over Server-Sent Events, the transport of streamable-HTTP
...                 JSON-RPC gateways: clients hold a ``text/event-stream`` open on one channel
...                 (``/sse/{channel}`` on the reference gateway) while events are published on
...                 it at a fixed rate through the HTTP trigger; every delivery is timed from
...                 publish to receipt and every missed event counted from the event ids. Pass
...                 criteria as the WebSocket suite's (${WS_THRESHOLDS}), plus no event lost;
...                 the gateway's memory is sampled during each run and the result compared
...                 with its baseline (&{WS_BASELINE}). The streams open over most of the warm-up,
...                 as browsers arriving, not all in one instant.
...                 Give another gateway's stream with --variable SSE_PATH:/your/stream/{channel}
...                 and its trigger with --variable SSE_PUBLISH_PATH:/your/publish/{channel}.

Resource            ../../resources/suite.resource

Suite Setup         Start The Gateway Under Test
Suite Teardown      Stop All Gateways

Test Tags           websocket    sse    nightly


*** Variables ***
${SSE_PATH}             /sse/{channel}
${SSE_PUBLISH_PATH}     /api/events/{channel}


*** Test Cases ***
Notifications Over SSE To 20 Streams At 50 Events Per Second
    [Tags]    smoke
    ${sse}=    Run Event Stream Load    ${GATEWAY.url}${SSE_PATH}    connections=20    event_rate=50
    ...    publish_url=${GATEWAY.url}${SSE_PUBLISH_PATH}    duration=20 s    warmup=5 s    ramp=3 s
    ...    thresholds=${WS_THRESHOLDS}, event_loss_rate == 0%    gateway=${GATEWAY}
    Get Event Stream Metric    ${sse}    disconnections    ==    0
    Compare To Baseline    ${sse}    sse-notifications-20    &{WS_BASELINE}

Notifications Over SSE To 100 Streams At 100 Events Per Second
    ${sse}=    Run Event Stream Load    ${GATEWAY.url}${SSE_PATH}    connections=100    event_rate=100
    ...    publish_url=${GATEWAY.url}${SSE_PUBLISH_PATH}    duration=60 s    warmup=10 s    ramp=5 s
    ...    thresholds=${WS_THRESHOLDS}, event_loss_rate == 0%    gateway=${GATEWAY}
    Get Event Stream Metric    ${sse}    disconnections    ==    0
    Compare To Baseline    ${sse}    sse-notifications-100    &{WS_BASELINE}
