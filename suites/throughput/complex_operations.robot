*** Settings ***
Documentation       Throughput of the operations beyond plain requests: tool calls routed to
...                 backends (JSON-RPC ``tools/call``), events delivered to WebSocket
...                 subscribers, and JSON-RPC notifications. Needs the reference gateway's
...                 tools and channels; skipped when the suites point at another gateway.

Resource            ../../resources/suite.resource

Suite Setup         Start The Reference Gateway Under Test    JSON-RPC tools and channels
...                     --backends    4
Suite Teardown      Stop All Gateways

Test Tags           throughput    nightly    smoke


*** Test Cases ***
Throughput Of Tool Routing
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}    clients=64    duration=1 min
    ...    scenario=${SCENARIOS}/tool-calls-four-backends.yaml    thresholds=error_rate < ${ERROR_LIMIT}
    Set Test Message    Tool routing: ${result.goodput} calls per second.
    Compare To Baseline    ${result}    throughput-tool-routing    &{LOAD_BASELINE}

Throughput Of Notifications
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}    clients=64    duration=1 min
    ...    scenario=${SCENARIOS}/notifications.yaml    thresholds=error_rate < ${ERROR_LIMIT}
    Set Test Message    Notifications: ${result.goodput} per second.
    Compare To Baseline    ${result}    throughput-notifications    &{LOAD_BASELINE}

Throughput Of Subscriptions
    [Documentation]    50 WebSocket subscribers of one channel, 200 events a second published
    ...    on it: 10,000 deliveries a second, each timed and counted.
    ${url}=    WebSocket URL Of    ${GATEWAY}
    ${ws}=    Run WebSocket Load    ${url}    connections=50    event_rate=200    duration=1 min
    ...    warmup=5 s    thresholds=${WS_THRESHOLDS}
    Set Test Message    Subscriptions: ${ws.events_per_s} events delivered per second.
    Compare To Baseline    ${ws}    throughput-subscriptions    &{WS_BASELINE}
