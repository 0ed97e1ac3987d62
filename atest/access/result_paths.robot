*** Settings ***
Documentation       Every result attribute and access path the docs show - README, docs/engine.md,
...                 docs/load.md, docs/websocket.md and the keyword documentation - read from Robot
...                 after one tiny HTTP load (open model, a scenario with a request named 'create')
...                 and one tiny WebSocket load against the reference gateway. Each path is read
...                 as written there and checked for a sensible value.
...                 tests/test_result_paths.py fails when the docs show a path, or document a
...                 result attribute, that this suite does not read.

Library             Collections
Library             OperatingSystem
Library             GatewayLibrary
Library             LoadLibrary

Suite Setup         Run One Load Of Each Kind
Suite Teardown      Stop All Gateways

Test Tags           access


*** Variables ***
${SCENARIO}     ${CURDIR}/scenario.yaml


*** Test Cases ***
The Load Result Describes Its Run
    Should Be Equal    ${RESULT.kind}    load
    Should Be Equal    ${RESULT.url}    ${GATEWAY.url}
    Should Be Equal    ${RESULT.model}    open
    Should Be Equal    ${RESULT.profile}    breakpoint
    Should Be Equal As Numbers    ${RESULT.stages}[-1][target]    100
    Should Be True    0 <= ${RESULT.warmup_s} < ${RESULT.duration_s} <= 3
    Should Be True    ${RESULT.workers} >= 1
    Should Be Equal    ${RESULT.stopped_early}    ${False}
    File Should Exist    ${RESULT.json_path}

A Load Run On This Machine Has No Cluster
    [Documentation]    ``${r.cluster}`` says which machine ran what on a Dask cluster
    ...    (atest/cluster reads it there); on this machine's own workers it is empty.
    Should Be Equal    ${RESULT.cluster}    ${None}

The Load Result Counts Requests
    Should Be True    ${RESULT.requests} > 50
    Should Be Equal    ${RESULT.successes}    ${RESULT.requests}
    Should Be Equal As Integers    ${RESULT.errors}    0
    Should Be Equal As Numbers    ${RESULT.error_rate}    0
    Should Be Empty    ${RESULT.errors_by_kind}
    Should Be True    ${RESULT.status_codes}[201] + ${RESULT.status_codes}[200] == ${RESULT.requests}
    Should Be True    0 < ${RESULT.rps} <= ${RESULT.target_rps} * 1.5
    Should Be Equal As Numbers    ${RESULT.goodput}    ${RESULT.rps}

The Load Result's Latency Reads As Attributes
    Should Be True    0 < ${RESULT.min} <= ${RESULT.p50} <= ${RESULT.p75} <= ${RESULT.p90}
    Should Be True    ${RESULT.p90} <= ${RESULT.p95} <= ${RESULT.p99} <= ${RESULT.p99_9} <= ${RESULT.max}
    Should Be True    ${RESULT.min} <= ${RESULT.mean} <= ${RESULT.max}
    Should Be True    ${RESULT.stdev} >= 0
    Dictionary Should Contain Key    ${RESULT.histograms}    latency

The Service Time Reads As An Attribute And As An Item
    [Documentation]    docs/engine.md shows ``service`` as a dictionary: both forms work.
    Should Be Equal    ${RESULT.service['p50']}    ${RESULT.service.p50}
    Should Be Equal    ${RESULT.service}[p50]    ${RESULT.service.p50}
    Should Be True    0 < ${RESULT.service['p50']} <= ${RESULT.p50}
    Should Be True    ${RESULT.service.count} > 50
    ${p99}=    Get Load Metric    ${RESULT}    service_p99
    Should Be Equal    ${p99}    ${RESULT.service['p99']}

Timeline Rows, Request Names And Server-Timing Read As Attributes
    Should Not Be Empty    ${RESULT.timeline}
    Should Be True    0 < ${RESULT.timeline[-1].p95} and ${RESULT.timeline[-1].width_s} > 0
    Should Be Equal    ${RESULT.timeline[-1]['p95']}    ${RESULT.timeline[-1].p95}
    Dictionary Should Contain Key    ${RESULT.by_name}    create
    Should Be True    ${RESULT.by_name['create'].p95} > 0
    Should Be Equal    ${RESULT.by_name['create']['p95']}    ${RESULT.by_name['create'].p95}
    Should Be True    0 < ${RESULT.by_name['create'].goodput} <= ${RESULT.goodput}
    Should Be True    0 < ${RESULT.error_limit.threshold.limit} <= 0.5
    Should Not Be Empty    ${RESULT.error_limit.text}
    Should Not Be Equal    ${RESULT.error_limit}    ${None}
    Should Be True    ${RESULT.by_name['create'].requests} + ${RESULT.by_name['list'].requests} == ${RESULT.requests}
    Dictionary Should Contain Key    ${RESULT.server_timing}    backend
    Should Be True    0 <= ${RESULT.server_timing['backend'].mean} <= ${RESULT.server_timing['backend'].p95}

