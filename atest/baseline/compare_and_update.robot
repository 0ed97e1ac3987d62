*** Settings ***
Documentation       Compare To Baseline, Update Baseline and Run Repeated on synthetic results.
Library             Collections
Library             OperatingSystem
Library             BaselineHelpers.py
Library             BaselineLibrary
...                     baselines_dir=${OUTPUT DIR}/compare-baselines
...                     history_file=${OUTPUT DIR}/compare-history.jsonl
...                     environment=atest
Suite Setup         Start Clean


*** Variables ***
${BASELINES}        ${OUTPUT DIR}/compare-baselines
${HISTORY}          ${OUTPUT DIR}/compare-history.jsonl


*** Test Cases ***
First Run Records The Baseline And Warns
    [Documentation]    missing=record (the default) writes version 1 and passes.
    ${result}=    Synthetic Load Result    p95=40
    ${outcome}=    Compare To Baseline    ${result}    checkout
    Should Be Equal    ${outcome}[action]    recorded
    File Should Exist    ${BASELINES}/atest/checkout.json
    ${baseline}=    Get Baseline    checkout
    Should Be Equal As Integers    ${baseline}[version]    1
    Should Be Equal As Numbers    ${baseline}[samples][0][p95]    40

Unchanged Rerun Is Within Noise
    [Documentation]    A re-run with a few percent difference passes.
    ${result}=    Synthetic Load Result    p95=41    rps=990
    ${outcome}=    Compare To Baseline    ${result}    checkout
    Should Be Equal    ${outcome}[action]    compared
    Should Not Be True    ${outcome}[regressed]
    Should Be Equal    ${outcome}[comparison][verdicts][p95][verdict]    within noise
    Should Be Equal    ${outcome}[comparison][verdicts][p95][method]    tolerance-only

Twice As Slow Fails With One Message
    [Documentation]    Every regressed metric is named in one failure message.
    ${slow}=    Synthetic Load Result    p95=80    rps=500
    Run Keyword And Expect Error
    ...    Performance regressed against baseline 'checkout', environment atest, version 1: p50 *
    ...    Compare To Baseline    ${slow}    checkout
    Run Keyword And Expect Error    *p95 80 ms vs 40 ms*rps 500 req/s vs 1,000 req/s*
    ...    Compare To Baseline    ${slow}    checkout
    Run Keyword And Expect Error
    ...    *. If the change is intended, accept it with Update Baseline or by running with --variable PERFGATE_UPDATE_BASELINES:1.
    ...    Compare To Baseline    ${slow}    checkout

Metrics And Per-Metric Tolerances
    [Documentation]    metrics= picks what is compared; tolerance= can differ per metric.
    ${slower}=    Synthetic Load Result    p95=48
    ${outcome}=    Compare To Baseline    ${slower}    checkout    metrics=p95
    Should Not Be True    ${outcome}[regressed]    +20 % is inside the generous single-run default
    Dictionary Should Not Contain Key    ${outcome}[comparison][verdicts]    rps
    Run Keyword And Expect Error    Performance regressed*p95 48 ms vs 40 ms*
    ...    Compare To Baseline    ${slower}    checkout    tolerance=p95:10%, rps:5%
    ${outcome}=    Compare To Baseline    ${slower}    checkout    metrics=rps, error_rate
    Should Not Be True    ${outcome}[regressed]

Bad Arguments Are Explained
    [Documentation]    Bad arguments fail with one sentence saying what to do.
    ${result}=    Synthetic Load Result
    Run Keyword And Expect Error    Unknown metric 'latency': choose from *
    ...    Compare To Baseline    ${result}    checkout    metrics=latency
    Run Keyword And Expect Error    Tolerance 'ten' is not a number: write it like 10% or 0.1.
    ...    Compare To Baseline    ${result}    checkout    tolerance=ten
    Run Keyword And Expect Error    Baseline name '../escape' cannot be used as a file name*
    ...    Compare To Baseline    ${result}    ../escape
    Run Keyword And Expect Error    *missing*record*fail*skip*
    ...    Compare To Baseline    ${result}    checkout    missing=sometimes

Update Baseline Records A New Version With Reason
    [Documentation]    The old version is kept under previous, the reason is stored.
    ${slow}=    Synthetic Load Result    p95=80    rps=500
    ${outcome}=    Update Baseline    ${slow}    checkout    reason=new TLS stack is slower by design
    Should Be Equal    ${outcome}[action]    updated
    ${baseline}=    Get Baseline    checkout
    Should Be Equal As Integers    ${baseline}[version]    2
    Should Be Equal    ${baseline}[reason]    new TLS stack is slower by design
    Should Be Equal As Numbers    ${baseline}[previous][0][samples][0][p95]    40
    ${outcome}=    Compare To Baseline    ${slow}    checkout
    Should Not Be True    ${outcome}[regressed]

