*** Settings ***
Documentation       The most tool calls per second (JSON-RPC ``tools/call`` on ``/rpc``) with
...                 one backend and with four, and the scaling factor between them. Needs the
...                 reference gateway's simulated backends (``--backends``); skipped when the
...                 suites point at another gateway.

Resource            ../../resources/suite.resource

Suite Teardown      Stop All Gateways
Test Teardown       Release The Measurement Lock And Stop All Gateways

Test Tags           throughput    nightly


*** Test Cases ***
Tool Calls Scale From One Backend To Four
    [Tags]    smoke
    ${one}=    Most Tool Calls Per Second    1    tool-calls-one-backend.yaml
    ${four}=    Most Tool Calls Per Second    4    tool-calls-four-backends.yaml
    Report Scaling Factor    four backends against one    ${four.goodput}    ${one.goodput}
    Compare To Baseline    ${one}    throughput-one-backend    &{LOAD_BASELINE}
    Compare To Baseline    ${four}    throughput-four-backends    &{LOAD_BASELINE}


*** Keywords ***
Most Tool Calls Per Second
    [Documentation]    Tool calls from 64 clients for a minute on a gateway with ``backends``.
    [Arguments]    ${backends}    ${scenario}
    ${gateway}=    Start The Reference Gateway    simulated backends    --backends    ${backends}
    ...    alias=backends-${backends}
    ${result}=    Run Load Profile    constant    ${gateway.url}    clients=64    duration=1 min
    ...    scenario=${SCENARIOS}/${scenario}    thresholds=error_rate < ${ERROR_LIMIT}
    RETURN    ${result}
