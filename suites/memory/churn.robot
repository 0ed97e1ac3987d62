*** Settings ***
Documentation       Memory under churn: clients that open a new connection for every request,
...                 and WebSocket clients that connect, subscribe and disconnect in a loop.
...                 What each connection or subscription costs must be given back.

Resource            ../../resources/suite.resource

Suite Setup         Start The Gateway Under Test For Memory Tests
Suite Teardown      Stop All Gateways

Test Tags           memory    nightly


*** Test Cases ***
Connection Churn Does Not Leak Memory
    [Documentation]    50 clients for 5 minutes, each request on a new connection.
    ${interval}=    Scaled Duration    2 s
    Start Memory Monitor    ${GATEWAY}    interval=${interval}    max_rate=60 MB/h    min_growth=3 MB
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}${ECHO_PATH}    clients=50
    ...    duration=5 min    headers=Connection: close    thresholds=${API_THRESHOLDS}
    ${memory}=    Stop Memory Monitor    load=${result}
    Memory Should Not Leak    ${memory}    inconclusive=${MEMORY_INCONCLUSIVE}
    Compare To Baseline    ${memory}    memory-connection-churn    &{MEMORY_BASELINE}

Subscription Churn Does Not Leak Memory
    [Documentation]    100 WebSocket clients connect, subscribe, stay two seconds, unsubscribe
    ...    and disconnect in a loop (50 new sessions a second) while events are published.
    ${url}=    WebSocket URL Of    ${GATEWAY}
    ${interval}=    Scaled Duration    2 s
    Start Memory Monitor    ${GATEWAY}    interval=${interval}    max_rate=60 MB/h    min_growth=3 MB
    Run WebSocket Load    ${url}    mode=churn    connections=100    churn_rate=50
    ...    event_rate=20    duration=5 min    warmup=30 s    thresholds=${WS_THRESHOLDS}
    ${memory}=    Stop Memory Monitor
    Memory Should Not Leak    ${memory}    inconclusive=${MEMORY_INCONCLUSIVE}
    Compare To Baseline    ${memory}    memory-subscription-churn    &{MEMORY_BASELINE}
