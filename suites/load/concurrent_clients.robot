*** Settings ***
Documentation       Many clients at once on the seed API mix (health, missions, specs):
...                 100, 250 and 500 concurrent clients, each sending its next request as soon
...                 as the last one is answered, and clients that open a new connection for
...                 every request. Each must keep the seed thresholds (p95 < 500 ms,
...                 p99 < 1.5 s, errors < 1 %; looser at smoke scale).

Resource            ../../resources/suite.resource

Suite Setup         Start The Gateway Under Test
Suite Teardown      Stop All Gateways
Test Setup          Take The Measurement Lock
Test Teardown       Release The Measurement Lock

Test Tags           load    nightly


*** Variables ***
${API_MIX}      ${SCENARIOS}/api-mix.yaml


*** Test Cases ***
The Gateway Serves 100 Concurrent Clients
    [Tags]    smoke
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}    clients=100    duration=1 min
    ...    scenario=${API_MIX}    thresholds=${API_THRESHOLDS}
    Compare To Baseline    ${result}    load-100-clients    &{LOAD_BASELINE}

The Gateway Serves 250 Concurrent Clients
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}    clients=250    duration=1 min
    ...    scenario=${API_MIX}    thresholds=${API_THRESHOLDS}
    Compare To Baseline    ${result}    load-250-clients    &{LOAD_BASELINE}

The Gateway Serves 500 Concurrent Clients
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}    clients=500    duration=1 min
    ...    scenario=${API_MIX}    thresholds=${API_THRESHOLDS}
    Compare To Baseline    ${result}    load-500-clients    &{LOAD_BASELINE}

The Gateway Serves Clients That Connect For Every Request
    [Documentation]    50 clients asking for the health check, each request on a new TCP
    ...    connection: the cost of accepting connections at a high rate.
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}${GATEWAY_HEALTH}    clients=50
    ...    duration=1 min    headers=Connection: close    thresholds=${API_THRESHOLDS}
    Compare To Baseline    ${result}    load-rapid-connections    &{LOAD_BASELINE}
