*** Settings ***
Documentation       Many clients at once on the seed API mix (health, missions, specs):
...                 100, 250 and 500 concurrent clients, each sending its next request as soon
...                 as the last one is answered, and clients that open a new connection for
...                 every request. Each must keep the seed thresholds (p95 < 500 ms,
...                 p99 < 1.5 s, errors < 1 %; looser at smoke scale).

Resource            ../../resources/suite.resource

Suite Setup         Start The Gateway Under Test
Suite Teardown      Stop All Gateways
Test Template       The Gateway Serves Concurrent Clients

Test Tags           load    nightly


*** Variables ***
${API_MIX}      ${SCENARIOS}/api-mix.yaml


*** Test Cases ***    CLIENTS
The Gateway Serves 100 Concurrent Clients
    [Tags]    smoke
    100
The Gateway Serves 250 Concurrent Clients
    250
The Gateway Serves 500 Concurrent Clients
    500
The Gateway Serves Clients That Connect For Every Request
    [Documentation]    50 clients asking for the health check, each request on a new TCP
    ...    connection: the cost of accepting connections at a high rate.
    [Template]    NONE
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}${GATEWAY_HEALTH}    clients=50
    ...    duration=1 min    headers=Connection: close    thresholds=${API_THRESHOLDS}
    Compare To Baseline    ${result}    load-rapid-connections    &{LOAD_BASELINE}


*** Keywords ***
The Gateway Serves Concurrent Clients
    [Documentation]    ``clients`` clients on the API mix for a minute, each sending its next
    ...    request as soon as the last one is answered, within the seed thresholds; the
    ...    result is compared with the baseline ``load-<clients>-clients``.
    [Arguments]    ${clients}
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}    clients=${clients}    duration=1 min
    ...    scenario=${API_MIX}    thresholds=${API_THRESHOLDS}
    Compare To Baseline    ${result}    load-${clients}-clients    &{LOAD_BASELINE}
