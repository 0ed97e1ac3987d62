*** Settings ***
Documentation       Run Event Stream Load against the reference gateway's /sse/{channel} route:
...                 server events and published ones, timed and counted exactly; a stream the
...                 gateway ends, reopened with Last-Event-ID; the metric keyword; and every
...                 kind of bad input as one sentence. Each run lasts 1-2 s.

Library             OperatingSystem
Library             GatewayLibrary
Library             LoadLibrary

Suite Setup         Start The Gateway And Run Once
Suite Teardown      Stop All Gateways

Test Tags           sse


*** Variables ***
${PYTHON}           ${{sys.executable}}
&{SERVER_STAMPS}    time_field=ts_ns


*** Test Cases ***
Run Event Stream Load Returns A Result Robot Can Read
    Should Be Equal    ${RESULT.kind}    sse
    Should Be Equal As Numbers    ${RESULT.connection_success_rate}    1
    Should Be True    0 < ${RESULT.first_event_p50} <= ${RESULT.first_event_p95}
    Should Be True    0 < ${RESULT.event_latency_p50} <= ${RESULT.event_latency_p95} < 1000
    Should Be True    ${RESULT.events_expected} > 200
    Should Be Equal    ${RESULT.events_received}    ${RESULT.events_expected}
    Should Be Equal As Integers    ${RESULT.events_lost}    0
    Should Be Equal As Integers    ${RESULT.disconnections}    0
    ${saved}=    Get File    ${RESULT.json_path}
    Should Contain    ${saved}    "kind": "sse"
    Should Contain    ${saved}    "passed": true

Get Event Stream Metric Reads And Asserts
    ${lost}=    Get Event Stream Metric    ${RESULT}    events_lost
    Should Be Equal As Numbers    ${lost}    0
    Get Event Stream Metric    ${RESULT}    first_event_p95    <    5 s
    Get Event Stream Metric    ${RESULT.json_path}    events_received    ==    ${RESULT.events_received}
    Run Keyword And Expect Error
    ...    assertion failed: event_latency_p95 was *, limit < 0.001 ms.
    ...    Get Event Stream Metric    ${RESULT}    event_latency_p95    <    0.001 ms

Published Events Carry PerfGate's Send Time
    ${sse}=    Run Event Stream Load    ${GATEWAY.url}/sse/{channel}    connections=5    event_rate=50
    ...    publish_url=${GATEWAY.url}/api/events/{channel}    duration=1.5 s    warmup=0.3 s
    ...    time_scale=1
    Should Be True    ${sse.events_sent} >= 50
    Should Be Equal    ${sse.time_format}    perfgate
    Should Be Equal    ${sse.events_received}    ${sse.events_expected}

A Ramp Opens The Streams At Its Rate
    ${sse}=    Run Event Stream Load    ${GATEWAY.url}/sse/{channel}    connections=4    event_rate=0
    ...    protocol=${SERVER_STAMPS}    time_format=epoch_ns    duration=1.5 s    warmup=0 s
    ...    ramp=4/s    time_scale=1
    Should Be Equal As Numbers    ${sse.ramp_per_s}    4
    Should Be Equal As Integers    ${sse.timeline[-1].target}    4
    Run Keyword And Expect Error
    ...    Invalid ramp 'fast'; use e.g. '200/s', '5 s' or '0' for all at once.
    ...    Run Event Stream Load    ${GATEWAY.url}/sse/{channel}    ramp=fast

The Gateway's Memory Is Sampled During The Run
    ${sse}=    Run Event Stream Load    ${GATEWAY.url}/sse/{channel}    connections=3    event_rate=0
    ...    protocol=${SERVER_STAMPS}    time_format=epoch_ns    duration=1.5 s    warmup=0.3 s
    ...    time_scale=1    gateway=sse
    Should Be True    ${sse.gateway_memory.peak_mb} > 10
    Should Be Equal    ${sse.gateway_memory['peak_mb']}    ${sse.gateway_memory.peak_mb}
    Get Event Stream Metric    ${sse}    gateway_memory_peak_mb    >    10
    ${saved}=    Get File    ${sse.json_path}
    Should Contain    ${saved}    "gateway_memory_growth_mb":

