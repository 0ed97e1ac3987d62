*** Settings ***
Documentation       Memory with many requests at once: 100 concurrent clients, and sudden bursts
...                 of requests (the k6 ``spike`` profile) after which the memory floor must come
...                 back.

Resource            ../../resources/suite.resource

Suite Setup         Start The Gateway Under Test For Memory Tests
Suite Teardown      Stop All Gateways

Test Tags           memory    nightly


*** Variables ***
${MEMORY_CEILING}       512 MB


*** Test Cases ***
Memory Stays Bounded With 100 Concurrent Requests
    [Documentation]    100 clients for 5 minutes on a route without state, so that what is
    ...    measured is the cost of concurrency, not a store filling up.
    ${interval}=    Scaled Duration    2 s
    Start Memory Monitor    ${GATEWAY}    interval=${interval}    max_rate=60 MB/h    min_growth=3 MB
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}${ECHO_PATH}?size=4096    clients=100
    ...    duration=5 min    thresholds=${API_THRESHOLDS}
    ${memory}=    Stop Memory Monitor    load=${result}
    Memory Should Stay Below    ${memory}    ${MEMORY_CEILING}
    Memory Should Not Leak    ${memory}    inconclusive=${MEMORY_INCONCLUSIVE}
    Compare To Baseline    ${memory}    memory-100-concurrent    &{MEMORY_BASELINE}

Memory Comes Back After Request Bursts
    [Documentation]    Bursts of the k6 ``spike`` profile (5 to 100 clients and back), then a
    ...    minute of idling.
    ${interval}=    Scaled Duration    1 s
    ${idle}=    Scaled Duration    1 min
    Start Memory Monitor    ${GATEWAY}    interval=${interval}
    ${result}=    Run Load Profile    spike    ${GATEWAY.url}${ECHO_PATH}?size=4096
    ...    thresholds=${API_THRESHOLDS}
    Sleep    ${idle}
    ${memory}=    Stop Memory Monitor    load=${result}
    Memory Should Stay Below    ${memory}    ${MEMORY_CEILING}
    Memory Should Recover After Idle    ${memory}    tolerance=10%    idle=${idle} s
    Compare To Baseline    ${memory}    memory-request-bursts    &{MEMORY_BASELINE}
