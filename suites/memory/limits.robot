*** Settings ***
Documentation       A memory limit on the gateway: PerfGate kills a gateway whose process tree
...                 grows past it, and says so. Under load within its limit the gateway stays
...                 healthy; a gateway that leaks past its limit is stopped, and the next health
...                 check fails with "exceeded its memory limit". That one needs the reference
...                 gateway's leak knob and is skipped when the suites point at another gateway.

Resource            ../../resources/suite.resource

Suite Teardown      Stop All Gateways
Test Teardown       Release The Measurement Lock And Stop All Gateways

Test Tags           memory    nightly    smoke


*** Variables ***
${MEMORY_LIMIT}     256 MB


*** Test Cases ***
The Gateway Respects Its Memory Limit Under Load
    ${gateway}=    Start The Gateway Under Test With A Memory Limit    ${MEMORY_LIMIT}
    ${interval}=    Scaled Duration    2 s
    Start Memory Monitor    ${gateway}    interval=${interval}
    ${result}=    Run Load Profile    constant    ${gateway.url}    clients=100    duration=2 min
    ...    scenario=${SCENARIOS}/api-mix.yaml    thresholds=${API_THRESHOLDS}
    ${memory}=    Stop Memory Monitor    load=${result}
    Gateway Should Be Healthy    ${gateway}
    Memory Should Stay Below    ${memory}    ${MEMORY_LIMIT}
    Compare To Baseline    ${memory}    memory-within-limit    &{MEMORY_BASELINE}

A Gateway Over Its Memory Limit Is Stopped And Reported
    [Documentation]    The reference gateway leaks 100 MB a second until PerfGate kills it.
    ${gateway}=    Start The Reference Gateway    a deliberate leak    --leak-mb-per-min    6000
    ...    memory_limit=${MEMORY_LIMIT}
    Wait Until Keyword Succeeds    1 min    200 ms
    ...    Run Keyword And Expect Error    *exceeded its memory limit*
    ...    Gateway Should Be Healthy    ${gateway}


*** Keywords ***
Start The Gateway Under Test With A Memory Limit
    [Documentation]    The gateway under test, killed by PerfGate if it grows past ``limit``.
    ...    A gateway that is already running (GATEWAY_URL) is not PerfGate's to kill: skipped.
    [Arguments]    ${limit}
    Skip If    $GATEWAY_URL
    ...    A memory limit needs a gateway PerfGate starts; GATEWAY_URL points at a running one.
    ${gateway}=    Start Gateway    ${GATEWAY_COMMAND}    health=${GATEWAY_HEALTH}
    ...    memory_limit=${limit}
    RETURN    ${gateway}
