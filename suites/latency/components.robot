*** Settings ***
Documentation       Where the time goes: the gateway's ``Server-Timing`` header splits each
...                 request into parsing, routing, waiting for the backend and serializing.
...                 The log names the largest source of latency. Skipped for a gateway that
...                 sends no ``Server-Timing`` header.

Resource            ../../resources/suite.resource

Suite Setup         Start The Gateway Under Test
Suite Teardown      Stop All Gateways

Test Tags           latency    nightly    smoke


*** Variables ***
${API_CORE}     ${SCENARIOS}/api-core.yaml


*** Test Cases ***
The Largest Source Of Latency Is Named
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}    clients=10    duration=1 min
    ...    scenario=${API_CORE}    thresholds=${LATENCY_UNDER_LOAD}
    ${largest}=    Largest Latency Source    ${result}
    Set Test Message    The largest source of latency is ${largest}.
    Compare To Baseline    ${result}    latency-components    &{LOAD_BASELINE}

A Slow Backend Is Named As The Largest Source Of Latency
    [Documentation]    Proves the breakdown: with the reference gateway's 500 ms backend behind
    ...    every request, waiting for the backend must come out as the largest source.
    ${slow}=    Start The Reference Gateway    a slow simulated backend    alias=slow-backend
    ${result}=    Run Load Profile    constant    ${slow.url}/api/missions?backend=slow
    ...    clients=50    duration=1 min
    Stop Gateway    ${slow}
    ${largest}=    Largest Latency Source    ${result}
    Should Be Equal    ${largest}    backend
    Compare To Baseline    ${result}    latency-components-slow-backend    &{LOAD_BASELINE}