The Load Generator's Health And The Breaking Point
    Length Should Be    ${RESULT.health.cpu_percent}    ${RESULT.workers}
    Should Be True    0 <= ${RESULT.health.missed} <= ${RESULT.health.intended}
    Should Be Equal    ${RESULT.suspect}    ${{bool($RESULT.health.warnings)}}
    Should Be Equal    ${RESULT.health.warnings}    ${RESULT.to_dict()}[health][warnings]
    Should Be Equal    ${RESULT.health['warnings']}    ${RESULT.health.warnings}
    Should Not Be Equal    ${RESULT.breaking_point}    ${None}
    Should Be Equal    ${RESULT.breaking_point.broke}    ${False}
    Should Be True    0 < ${RESULT.breaking_point.target} <= 100

The WebSocket Result Counts Connections
    Should Be Equal    ${WS.kind}    websocket
    Should Be Equal    ${WS.engine}    websocket
    Should Be Empty    ${WS.namespace}
    Should Be Equal As Numbers    ${WS.connection_success_rate}    1
    Should Be Equal As Integers    ${WS.connect_attempts}    5
    Should Be Equal As Integers    ${WS.connect_failures}    0
    Should Be Empty    ${WS.connect_errors_by_kind}
    Should Be True    0 < ${WS.connect_p50} <= ${WS.connect_p95} <= ${WS.connect_p99} <= ${WS.connect_max}
    Should Be True    0 < ${WS.connect_mean} <= ${WS.connect_max}
    Should Be Equal As Integers    ${WS.disconnections}    0
    Should Be Equal As Integers    ${WS.reconnects}    0
    Should Be Equal As Integers    ${WS.sessions}    5
    File Should Exist    ${WS.json_path}

The WebSocket Result Counts Events Exactly
    Should Be True    ${WS.events_expected} > 100
    Should Be Equal    ${WS.events_received}    ${WS.events_expected}
    Should Be Equal As Integers    ${WS.events_lost}    0
    Should Be Equal As Numbers    ${WS.event_loss_rate}    0
    Should Be Equal As Integers    ${WS.events_duplicated}    0
    Should Be Equal As Integers    ${WS.events_out_of_order}    0
    Should Be Equal As Integers    ${WS.events_missed_disconnected}    0
    Should Be True    ${WS.events_sent} * 5 == ${WS.events_expected}
    Should Be True    ${WS.events_per_s} > 0
    Should Be True    ${WS.send_missed} >= 0
    Should Be Equal As Integers    ${WS.publish_errors}    0

The WebSocket Result's Latency And Its Clock
    Should Be True    0 < ${WS.event_latency_p50} <= ${WS.event_latency_p95} <= ${WS.event_latency_p99}
    Should Be True    ${WS.event_latency_p99} <= ${WS.event_latency_max}
    Should Be True    0 < ${WS.event_latency_mean} <= ${WS.event_latency_max}
    Should Be Equal    ${WS.latency_samples}    ${WS.events_received}
    Should Be Equal    ${WS.time_format}    perfgate
    Should Start With    ${WS.latency_clock}    PerfGate's monotonic clock
    Should Be Equal As Numbers    ${WS.latency_uncertainty_ms}    0
    Should Be True    0 <= ${WS.clock_drift_ms} < 1
    Should Be Equal As Integers    ${WS.events_stamped_ahead}    0
    Should Be Equal As Integers    ${WS.stamps_rejected}    0
    Should Be Empty    ${WS.latency_note}

WebSocket Timeline Rows And Gateway Memory Read As Attributes And As Items
    Should Not Be Empty    ${WS.timeline}
    Should Be True    ${WS.timeline[-1].p95} > 0 and ${WS.timeline[-1].width_s} > 0
    Should Be Equal    ${WS.timeline[-1]['p95']}    ${WS.timeline[-1].p95}
    Should Not Be Equal    ${WS.gateway_memory}    ${None}
    Should Be True    ${WS.gateway_memory.peak_mb} > 0
    Should Be Equal    ${WS.gateway_memory['peak_mb']}    ${WS.gateway_memory.peak_mb}

The WebSocket Load Generator's Health
    Length Should Be    ${WS.cpu_percent}    1
    Length Should Be    ${WS.gc_max_ms}    1
    Should Be True    ${WS.fd_limit} > 5
    Should Be Equal    ${WS.suspect}    ${{bool($WS.warnings)}}
    Should Be Equal    ${WS.warnings}    ${WS.to_dict()}[warnings]
    Should Be Equal    ${WS.notes}    ${WS.to_dict()}[notes]


*** Keywords ***
Run One Load Of Each Kind
    [Documentation]    The reference gateway; a 3 s breakpoint run (open model, rising to
    ...    100 requests/s) over the two named requests of scenario.yaml; a 2 s broadcast to 5
    ...    subscribers with the gateway's memory sampled.
    ${gw}=    Start Gateway
    # The tests share one gateway and two results; a Suite Setup cannot assign them otherwise.
    VAR    ${GATEWAY}=    ${gw}    scope=SUITE    # robocop: off=VAR05
    ${result}=    Run Load Profile    breakpoint    ${gw.url}    rate=100    duration=3 s
    ...    scenario=${SCENARIO}    time_scale=1    thresholds=p95 < 10 s, error_rate < 50%
    VAR    ${RESULT}=    ${result}    scope=SUITE    # robocop: off=VAR05
    ${ws}=    Run WebSocket Load    ws://127.0.0.1:${gw.port}/ws    connections=5
    ...    event_rate=50    duration=2 s    warmup=0.5 s    time_scale=1    gateway=${gw}
    VAR    ${WS}=    ${ws}    scope=SUITE    # robocop: off=VAR05
