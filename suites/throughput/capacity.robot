*** Settings ***
Documentation       How much the gateway under test can take: the saturation point (the request
...                 rate at which latency or errors break, found by raising the rate until they
...                 do) and the most requests per second it answers successfully.

Resource            ../../resources/suite.resource

Suite Setup         Start The Gateway Under Test
Suite Teardown      Stop All Gateways

Test Tags           throughput    nightly    smoke


*** Test Cases ***
The Saturation Point Is Found
    [Documentation]    The rate rises from 0 to 20,000 requests per second over two minutes;
    ...    the run stops where p95 passes 100 ms or errors pass 1 %, and that rate is the
    ...    saturation point. A gateway that never breaks reports the top rate as a lower bound.
    ...    Only successful responses count: a gateway that fails every request has no
    ...    saturation point, and the test fails naming the error rate. The baseline keeps the
    ...    error rate below the saturation point.
    ${result}=    Run Load Profile    breakpoint    ${GATEWAY.url}${ECHO_PATH}    rate=20000
    ...    duration=2 min    thresholds=p95 < 100 ms, error_rate < 1%
    ${saturation}=    Get Load Metric    ${result}    breaking_point
    Set Test Message    Saturation point: ${{ format($saturation, ",.0f") }} requests per second.
    VAR    &{saturation_point}=    kind=load    rps=${saturation}
    ...    error_rate=${result.breaking_point.error_rate}
    Compare To Baseline    ${saturation_point}    throughput-saturation-point    &{THROUGHPUT_BASELINE}

The Most Requests Per Second Are Measured
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}${ECHO_PATH}    clients=64
    ...    duration=1 min    thresholds=error_rate < ${ERROR_LIMIT}
    ${goodput}=    Get Load Metric    ${result}    goodput
    Set Test Message    Maximum throughput: ${{ format($goodput, ",.0f") }} successful requests per second.
    Compare To Baseline    ${result}    throughput-maximum    &{LOAD_BASELINE}