Update Variable Turns Comparisons Into Updates
    [Documentation]    With PERFGATE_UPDATE_BASELINES true, a regression updates instead of failing.
    ${fast}=    Synthetic Load Result    p95=40
    Compare To Baseline    ${fast}    update-var
    ${slow}=    Synthetic Load Result    p95=90
    VAR    ${PERFGATE_UPDATE_BASELINES}=    True    scope=TEST    # robocop: off=VAR06
    VAR    ${PERFGATE_UPDATE_REASON}=    planned change    scope=TEST    # robocop: off=VAR06
    ${outcome}=    Compare To Baseline    ${slow}    update-var
    Should Be Equal    ${outcome}[action]    updated
    Should Be True    ${outcome}[regressed]
    ${baseline}=    Get Baseline    update-var
    Should Be Equal    ${baseline}[reason]    planned change
    Should Be Equal As Integers    ${baseline}[version]    2

Update Flow From The Command Line
    [Documentation]    A nested run with --variable PERFGATE_UPDATE_BASELINES:True updates what it compares.
    ${fast}=    Synthetic Load Result    p95=40
    Compare To Baseline    ${fast}    update-flow
    ${slow}=    Synthetic Load Result    p95=90
    Run Keyword And Expect Error    Performance regressed*
    ...    Compare To Baseline    ${slow}    update-flow
    Run Inner Update Suite    ${OUTPUT DIR}    ${BASELINES}    ${HISTORY}
    ${baseline}=    Get Baseline    update-flow
    Should Be Equal As Integers    ${baseline}[version]    2
    Should Be Equal    ${baseline}[reason]    accepted slower TLS handshake
    ${outcome}=    Compare To Baseline    ${slow}    update-flow
    Should Not Be True    ${outcome}[regressed]

Run Repeated Collects Samples For A Statistical Verdict
    [Documentation]    Five samples per side switch to the Mann-Whitney test.
    ${samples}=    Run Repeated    5    Synthetic Load Result    p95=40    noise=0.02
    Length Should Be    ${samples}    5
    Should Not Be Equal    ${samples}[0][p95]    ${samples}[1][p95]
    Update Baseline    ${samples}    repeated    reason=five samples
    ${again}=    Run Repeated    5    Synthetic Load Result    p95=40.4    noise=0.02
    ${outcome}=    Compare To Baseline    ${again}    repeated
    Should Be Equal    ${outcome}[comparison][verdicts][p95][method]    mann-whitney
    Should Not Be True    ${outcome}[regressed]
    ${slow}=    Run Repeated    5    Synthetic Load Result    p95=80    noise=0.02
    Run Keyword And Expect Error    Performance regressed against baseline 'repeated'*p95*
    ...    Compare To Baseline    ${slow}    repeated
    Run Keyword And Expect Error    Run Repeated needs n of 1 or more, got 0.
    ...    Run Repeated    0    Synthetic Load Result

WebSocket And Memory Results Use Their Own Metrics
    [Documentation]    Default metrics follow the result kind.
    ${ws}=    Synthetic WebSocket Result    event_p95=12
    Compare To Baseline    ${ws}    events
    ${ws_slow}=    Synthetic WebSocket Result    event_p95=30
    Run Keyword And Expect Error    *event_latency_p95 30 ms vs 12 ms*
    ...    Compare To Baseline    ${ws_slow}    events
    ${memory}=    Synthetic Memory Result    leak_mb_per_hour=0
    Compare To Baseline    ${memory}    memory
    ${leaking}=    Synthetic Memory Result    leak_mb_per_hour=50
    Run Keyword And Expect Error    *leak_rate_mb_per_hour 50 MB/h vs 0 MB/h*
    ...    Compare To Baseline    ${leaking}    memory

Every Comparison Is In The History
    [Documentation]    Recorded, compared and updated results are appended to the history.
    ${events}=    History Events    ${HISTORY}    checkout
    Should Be Equal    ${events}[0]    recorded
    List Should Contain Value    ${events}    compared
    List Should Contain Value    ${events}    updated


*** Keywords ***
Start Clean
    [Documentation]    Removes what an earlier run left in the output directory.
    Remove Directory    ${BASELINES}    recursive=True
    Remove File    ${HISTORY}
