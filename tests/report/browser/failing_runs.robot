*** Settings ***
Documentation       Runs that fail on purpose, short, against the reference gateway on 127.0.0.1
...                 (a dead gateway and a Robot timeout among them, both partial results):
...                 their log.html is what tests/report/test_browser_log.py opens in Chromium.
...                 Never run on its own: the test runs it with a temporary baselines folder.

Library             BaselineLibrary    baselines_dir=${BASELINES}    history_file=${BASELINES}/history.jsonl
...                     environment=browser
Library             GatewayLibrary
Library             LoadLibrary
Library             MemoryLibrary
Library             ../../../atest/baseline/BaselineHelpers.py

Test Teardown       Stop All Gateways


*** Variables ***
${BASELINES}        ${OUTPUT DIR}/baselines


*** Test Cases ***
Threshold Breach
    [Timeout]    1 min
    ${gw}=    Start Gateway
    Run Load Profile    constant    ${gw.url}/api/echo    clients=2    duration=4 s    warmup=1 s
    ...    time_scale=1    thresholds=p95 < 0.01 ms, error_rate < 1%

Breakpoint That Passes
    [Timeout]    1 min
    ${gw}=    Start Gateway
    Run Load Profile    breakpoint    ${gw.url}/api/echo    rate=3000    duration=5 s
    ...    time_scale=1    thresholds=p95 < 0.05 ms

WebSocket Latency Breach
    [Timeout]    1 min
    ${gw}=    Start Gateway
    Run WebSocket Load    ws://127.0.0.1:${gw.port}/ws    connections=5    event_rate=20
    ...    duration=4 s    warmup=1 s    time_scale=1    thresholds=event_latency_p95 < 0.001 ms
    ...    gateway=${gw}

Gateway Killed By Its Memory Limit
    [Timeout]    1 min
    ${gw}=    Start Gateway    ${{sys.executable}}    -m    perfgate.refgateway    --port    {port}
    ...    --leak-mb-per-min    1500    memory_limit=150 MiB
    Run Load Profile    constant    ${gw.url}/api/echo    clients=2    duration=1 min    warmup=1 s
    ...    time_scale=1    workers=1

Robot Timeout Keeps A Partial Result
    [Timeout]    7 s
    ${gw}=    Start Gateway
    Run Load Profile    constant    ${gw.url}/api/echo    clients=2    duration=1 min    warmup=1 s
    ...    time_scale=1    workers=1

Memory Grows
    [Timeout]    1 min
    ${gw}=    Start Gateway    ${{sys.executable}}    -m    perfgate.refgateway    --port    {port}
    ...    --leak-mb-per-min    60
    ${mem}=    Monitor Memory    ${gw}    duration=8 s    interval=250 ms    warmup=1 s
    Memory Should Not Leak    ${mem}    max_rate=60 MB/h    min_growth=2 MB

Regression Against The Baseline
    ${fast}=    Synthetic Load Result    p95=40
    Compare To Baseline    ${fast}    checkout
    ${slow}=    Synthetic Load Result    p95=80    rps=500
    Compare To Baseline    ${slow}    checkout
