*** Settings ***
Documentation       The latency targets of the seed test plan at a typical load: p50 < 50 ms,
...                 p95 < 100 ms and p99 < 200 ms on the API routes (health, missions, specs)
...                 at 200 requests per second, sent on schedule (open model: latency counts
...                 from when each request should have been sent, so a stalled gateway cannot
...                 hide its stall).

Resource            ../../resources/suite.resource

Suite Setup         Start The Gateway Under Test
Suite Teardown      Stop All Gateways

Test Tags           latency    nightly


*** Variables ***
${API_CORE}     ${SCENARIOS}/api-core.yaml


*** Test Cases ***
Latency Meets Its Targets At A Typical Load
    [Tags]    smoke
    ${result}=    Run Load Profile    constant-rate    ${GATEWAY.url}    rate=200    duration=1 min
    ...    scenario=${API_CORE}    thresholds=${LATENCY_TARGETS}, error_rate < ${ERROR_LIMIT}
    Compare To Baseline    ${result}    latency-targets    &{LOAD_BASELINE}
