*** Settings ***
Documentation       Latency stays low whatever the load: the API routes at 10 %, 50 % and 80 %
...                 of the capacity measured when the suite starts, sent on schedule (open
...                 model), each within the latency targets under load (p95 < 100 ms,
...                 p99 < 200 ms).

Resource            ../../resources/suite.resource

Suite Setup         Start The Gateway And Measure Its Capacity
Suite Teardown      Stop All Gateways

Test Tags           latency    nightly


*** Variables ***
${API_CORE}     ${SCENARIOS}/api-core.yaml


*** Test Cases ***
Latency Is Low At 10 Percent Of Capacity
    [Tags]    smoke
    ${result}=    Run Load At Percent Of Capacity    10    ${LATENCY_UNDER_LOAD}
    Compare To Baseline    ${result}    latency-at-10-percent    &{LATENCY_BASELINE}

Latency Is Low At 50 Percent Of Capacity
    ${result}=    Run Load At Percent Of Capacity    50    ${LATENCY_UNDER_LOAD}
    Compare To Baseline    ${result}    latency-at-50-percent    &{LATENCY_BASELINE}

Latency Is Low At 80 Percent Of Capacity
    ${result}=    Run Load At Percent Of Capacity    80    ${LATENCY_NEAR_CAPACITY}
    Compare To Baseline    ${result}    latency-at-80-percent    &{LATENCY_BASELINE}


*** Keywords ***
Start The Gateway And Measure Its Capacity
    [Documentation]    Starts the gateway under test and sets ${CAPACITY}, in requests per second.
    Start The Gateway Under Test
    ${capacity}=    Measure Capacity    ${GATEWAY.url}    scenario=${API_CORE}
    VAR    ${CAPACITY}=    ${capacity}    scope=SUITE    # robocop: off=VAR05

Run Load At Percent Of Capacity
    [Documentation]    Sends the API routes at ``percent`` of the measured capacity for a minute,
    ...    judged by ``thresholds``.
    [Arguments]    ${percent}    ${thresholds}
    ${rate}=    Evaluate    max(1, round($CAPACITY * ${percent} / 100))
    ${result}=    Run Load Profile    constant-rate    ${GATEWAY.url}    rate=${rate}
    ...    duration=1 min    scenario=${API_CORE}    thresholds=${thresholds}
    ...    workers=${OPEN_MODEL_WORKERS}
    RETURN    ${result}
