*** Settings ***
Documentation       Live metrics at the Robot level: a real Prometheus started by the suite's
...                 setup, ``${PERFGATE_PROMETHEUS_URL}`` set at run time (the suites' own
...                 Library lines unchanged), and what a load run, a memory monitor and a
...                 baseline comparison sent, queried back through Prometheus's HTTP API.

Library             GatewayLibrary
Library             LoadLibrary
Library             MemoryLibrary
Library             BaselineLibrary    baselines_dir=${OUTPUT DIR}/live-baselines
...                     history_file=${OUTPUT DIR}/live-history.jsonl    environment=live
Library             LivePrometheus.py

Suite Setup         Start Prometheus And Gateway
Suite Teardown      Run Keywords    Stop All Gateways    AND    Stop Prometheus


*** Variables ***
${PYTHON}       ${{sys.executable}}


*** Test Cases ***
A Load Run And Its Gateway's Memory Reach Prometheus
    [Documentation]    The test's requests in Prometheus equal its result's exactly; every
    ...    reading of its memory monitor is there, labelled with the gateway's alias, and
    ...    the leak verdict follows at the stop.
    [Timeout]    2 min
    Start Memory Monitor    edge    interval=250 ms    alias=edge-memory
    ${load}=    Run Load Profile    constant    ${GATEWAY.url}/health    clients=2
    ...    duration=3 s    warmup=1 s    workers=1    thresholds=p95 < 5 s
    ${mem}=    Stop Memory Monitor    edge-memory    load=${load}
    VAR    ${sel}=    run="${RUN}",test="${TEST NAME}"
    ${requests}=    Prometheus Value    sum(perfgate_http_requests_total{${sel},gateway="edge"})
    Should Be Equal As Integers    ${requests}    ${load.requests}
    ${readings}=    Prometheus Value
    ...    count_over_time(perfgate_memory_rss_bytes{${sel},gateway="edge",monitor="edge-memory"}[10m])
    Should Be Equal As Integers    ${readings}    ${mem.samples}
    ${verdict}=    Prometheus Value    perfgate_memory_leak_verdict{${sel}}
    ${expected}=    Evaluate    {"NO LEAK": 0, "INCONCLUSIVE": 1, "LEAK": 2}[$mem.verdict]
    Should Be Equal As Numbers    ${verdict}    ${expected}

A Baseline Verdict Reaches Prometheus
    [Documentation]    Compare To Baseline sends each metric's baseline and current value
    ...    and its verdict: a p95 twice the baseline's is 1 (regressed), the rest 0.
    [Timeout]    1 min
    ${base}=    Load Results    p95=40
    ${slower}=    Load Results    p95=80
    Compare To Baseline    ${base}    live-checkout
    Run Keyword And Expect Error    *p95*    Compare To Baseline    ${slower}    live-checkout
    VAR    ${sel}=    run="${RUN}",test="${TEST NAME}",baseline="live-checkout"
    ${p95}=    Prometheus Value    perfgate_baseline_verdict{${sel},metric="p95"}
    Should Be Equal As Numbers    ${p95}    1
    ${current}=    Prometheus Value    perfgate_baseline_current_value{${sel},metric="p95"}
    Should Be Equal As Numbers    ${current}    81
    ${others}=    Prometheus Value    max(perfgate_baseline_verdict{${sel},metric!="p95"})
    Should Be Equal As Numbers    ${others}    0


*** Keywords ***
Start Prometheus And Gateway
    [Documentation]    Prometheus and the reference gateway on free ports; the run's id and
    ...    Prometheus's URL set as the variables PerfGate reads at each run.
    ${url}=    Start Prometheus    ${OUTPUT DIR}/live-prometheus
    ${run}=    Evaluate    uuid.uuid4().hex[:10]    modules=uuid
    VAR    ${PERFGATE_PROMETHEUS_URL}=    ${url}    scope=SUITE    # robocop: off=VAR05
    VAR    ${PERFGATE_RUN_ID}=    ${run}    scope=SUITE    # robocop: off=VAR05
    VAR    ${RUN}=    ${run}    scope=SUITE    # robocop: off=VAR05
    ${gateway}=    Start Gateway    ${PYTHON}    -m    perfgate.refgateway    --port    {port}
    ...    alias=edge
    VAR    ${GATEWAY}=    ${gateway}    scope=SUITE    # robocop: off=VAR05

Load Results
    [Documentation]    Five load results as dictionaries, their p95 ``p95`` to ``p95`` + 2 ms.
    [Arguments]    ${p95}
    ${results}=    Evaluate    [dict(kind="load", p50=10.0, p95=${p95} + i % 3, p99=90.0, rps=1000.0 - i, error_rate=0.0) for i in range(5)]
    RETURN    ${results}
