*** Settings ***
Documentation       Load held for a long time: 50 clients for an hour and 25 clients for eight
...                 hours on the seed API mix (``soak``: excluded from ``make suites`` and
...                 ``make nightly``; run them with ``--include soak``), and periodic spikes.
...                 The soak runs stop as soon as a threshold is lost and also watch the
...                 gateway's memory, so that hours of load give a leak verdict too.

Resource            ../../resources/suite.resource

Suite Setup         Start The Gateway Under Test
Suite Teardown      Stop All Gateways

Test Tags           load


*** Variables ***
${API_MIX}      ${SCENARIOS}/api-mix.yaml


*** Test Cases ***
The Gateway Sustains 50 Clients For An Hour
    [Tags]    soak
    [Timeout]    2 hours
    Start Memory Monitor    ${GATEWAY}    interval=10 s
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}    clients=50    duration=1 h
    ...    scenario=${API_MIX}    thresholds=${API_THRESHOLDS}    abort_on_fail=True
    ${memory}=    Stop Memory Monitor    load=${result}
    Memory Should Not Leak    ${memory}    inconclusive=${MEMORY_INCONCLUSIVE}
    Compare To Baseline    ${result}    load-sustained-1h    &{LOAD_BASELINE}

The Gateway Sustains 25 Clients For Eight Hours
    [Tags]    soak
    [Timeout]    9 hours
    Start Memory Monitor    ${GATEWAY}    interval=30 s
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}    clients=25    duration=8 h
    ...    scenario=${API_MIX}    thresholds=${API_THRESHOLDS}    abort_on_fail=True
    ${memory}=    Stop Memory Monitor    load=${result}
    Memory Should Not Leak    ${memory}    inconclusive=${MEMORY_INCONCLUSIVE}
    Compare To Baseline    ${result}    load-sustained-8h    &{LOAD_BASELINE}

The Gateway Absorbs Periodic Spikes
    [Documentation]    20 clients, and once a minute a spike to 150 for 10 seconds, five
    ...    times (``resources/profiles/periodic-spikes.yaml``).
    [Tags]    nightly
    ${result}=    Run Load Profile    ${PROFILES}/periodic-spikes.yaml    ${GATEWAY.url}
    ...    scenario=${API_MIX}    thresholds=${API_THRESHOLDS}
    Gateway Should Be Healthy    ${GATEWAY}
    Compare To Baseline    ${result}    load-periodic-spikes    &{LOAD_BASELINE}
