*** Settings ***
Documentation       LoadLibrary's HTTP keywords against the reference gateway, each run a few
...                 seconds long (built-in profiles at a small time scale), and every bad input.

Library             Collections
Library             OperatingSystem
Library             GatewayLibrary
Library             LoadLibrary
Library             LoadCheck.py

Suite Setup         Start Gateway And Measure Once
Suite Teardown      Stop All Gateways

Test Tags           load


*** Variables ***
# The 1-minute 'constant' profile at 3 %: 1.8 s, of which 0.15 s warm-up.
${SCALE}        0.03
${PYTHON}       ${{sys.executable}}


*** Test Cases ***
Run Load Profile Returns A Result Robot Can Read
    Should Be True    ${RESULT.requests} > 100
    Should Be True    0 < ${RESULT.p50} <= ${RESULT.p95} <= ${RESULT.p99} <= ${RESULT.max}
    Should Be True    ${RESULT.rps} > 0
    Should Be Equal As Numbers    ${RESULT.error_rate}    0
    Should Be Equal    ${RESULT.profile}    constant
    Should Be Equal As Numbers    ${RESULT.warmup_s}    0.15
    Should Be Equal    ${RESULT.by_name['default'].requests}    ${RESULT.requests}
    File Should Exist    ${RESULT.json_path}
    ${saved}=    Get File    ${RESULT.json_path}
    Should Contain    ${saved}    "passed": true

The Result Is Saved Before A Breached Threshold Fails The Test
    ${before}=    Count Saved Load Results
    Run Keyword And Expect Error
    ...    2 thresholds breached: p95 was *, limit < 0.001 ms; p99 was *, limit < 0.002 ms.
    ...    Run Load Profile    constant    ${GATEWAY.url}/api/echo    clients=2    time_scale=${SCALE}
    ...    thresholds=p95 < 0.001 ms, p99 < 0.002 ms, error_rate < 1%
    ${after}=    Count Saved Load Results
    Should Be Equal As Integers    ${after}    ${before + 1}
    ${saved}=    Newest Load Result
    Should Be True    ${saved.requests} > 0
    Should Be Equal    ${saved.profile}    constant

The Time Scale Comes From PERF_TIME_SCALE
    VAR    ${PERF_TIME_SCALE}=    0.02    scope=TEST    # robocop: off=VAR06
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}/api/echo    clients=1
    ${planned}=    Evaluate    sum(stage['duration_s'] for stage in $result.stages)
    Should Be Equal As Numbers    ${planned}    1.2    precision=6

Arguments Override The Profile
    ${result}=    Run Load Profile    stress    ${GATEWAY.url}/api/echo    clients=3
    ...    duration=10 s    warmup=0 s    time_scale=0.2
    ${planned}=    Evaluate    sum(stage['duration_s'] for stage in $result.stages)
    ${peak}=    Evaluate    max(stage['target'] for stage in $result.stages)
    Should Be Equal As Numbers    ${planned}    2    precision=6
    Should Be Equal As Numbers    ${peak}    3
    Should Be Equal As Numbers    ${result.warmup_s}    0

Inline Stages Replace The Profile
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}/api/echo    stages=0s:2, 1.5s:2
    ...    warmup=0 s
    Should Be Equal    ${result.stages}    ${{[{'duration_s': 0.0, 'target': 2.0}, {'duration_s': 1.5, 'target': 2.0}]}}

A YAML Profile File Is Found By Name
    ${result}=    Run Load Profile    two-clients    ${GATEWAY.url}/api/echo
    Should Be Equal    ${result.profile}    two-clients
    Should Be Equal    ${result.model}    closed
    Should Be True    ${result.requests} > 0

A JSON Profile File Runs An Open Model
    ${result}=    Run Load Profile    fifty-rps.json    ${GATEWAY.url}/api/echo
    Should Be Equal    ${result.model}    open
    Should Be True    80 <= ${result.requests} <= 100
    Should Be True    ${result.target_rps} > 0