A Stream The Gateway Ends Is Reopened Where It Left Off
    ${sse}=    Run Event Stream Load    ${GATEWAY.url}/sse/{channel}?close_after=10    connections=3
    ...    event_rate=0    protocol=${SERVER_STAMPS}    time_format=epoch_ns    duration=2.5 s
    ...    warmup=0.3 s    time_scale=1    thresholds=NONE
    Should Be True    ${sse.reconnects} >= 3
    Should Be Equal As Integers    ${sse.events_lost}    0
    Should Be Equal As Integers    ${sse.events_duplicated}    0

A Threshold That Does Not Hold Fails The Test After The Result Is Saved
    Run Keyword And Expect Error
    ...    Threshold breached: first_event_p95 was *, limit < 0.001 ms.
    ...    Run Event Stream Load    ${GATEWAY.url}/sse/{channel}    connections=2    event_rate=0
    ...    protocol=${SERVER_STAMPS}    time_format=epoch_ns    duration=1 s    warmup=0.2 s
    ...    time_scale=1    thresholds=first_event_p95 < 0.001 ms

A URL That Answers Something Else Is One Sentence
    Run Keyword And Expect Error
    ...    The gateway answered application/json at ${GATEWAY.url}/api/echo instead of text/event-stream; is the URL its event stream?
    ...    Run Event Stream Load    ${GATEWAY.url}/api/echo    event_rate=0    time_scale=1

A URL That Answers 404 Is One Sentence
    Run Keyword And Expect Error
    ...    The gateway answered HTTP 404 at ${GATEWAY.url}/nowhere instead of an event stream; check the URL.
    ...    Run Event Stream Load    ${GATEWAY.url}/nowhere    event_rate=0    time_scale=1

A Stream That Closes At Once Is One Sentence
    Run Keyword And Expect Error
    ...    The stream at ${GATEWAY.url}/sse/c?close_after=0 closed before its first event; is the channel right?
    ...    Run Event Stream Load    ${GATEWAY.url}/sse/c?close_after=0    event_rate=0    time_scale=1

A Stream Without A First Event Within The Timeout Is One Sentence
    Run Keyword And Expect Error
    ...    The stream at ${QUIET.url}/sse/quiet sent no event within the timeout of 0.5 s; does its channel get events (give publish_url, or event_rate=0 when the server generates them)?
    ...    Run Event Stream Load    ${QUIET.url}/sse/quiet    event_rate=0    timeout=0.5 s    time_scale=1

Bad Arguments Are One Sentence
    Run Keyword And Expect Error
    ...    Publishing at event_rate needs publish_url, the HTTP trigger that publishes an event; give event_rate=0 when the server generates the events.
    ...    Run Event Stream Load    ${GATEWAY.url}/sse/{channel}    event_rate=10
    Run Keyword And Expect Error
    ...    Invalid SSE URL 'ftp://x/sse': the scheme must be http or https, e.g. http://127.0.0.1:8080/sse/{channel}.
    ...    Run Event Stream Load    ftp://x/sse    event_rate=0


*** Keywords ***
Start The Gateway And Run Once
    [Documentation]    A gateway generating 100 events/s on every channel, a quiet one, and
    ...    one run of 10 streams for the tests that read a result.
    ${gw}=    Start Gateway    ${PYTHON}    -m    perfgate.refgateway    --port    {port}
    ...    --event-rate    100    alias=sse
    ${quiet}=    Start Gateway    ${PYTHON}    -m    perfgate.refgateway    --port    {port}
    ...    alias=quiet
    ${result}=    Run Event Stream Load    ${gw.url}/sse/{channel}    connections=10    event_rate=0
    ...    protocol=${SERVER_STAMPS}    time_format=epoch_ns    duration=2 s    warmup=0.5 s
    ...    time_scale=1
    VAR    ${GATEWAY}=    ${gw}    scope=SUITE    # robocop: off=VAR05
    VAR    ${QUIET}=    ${quiet}    scope=SUITE    # robocop: off=VAR05
    VAR    ${RESULT}=    ${result}    scope=SUITE    # robocop: off=VAR05
