*** Settings ***
Documentation       The gateway in front of backends of different speeds: fast (under 10 ms),
...                 slow (500 ms) and mixed (one request in ten slow). The gateway must add
...                 little to what the backend takes, and measured latency must show the
...                 backend's speed: a slow backend's requests are never faster than 500 ms.
...
...                 Needs the reference gateway's simulated backends (``?backend=``); skipped
...                 when the suites point at another gateway.

Resource            ../../resources/suite.resource

Suite Setup         Start The Reference Gateway Under Test    simulated backends
Suite Teardown      Stop All Gateways

Test Tags           load    nightly


*** Test Cases ***
A Fast Backend Stays Fast Through The Gateway
    [Tags]    smoke
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}/api/echo?backend=fast
    ...    clients=50    duration=1 min    thresholds=error_rate < ${ERROR_LIMIT}
    Latency Should Be Below    ${result}    p95    ${FAST_BACKEND_P95}
    Compare To Baseline    ${result}    load-fast-backend    &{LOAD_BASELINE}

A Slow Backend Costs Its 500 ms And Little More
    [Tags]    smoke
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}/api/echo?backend=slow
    ...    clients=50    duration=1 min    thresholds=error_rate < ${ERROR_LIMIT}
    Get Load Metric    ${result}    min    >=    500 ms
    Latency Should Be Below    ${result}    p95    ${SLOW_BACKEND_P95}
    Compare To Baseline    ${result}    load-slow-backend    &{LOAD_BASELINE}

A Mixed Backend Is Fast For Most Requests
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}/api/echo?backend=mixed
    ...    clients=50    duration=1 min    thresholds=error_rate < ${ERROR_LIMIT}
    Latency Should Be Below    ${result}    p50    ${FAST_BACKEND_P95}
    Get Load Metric    ${result}    p99    >=    500 ms
    Latency Should Be Below    ${result}    p99    ${SLOW_BACKEND_P95}
    Compare To Baseline    ${result}    load-mixed-backend    &{LOAD_BASELINE}
