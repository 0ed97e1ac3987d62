*** Settings ***
Documentation       Latency with 10, 50 and 100 requests in flight at once: that many clients,
...                 each sending its next request as soon as the last one is answered, on the
...                 API routes, within the latency targets under load.

Resource            ../../resources/suite.resource

Suite Setup         Start The Gateway Under Test
Suite Teardown      Stop All Gateways

Test Tags           latency    nightly


*** Variables ***
${API_CORE}     ${SCENARIOS}/api-core.yaml


*** Test Cases ***
Latency With 10 Concurrent Requests
    [Tags]    smoke
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}    clients=10    duration=1 min
    ...    scenario=${API_CORE}    thresholds=${LATENCY_UNDER_LOAD}
    Compare To Baseline    ${result}    latency-10-concurrent    &{LOAD_BASELINE}

Latency With 50 Concurrent Requests
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}    clients=50    duration=1 min
    ...    scenario=${API_CORE}    thresholds=${LATENCY_UNDER_LOAD}
    Compare To Baseline    ${result}    latency-50-concurrent    &{LOAD_BASELINE}

Latency With 100 Concurrent Requests
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}    clients=100    duration=1 min
    ...    scenario=${API_CORE}    thresholds=${LATENCY_UNDER_LOAD}
    Compare To Baseline    ${result}    latency-100-concurrent    &{LOAD_BASELINE}
