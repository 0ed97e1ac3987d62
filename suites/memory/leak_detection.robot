*** Settings ***
Documentation       PerfGate finds a leak where there is one: the reference gateway leaks on
...                 purpose (``--leak-kb-per-request``, ``--leak-mb-per-min``) and the verdict
...                 must be LEAK, with ``Memory Should Not Leak`` failing. The leak rate grows as
...                 the time scale shrinks, so every run leaks about the same 20 MB.
...                 Needs the reference gateway's leak knobs; skipped when the suites point at
...                 another gateway.

Resource            ../../resources/suite.resource

Suite Teardown      Stop All Gateways
Test Teardown       Release The Measurement Lock And Stop All Gateways

Test Tags           memory    nightly


*** Test Cases ***
A Leak On Every Request Is Detected
    [Documentation]    The gateway keeps a little memory per request, about 20 MB over a
    ...    2-minute run at 100 requests per second.
    [Tags]    smoke
    ${kb}=    Evaluate    max(1, round(1.7 / float($PERF_TIME_SCALE)))
    ${gateway}=    Start The Reference Gateway    a deliberate leak    --leak-kb-per-request    ${kb}
    ${interval}=    Scaled Duration    2 s
    Start Memory Monitor    ${gateway}    interval=${interval}    max_rate=60 MB/h    min_growth=2 MB
    ${result}=    Run Load Profile    constant-rate    ${gateway.url}/api/echo    rate=100
    ...    duration=2 min    warmup=0 s
    ${memory}=    Stop Memory Monitor    load=${result}
    Should Be Equal    ${memory.verdict}    LEAK    ${memory.reason}
    Run Keyword And Expect Error    *LEAK*    Memory Should Not Leak    ${memory}
    Compare To Baseline    ${memory}    memory-leak-per-request    &{MEMORY_BASELINE}

A Leak Over Time Is Detected
    [Documentation]    The gateway keeps 10 MB a minute whatever it does, over two minutes.
    ${mb}=    Evaluate    round(10 / float($PERF_TIME_SCALE), 1)
    ${gateway}=    Start The Reference Gateway    a deliberate leak    --leak-mb-per-min    ${mb}
    ${duration}=    Scaled Duration    2 min
    ${interval}=    Scaled Duration    2 s
    ${memory}=    Monitor Memory    ${gateway}    duration=${duration} s    interval=${interval} s
    ...    max_rate=60 MB/h    min_growth=2 MB
    Should Be Equal    ${memory.verdict}    LEAK    ${memory.reason}
    Run Keyword And Expect Error    *LEAK*    Memory Should Not Leak    ${memory}
    Compare To Baseline    ${memory}    memory-leak-over-time    &{MEMORY_BASELINE}
