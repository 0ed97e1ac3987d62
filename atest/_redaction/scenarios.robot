*** Settings ***
Documentation       Plants secrets in every keyword that takes them. Never run directly: the
...                 outer test (atest/security/redaction.robot) runs it at DEBUG level with the
...                 secrets in its environment (PLANTED_*), and then searches everything this
...                 run wrote for them. Secrets are given inline as %{...}: Robot logs the value
...                 of a variable assignment, and that is not PerfGate's to redact.

Library             OperatingSystem
Library             GatewayLibrary    secret_names=tenant
Library             LoadLibrary    secret_names=x-signature
Library             MemoryLibrary
Library             BaselineLibrary    baselines_dir=${OUTPUT DIR}/baselines
...                     history_file=${OUTPUT DIR}/history.jsonl    environment=atest

Suite Setup         Start The Recording Gateway
Suite Teardown      Stop All Gateways


*** Variables ***
${PYTHON}       ${{sys.executable}}
${GATEWAY}      ${CURDIR}/../fixtures/recording_gateway.py


*** Test Cases ***
Headers And A Body
    ${gw}=    Get Gateway
    # The gateway answers 401 without the token: no error proves that the header reached it.
    ${result}=    Run Load Profile    constant    ${gw.url}/api/echo    clients=1    duration=1 s
    ...    warmup=0 s    time_scale=1    method=POST    body={"password": "%{PLANTED_BODY}"}
    ...    headers=Authorization: Bearer %{PLANTED_TOKEN}\nCookie: sid=%{PLANTED_COOKIE}\nX-Signature: %{PLANTED_SIGNATURE}
    Get Load Metric    ${result}    errors    ==    0
    Compare To Baseline    ${result}    redaction-http

A Query Parameter
    ${gw}=    Get Gateway
    ${result}=    Run Load Profile    constant    ${gw.url}/api/echo?page=1&token=%{PLANTED_TOKEN}
    ...    clients=1    duration=1 s    warmup=0 s    time_scale=1
    Get Load Metric    ${result}    errors    ==    0
    Update Baseline    ${result}    redaction-http    reason=a planted token in the URL

A WebSocket URL, Its Headers And A Publish URL
    ${gw}=    Get Gateway
    ${ws}=    Run WebSocket Load    ws://127.0.0.1:${gw.port}/ws?token=%{PLANTED_TOKEN}
    ...    connections=2    event_rate=20    duration=1.5 s    warmup=0.3 s    time_scale=1
    ...    headers=X-Signature: %{PLANTED_SIGNATURE}    thresholds=NONE
    ...    publish_url=${gw.url}/api/events/{channel}?token=%{PLANTED_TOKEN}
    Get WebSocket Metric    ${ws}    connection_success_rate    ==    1
    Get WebSocket Metric    ${ws}    publish_errors    ==    0
    Get WebSocket Metric    ${ws}    events_received    >    0
    Compare To Baseline    ${ws}    redaction-websocket

A Metrics URL
    Stop Memory Monitor    metrics

The Registry While The Gateway Runs
    # Registry files exist only while the run does.
    Copy Directory    %{PERFGATE_STATE_DIR}    %{REGISTRY_SNAPSHOT}


*** Keywords ***
Start The Recording Gateway
    [Documentation]    Secrets in both forms of a flag and in the environment; a secret query
    ...    parameter in the memory monitor's metrics URL.
    ${gw}=    Start Gateway    ${PYTHON}    ${GATEWAY}    --port    {port}    --token\=%{PLANTED_TOKEN}
    ...    --api-key    %{PLANTED_API_KEY}    --tenant\=%{PLANTED_TENANT}
    ...    env=API_TOKEN=%{PLANTED_ENV},TENANT=%{PLANTED_TENANT},PERFGATE_SEEN_FILE=%{PERFGATE_SEEN_FILE}
    Start Memory Monitor    ${gw.url}/metrics?token=%{PLANTED_TOKEN}    interval=0.2 s    alias=metrics
