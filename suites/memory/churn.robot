*** Settings ***
Documentation       Memory under churn: clients that open a new connection for every request,
...                 and WebSocket clients that connect, subscribe and disconnect in a loop.
...                 What each connection or subscription costs must be given back.

Resource            ../../resources/suite.resource

Suite Setup         Start The Gateway Under Test
Suite Teardown      Stop All Gateways
Test Setup          Take The Measurement Lock
Test Teardown       Release The Measurement Lock

Test Tags           memory    nightly


*** Test Cases ***
Connection Churn Does Not Leak Memory
    [Tags]    smoke
    ${interval}=    Scaled Duration    5 s
    Start Memory Monitor    ${GATEWAY}    interval=${interval}    max_rate=20 MB/h    min_growth=5 MB
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}/api/echo    clients=50
    ...    duration=10 min    headers=Connection: close    thresholds=${API_THRESHOLDS}
    ${memory}=    Stop Memory Monitor    load=${result}
    Memory Should Not Leak    ${memory}    inconclusive=${MEMORY_INCONCLUSIVE}
    Compare To Baseline    ${memory}    memory-connection-churn    tolerance=${BASELINE_TOLERANCE}
