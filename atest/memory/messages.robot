*** Settings ***
Documentation       What MemoryLibrary and GatewayLibrary say about bad input (issue 17).

Library             GatewayLibrary
Library             MemoryLibrary

Test Teardown       Stop All Gateways


*** Test Cases ***
A Bare Memory Limit Is Refused With A Hint
    [Documentation]    512 would be bytes, a limit reached at once: the unit is asked for.
    ${gw}=    Start Gateway
    ${mem}=    Monitor Memory    ${gw}    duration=0.5 s    interval=100 ms
    Run Keyword And Expect Error
    ...    The memory limit '512' has no unit and would be 512 bytes; write e.g. '512 MB' or '512 KB'.
    ...    Memory Should Stay Below    ${mem}    512
    Memory Should Stay Below    ${mem}    2 GB

Durations Are Written As Everywhere Else
    [Documentation]    Robot time strings and numbers of seconds work; a bad one gets PerfGate's sentence.
    ${gw}=    Start Gateway
    ${mem}=    Monitor Memory    ${gw}    duration=0.3    interval=100ms
    Should Be True    ${mem.samples} >= 2
    Run Keyword And Expect Error
    ...    Invalid duration 'soon'; use e.g. '30 s', '1 min 30 s' or '200 ms'.
    ...    Monitor Memory    ${gw}    duration=soon
    Run Keyword And Expect Error
    ...    Invalid duration 'often'; use e.g. '30 s', '1 min 30 s' or '200 ms'.
    ...    Start Memory Monitor    ${gw}    interval=often
    Run Keyword And Expect Error
    ...    Invalid duration 'never'; use e.g. '30 s', '1 min 30 s' or '200 ms'.
    ...    Stop Gateway    ${gw}    timeout=never
