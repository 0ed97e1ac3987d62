*** Settings ***
Documentation       What more capacity buys: the most requests per second with one gateway
...                 worker process and with two (horizontal scaling; needs the reference
...                 gateway's ``--workers``), and with 10 and with 100 client connections
...                 (connection pool scaling), each reported as a scaling factor.

Resource            ../../resources/suite.resource

Suite Teardown      Stop All Gateways
Test Teardown       Release The Measurement Lock And Stop All Gateways

Test Tags           throughput    nightly


*** Test Cases ***
Throughput Scales From One Gateway Worker To Two
    [Tags]    smoke
    ${one}=    Most Requests Per Second With Workers    1
    ${two}=    Most Requests Per Second With Workers    2
    Report Scaling Factor    two gateway workers against one    ${two.goodput}    ${one.goodput}
    Compare To Baseline    ${one}    throughput-one-worker    &{LOAD_BASELINE}
    Compare To Baseline    ${two}    throughput-two-workers    &{LOAD_BASELINE}

Throughput Scales From 10 Connections To 100
    ${gateway}=    Start The Gateway Under Test
    ${ten}=    Run Load Profile    constant    ${gateway.url}${ECHO_PATH}    clients=10
    ...    duration=1 min    thresholds=error_rate < ${ERROR_LIMIT}
    ${hundred}=    Run Load Profile    constant    ${gateway.url}${ECHO_PATH}    clients=100
    ...    duration=1 min    thresholds=error_rate < ${ERROR_LIMIT}
    Report Scaling Factor    100 connections against 10    ${hundred.goodput}    ${ten.goodput}
    Compare To Baseline    ${ten}    throughput-10-connections    &{LOAD_BASELINE}
    Compare To Baseline    ${hundred}    throughput-100-connections    &{LOAD_BASELINE}


*** Keywords ***
Most Requests Per Second With Workers
    [Documentation]    64 clients for a minute on a reference gateway with ``workers`` processes.
    [Arguments]    ${workers}
    ${gateway}=    Start The Reference Gateway    gateway workers    --workers    ${workers}
    ...    alias=workers-${workers}
    ${result}=    Run Load Profile    constant    ${gateway.url}/api/echo    clients=64
    ...    duration=1 min    thresholds=error_rate < ${ERROR_LIMIT}
    RETURN    ${result}