A Scenario File Gives Statistics Per Request Name
    ${result}=    Run Load Profile    constant    ${GATEWAY.url}    scenario=echo-mix
    ...    clients=2    time_scale=${SCALE}    thresholds=get.p95 < 5 s, p95{name=post} < 5 s
    ${names}=    Get Dictionary Keys    ${result.by_name}
    Should Be Equal    ${names}    ${{['get', 'post']}}
    Should Be Equal As Integers
    ...    ${{ $result.by_name['get'].requests + $result.by_name['post'].requests }}    ${result.requests}
    Should Be True    ${result.by_name['get'].requests} > ${result.by_name['post'].requests}
    ${post_p95}=    Get Load Metric    ${result}    post.p95    <    5 s
    Should Be Equal As Numbers    ${post_p95}    ${result.by_name['post'].p95}
    Error Rate Should Be Below    ${result}    1%    name=post
    Throughput Should Be At Least    ${result}    1 rps    name=get
    Run Keyword And Expect Error
    ...    The result has no request named 'gte' (did you mean 'get'?); names: get, post.
    ...    Get Load Metric    ${result}    gte.p95

Get Load Metric Returns A Value Or Asserts One
    ${p95}=    Get Load Metric    ${RESULT}    p95
    Should Be Equal    ${p95}    ${RESULT.p95}
    ${requests}=    Get Load Metric    ${RESULT}    requests    >    10
    Should Be Equal As Numbers    ${requests}    ${RESULT.requests}
    Get Load Metric    ${RESULT}    p99.9    less than    1 min
    Get Load Metric    ${RESULT}    error_rate    ==    0%
    Get Load Metric    ${RESULT}    default.max    <=    1 min
    Run Keyword And Expect Error    assertion failed: p95 was *, limit > 1 min.
    ...    Get Load Metric    ${RESULT}    p95    >    1 min
    Run Keyword And Expect Error    Too slow!
    ...    Get Load Metric    ${RESULT}    p95    >    1 min    message=Too slow!

Get Load Metric Reads A Saved Result File
    ${p95}=    Get Load Metric    ${RESULT.json_path}    p95    <    1 min
    Should Be Equal    ${p95}    ${RESULT.p95}

Latency Should Be Below
    ${p99}=    Latency Should Be Below    ${RESULT}    p99    1 min
    Should Be Equal    ${p99}    ${RESULT.p99}
    Latency Should Be Below    ${RESULT}    default.p95    60000
    Run Keyword And Expect Error    assertion failed: p50 was *, limit < 1 us.
    ...    Latency Should Be Below    ${RESULT}    p50    1 us

Error Rate Should Be Below
    ${rate}=    Error Rate Should Be Below    ${RESULT}    1%
    Should Be Equal As Numbers    ${rate}    0
    Run Keyword And Expect Error    assertion failed: error_rate was 0%, limit < 0%.
    ...    Error Rate Should Be Below    ${RESULT}    0%

Throughput Should Be At Least
    ${goodput}=    Throughput Should Be At Least    ${RESULT}    10 rps
    Should Be Equal    ${goodput}    ${RESULT.goodput}
    Run Keyword And Expect Error    assertion failed: goodput was *, limit >= 1M rps.
    ...    Throughput Should Be At Least    ${RESULT}    1M rps

A Suspect Result Says So In Every Failure
    [Documentation]    20 requests in one second: too few samples for trustworthy percentiles.
    ${result}=    Run Load Profile    constant-rate    ${GATEWAY.url}/api/echo    rate=20
    ...    duration=1 s    warmup=0 s    time_scale=1
    Should Be True    ${result.suspect}
    Should Match Regexp    ${{ ' | '.join($result.health.warnings) }}    only \\d+ samples
    Run Keyword And Expect Error
    ...    assertion failed: p95 was *, limit < 1 us. The result is suspect: *only * samples: percentiles are rough*
    ...    Latency Should Be Below    ${result}    p95    1 us

Abort On Fail Stops The Run As Soon As A Threshold Is Lost
    [Documentation]    Every request to the slow backend takes 500 ms; 'p95 < 10 ms' is lost
    ...    after the first 100 responses, long before the 30 s run would end.
    [Timeout]    1 min
    Run Keyword And Expect Error
    ...    Load run stopped early (abort_on_fail): p95 was *, limit < 10 ms (at * s of 30 s).*
    ...    Run Load Profile    constant    ${GATEWAY.url}/api/echo?backend=slow    clients=50
    ...    duration=30 s    warmup=0 s    time_scale=1    thresholds=p95 < 10 ms
    ...    abort_on_fail=True
    ${saved}=    Newest Load Result
    Should Be True    ${saved.stopped_early}
    Should Be True    ${saved.duration_s} < 30

