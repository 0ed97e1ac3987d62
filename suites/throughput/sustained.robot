*** Settings ***
Documentation       Throughput held near capacity: 80 % of the capacity measured just before,
...                 sent on schedule for a minute (and for an hour, ``soak``), must be
...                 delivered in full; and throughput with request bodies of 1 KB, 16 KB and
...                 256 KB.

Resource            ../../resources/suite.resource

Suite Setup         Start The Gateway Under Test
Suite Teardown      Stop All Gateways

Test Tags           throughput


*** Test Cases ***
Throughput Holds At 80 Percent Of Capacity
    [Tags]    nightly
    ${result}=    Run At 80 Percent Of Capacity    1 min
    Compare To Baseline    ${result}    throughput-80-percent    &{THROUGHPUT_BASELINE}

Throughput Holds At 80 Percent Of Capacity For An Hour
    [Tags]    soak
    [Timeout]    2 hours
    ${result}=    Run At 80 Percent Of Capacity    1 h
    Compare To Baseline    ${result}    throughput-80-percent-1h    &{THROUGHPUT_BASELINE}

Throughput With 1 KB Request Bodies
    [Tags]    smoke    nightly
    ${result}=    Post Bodies Of    1 KB
    Compare To Baseline    ${result}    throughput-body-1kb    &{LOAD_BASELINE}

Throughput With 16 KB Request Bodies
    [Tags]    nightly
    ${result}=    Post Bodies Of    16 KB
    Compare To Baseline    ${result}    throughput-body-16kb    &{LOAD_BASELINE}

Throughput With 256 KB Request Bodies
    [Tags]    smoke    nightly
    ${result}=    Post Bodies Of    256 KB
    Compare To Baseline    ${result}    throughput-body-256kb    &{LOAD_BASELINE}


*** Keywords ***
Run At 80 Percent Of Capacity
    [Documentation]    Measures the capacity, then sends 80 % of it on schedule for ``duration``;
    ...    all of it must be answered, without errors, within the latency targets under load.
    [Arguments]    ${duration}
    ${capacity}=    Measure Capacity    ${GATEWAY.url}${ECHO_PATH}
    ${rate}=    Evaluate    max(1, round($capacity * 0.8))
    ${result}=    Run Load Profile    constant-rate    ${GATEWAY.url}${ECHO_PATH}    rate=${rate}
    ...    duration=${duration}    thresholds=${LATENCY_NEAR_CAPACITY}    abort_on_fail=True
    ...    workers=${OPEN_MODEL_WORKERS}
    Throughput Should Be At Least    ${result}    ${{ 0.95 * $rate }} rps
    RETURN    ${result}

Post Bodies Of
    [Documentation]    32 clients post bodies of ``size`` to ``${ECHO_PATH}`` for a minute; logs MB/s.
    [Arguments]    ${size}
    ${bytes}=    Evaluate    perfgate.measure.units.parse_bytes($size)    modules=perfgate.measure.units
    ${body}=    Evaluate    'x' * $bytes
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}${ECHO_PATH}    clients=32
    ...    duration=1 min    method=POST    body=${body}
    ...    headers=Content-Type: application/octet-stream    thresholds=error_rate < ${ERROR_LIMIT}
    ${mb_per_s}=    Evaluate    round($result.goodput * $bytes / 2**20, 1)
    Log    ${size} bodies: ${result.goodput} successful requests per second, ${mb_per_s} MB/s each way.
    RETURN    ${result}
