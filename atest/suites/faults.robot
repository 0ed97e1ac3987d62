*** Settings ***
Documentation       The suites pointed at a faulty gateway fail, and say which thresholds broke.
...                 The reference gateway runs as "another gateway" (GATEWAY_COMMAND) with its
...                 fault knobs on: injected errors, stalls of the whole process and a slow
...                 backend. Each scenario runs suites in an inner robot process, then reads
...                 its output.

Resource            ../resources/common.resource
Resource            inner_run.resource

Suite Setup         Run The Suites Against A Faulty Gateway
Suite Teardown      Remove Directory    ${WORK}    recursive=True


*** Variables ***
${SUITES}       ${CURDIR}/../../suites
# 20 % of API requests answered 503, the process frozen 0.8 s every 2 s, and
# mission requests held 1 s by their backend.
@{FAULTS}       --error-rate    0.2    --stall-every    2    --stall-for    0.8
...             --slow-ms    1000    --route-backend    /api/missions=slow


*** Test Cases ***
Many Clients On A Faulty Gateway Fail On Errors And Latency
    ${test}=    Inner Test    The Gateway Serves 100 Concurrent Clients
    Should Be Equal    ${test}[status]    FAIL
    Should Match Regexp    ${test}[message]    \\d+ thresholds breached: .*p95 was [\\d,.]+ (ms|s), limit < 500 ms
    Should Match Regexp    ${test}[message]    error_rate was [\\d.]+%, limit < 1%

The Latency Targets On A Faulty Gateway Fail Naming Each Target
    ${test}=    Inner Test    Latency Meets Its Targets At A Typical Load
    Should Be Equal    ${test}[status]    FAIL
    Should Match Regexp    ${test}[message]    p95 was [\\d,.]+ (ms|s), limit < 100 ms
    Should Match Regexp    ${test}[message]    p99 was [\\d,.]+ (ms|s), limit < 200 ms
    Should Match Regexp    ${test}[message]    error_rate was [\\d.]+%, limit < 1%

Suites That Need The Reference Gateway's Knobs Are Skipped With The Reason
    ${test}=    Inner Test    A Fast Backend Stays Fast Through The Gateway
    Should Be Equal    ${test}[status]    SKIP
    Should Contain    ${test}[message]
    ...    Needs the reference gateway (simulated backends); GATEWAY_COMMAND or GATEWAY_URL points at another gateway.

No Process Of The Inner Run Is Left
    No Process Should Have Marker    ${INNER_MARKER}


*** Keywords ***
Run The Suites Against A Faulty Gateway
    [Documentation]    One inner run of three suites with the seed thresholds at a tenth of full
    ...    time; its tests are looked up by name afterwards.
    ${marker}=    New Marker
    VAR    ${INNER_MARKER}=    ${marker}    scope=SUITE    # robocop: off=VAR05
    VAR    ${WORK}=    ${TEMPDIR}/perfgate-faulty-${marker}    scope=SUITE    # robocop: off=VAR05
    ${command}=    Catenate    ${PYTHON} -m perfgate.refgateway --port {port}    @{FAULTS}
    ${result}=    Run Process    ${PYTHON}    -m    robot    --outputdir    ${WORK}    --log    NONE
    ...    --report    NONE    --consolecolors    OFF    --variable    GATEWAY_COMMAND:${command}
    ...    --variable    PERF_TIME_SCALE:0.1    --variable    PERF_CRITERIA:seed
    ...    --variable    PERFGATE_BASELINES_DIR:${WORK}/baselines
    ...    --variable    PERFGATE_HISTORY_FILE:${WORK}/history.jsonl
    ...    --test    The Gateway Serves 100 Concurrent Clients
    ...    --test    Latency Meets Its Targets At A Typical Load
    ...    --test    A Fast Backend Stays Fast Through The Gateway
    ...    ${SUITES}/load/concurrent_clients.robot    ${SUITES}/latency/targets.robot
    ...    ${SUITES}/load/backend_variability.robot
    ...    env:PERFGATE_ATEST_MARKER=${marker}    timeout=3 min    on_timeout=kill    stderr=STDOUT
    Log    ${result.stdout}
    ${tests}=    Tests In Output    ${WORK}/output.xml
    VAR    ${INNER_TESTS}=    ${tests}    scope=SUITE    # robocop: off=VAR05