The Breakpoint Profile Reports Where The Gateway Broke
    [Documentation]    A gateway that takes at most 8 connections in front of a 500 ms backend
    ...    serves about 16 req/s; beyond that it answers 503. The rate ramps to 400 req/s.
    [Timeout]    1 min
    ${small}=    Start Gateway    ${PYTHON}    -m    perfgate.refgateway    --port    {port}
    ...    --max-connections    8    alias=small
    ${result}=    Run Load Profile    breakpoint    ${small.url}/api/echo?backend=slow    rate=400
    ...    duration=10 s    time_scale=1    thresholds=error_rate < 5%
    Should Be True    ${result.breaking_point.broke}
    Should Be Equal    ${result.breaking_point.unit}    req/s
    Should Be True    16 <= ${result.breaking_point.target} < 400
    Should Be True    ${result.stopped_early}
    ${point}=    Get Load Metric    ${result}    breaking_point    >=    16 rps
    Should Be Equal    ${point}    ${result.breaking_point.target}
    [Teardown]    Stop Gateway    small

Bad Input Fails With One Sentence
    [Template]    Run Load Profile Should Fail
    Unknown load profile 'strss' (did you mean 'stress'?)*    strss
    Stage '1m' is not 'duration:target'*    constant    stages=30s:10, 1m
    Threshold 'p95 < 1%' compares 'p95' with '1%', but 'p95' needs a time such as '200 ms'.
    ...    constant    thresholds=p95 < 1%
    Unknown metric 'p96' in threshold 'p96 < 1 s' (did you mean*    constant    thresholds=p96 < 1 s
    Profile 'constant' is a closed model driven by a number of clients*    constant    rate=50
    time_scale must be a number above 0*    constant    time_scale=0
    Duration must be a duration such as '30 s' or '2 min', not 'soon'.    constant    duration=soon
    Warmup must be a duration such as '30 s' or '2 min', not 'a bit'.    constant    warmup=a bit
    Scenario file 'nowhere.yaml' not found*    constant    scenario=nowhere.yaml
    Profile 'breakpoint' stops when a threshold breaks, but no thresholds were given*    breakpoint

A Bad URL Fails With One Sentence
    Run Keyword And Expect Error    Invalid URL 'ftp://127.0.0.1/': the scheme must be http or https*
    ...    Run Load Profile    smoke    ftp://127.0.0.1/    time_scale=0.01

A Refused Connection Fails With One Sentence
    ${port}=    Free Port
    Run Keyword And Expect Error
    ...    Cannot connect to http://127.0.0.1:${port}: connection refused; is the gateway running?
    ...    Run Load Profile    smoke    http://127.0.0.1:${port}/    time_scale=0.01

Assertion Keywords Reject Bad Input
    Run Keyword And Expect Error
    ...    Latency Should Be Below takes a latency metric such as p95 or create.p99, not 'error_rate'*
    ...    Latency Should Be Below    ${RESULT}    error_rate    1%
    Run Keyword And Expect Error    Unknown metric 'p96' (did you mean*
    ...    Get Load Metric    ${RESULT}    p96
    Run Keyword And Expect Error    Unknown assertion operator 'lt'*
    ...    Get Load Metric    ${RESULT}    p95    lt    1 s
    Run Keyword And Expect Error    Expected the result of Run Load Profile*got str.
    ...    Get Load Metric    not a result    p95


*** Keywords ***
Start Gateway And Measure Once
    [Documentation]    Starts the reference gateway and keeps one small result for the
    ...    assertion tests as ${RESULT}.
    ${gw}=    Start Gateway
    # The tests share one gateway and one result; a Suite Setup cannot assign them otherwise.
    VAR    ${GATEWAY}=    ${gw}    scope=SUITE    # robocop: off=VAR05
    ${result}=    Run Load Profile    constant    ${gw.url}/api/echo    clients=2
    ...    time_scale=${SCALE}    thresholds=p95 < 1 min, error_rate < 1%
    VAR    ${RESULT}=    ${result}    scope=SUITE    # robocop: off=VAR05

Run Load Profile Should Fail
    [Documentation]    Runs Run Load Profile with ${profile} and ${named} and expects the error ${expected}.
    [Arguments]    ${expected}    ${profile}    &{named}
    Run Keyword And Expect Error    ${expected}
    ...    Run Load Profile    ${profile}    ${GATEWAY.url}/api/echo    &{named}
