*** Settings ***
Documentation       How the gateway under test follows a changing number of clients on the seed
...                 API mix: a gradual ramp from 1 to 100 clients, 100 clients arriving at once,
...                 and a ramp down from 100 to none, each within the seed thresholds.

Resource            ../../resources/suite.resource

Suite Setup         Start The Gateway Under Test
Suite Teardown      Stop All Gateways

Test Tags           load    nightly


*** Variables ***
${API_MIX}      ${SCENARIOS}/api-mix.yaml


*** Test Cases ***
Clients Ramp Gradually From 1 To 100
    [Tags]    smoke
    ${result}=    Run Load Profile    ramp-up    ${GATEWAY.url}    stages=0s:1, 2m:100
    ...    scenario=${API_MIX}    thresholds=${API_THRESHOLDS}
    Compare To Baseline    ${result}    load-ramp-1-to-100    &{LOAD_BASELINE}

100 Clients Arrive At Once
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}    stages=0s:100, 1m:100
    ...    warmup=0 s    scenario=${API_MIX}    thresholds=${API_THRESHOLDS}
    Compare To Baseline    ${result}    load-instant-100    &{LOAD_BASELINE}

Clients Ramp Down From 100 To None
    ${result}=    Run Load Profile    ramp-down    ${GATEWAY.url}    stages=0s:100, 1m:0
    ...    scenario=${API_MIX}    thresholds=${API_THRESHOLDS}
    Gateway Should Be Healthy    ${GATEWAY}
    Compare To Baseline    ${result}    load-ramp-down    &{LOAD_BASELINE}
