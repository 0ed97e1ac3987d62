*** Settings ***
Documentation       The gateway's memory under load: no growth while it serves the seed API mix
...                 for 20 minutes, and back to its level after an idle period. The gateway's
...                 whole process tree is watched (RSS and USS); a run too short to vouch for the
...                 limit is INCONCLUSIVE, which fails at full scale and is only logged at smoke
...                 scale (seconds cannot vouch for a few MB an hour).
...                 Longer checks (1 h, 8 h) are the ``soak`` tests of ``load/sustained.robot``.

Resource            ../../resources/suite.resource

Suite Setup         Start The Gateway Under Test For Memory Tests
Suite Teardown      Stop All Gateways

Test Tags           memory    nightly


*** Test Cases ***
Memory Does Not Grow Under Load
    [Documentation]    50 clients for 20 minutes; a leak of 30 MB an hour would be caught.
    ${interval}=    Scaled Duration    5 s
    Start Memory Monitor    ${GATEWAY}    interval=${interval}    max_rate=30 MB/h    min_growth=5 MB
    ...    warmup=${MEMORY_WARMUP}
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}    clients=50    duration=20 min
    ...    scenario=${SCENARIOS}/api-mix.yaml    thresholds=${API_THRESHOLDS}
    ${memory}=    Stop Memory Monitor    load=${result}
    Memory Should Not Leak    ${memory}    inconclusive=${MEMORY_INCONCLUSIVE}
    Compare To Baseline    ${memory}    memory-under-load    &{MEMORY_BASELINE}

Memory Returns To Its Level After An Idle Period
    [Documentation]    A minute of load, then a minute of idling: the memory floor while idle is
    ...    within 10 % of the floor under load.
    [Tags]    smoke
    ${interval}=    Scaled Duration    1 s
    ${idle}=    Scaled Duration    1 min
    Start Memory Monitor    ${GATEWAY}    interval=${interval}
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}${ECHO_PATH}?size=4096    clients=50
    ...    duration=1 min    thresholds=${API_THRESHOLDS}
    Sleep    ${idle}
    ${memory}=    Stop Memory Monitor    load=${result}
    Memory Should Recover After Idle    ${memory}    tolerance=10%    idle=${idle} s
    Compare To Baseline    ${memory}    memory-after-idle    &{MEMORY_BASELINE}
