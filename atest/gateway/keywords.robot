*** Settings ***
Documentation       GatewayLibrary's keywords, one by one, and every bad input.

Library             GatewayLibrary
Resource            ../resources/common.resource

Test Teardown       Stop Everything And Check


*** Test Cases ***
Start Gateway Starts The Reference Gateway By Default
    ${gw}=    Start Gateway
    Should Match Regexp    ${gw.url}    ^http://127\\.0\\.0\\.1:\\d+$
    Should Be Equal    ${gw.alias}    gateway
    Gateway Should Be Healthy    ${gw}
    ${rc}=    Stop Gateway    ${gw}
    Should Be Equal As Integers    ${rc}    0

Start Gateway Runs A Command With A Free Port
    ${gw}=    Start Fake Gateway    alias=fake
    Should Be Equal As Integers    ${gw.url.split(':')[-1]}    ${gw.port}
    ${log}=    Get Gateway Log    fake
    Should Contain    ${log}    fake gateway listening on ${gw.port}
    File Should Exist    ${gw.log_path}
    Should Start With    ${gw.log_path}    ${OUTPUT DIR}

Start Gateway Splits A Single Command String
    ${gw}=    Start Gateway    ${PYTHON} ${FAKE_GATEWAY} --port {port}
    Gateway Should Be Healthy    ${gw}

Start Gateway Fills The Port Into Environment And Health
    VAR    ${code}=
    ...    import os, http.server as h;
    ...    h.HTTPServer(('127.0.0.1', int(os.environ['APP_PORT'])), h.SimpleHTTPRequestHandler).serve_forever()
    ...    separator=${SPACE}
    ${gw}=    Start Gateway    ${PYTHON}    -c    ${code}    env=APP_PORT={port}
    ...    health=http://127.0.0.1:{port}/    cwd=${TEMPDIR}
    Gateway Should Be Healthy    ${gw}

Stop Gateway Kills A Gateway That Ignores SIGTERM And Its Children
    ${gw}=    Start Fake Gateway    --ignore-term    --fork    2    --double-fork
    ${rc}=    Stop Gateway    ${gw}    timeout=0.5 s
    Should Be Equal As Integers    ${rc}    -9

Stop All Gateways Is Idempotent
    Start Fake Gateway    alias=one
    Start Fake Gateway    alias=two
    Stop All Gateways
    Stop All Gateways
    Run Keyword And Expect Error    Gateway 'one' was stopped; start it again first.
    ...    Gateway Should Be Healthy    one

Use Running Gateway Attaches And Never Stops It
    ${gw}=    Start Fake Gateway    alias=owner
    ${theirs}=    Use Running Gateway    ${gw.url}    pid=${gw.pid}    alias=theirs
    Should Be Equal    ${theirs.url}    ${gw.url}
    ${rc}=    Stop Gateway    theirs
    Should Be Equal    ${rc}    ${None}
    Gateway Should Be Healthy    owner

Get Gateway Returns A Gateway By Alias
    ${gw}=    Start Fake Gateway    alias=named
    ${same}=    Get Gateway    named
    Should Be Equal    ${same.pid}    ${gw.pid}

A Crashed Gateway Is Reported With Its Signal And Output
    Start Fake Gateway    --crash-after    0.2    alias=crashy
    Sleep    1 s
    Run Keyword And Expect Error    *is not running: it exited with signal SIGKILL (9).*crashing now*
    ...    Gateway Should Be Healthy    crashy

A Gateway Over Its Memory Limit Is Killed And Reported As Such
    Run Keyword And Expect Error    *exceeded its memory limit of 100 MiB*
    ...    Start Then Check After A While    --grow-mb-per-s    300    memory_limit=100 MB

Command Not Found
    Run Keyword And Expect Error
    ...    Command 'perfgate-no-such-gateway' was not found on PATH; install it or give its full path.
    ...    Start Gateway    perfgate-no-such-gateway --port {port}

Port Already Taken
    ${gw}=    Start Fake Gateway
    Run Keyword And Expect Error    Port ${gw.port} on 127.0.0.1 is already in use;*
    ...    Start Gateway    ${PYTHON}    ${FAKE_GATEWAY}    --port    ${gw.port}    port=${gw.port}

Health Path That Never Answers 2xx
    Run Keyword And Expect Error
    ...    *did not become healthy at http://127.0.0.1:*/health within 1 s (last check: 503 Service Unavailable)*
    ...    Start Fake Gateway    --never-healthy    timeout=1 s

Gateway That Exits At Once
    Run Keyword And Expect Error    *did not become healthy: it exited with exit code 3.*configuration error*
    ...    Start Fake Gateway    --exit-at-once    3

Unknown Alias
    Start Fake Gateway    alias=known
    Run Keyword And Expect Error    No gateway with alias 'unknown'; known aliases: known.
    ...    Stop Gateway    unknown

Nothing Started Yet
    Run Keyword And Expect Error    No gateway is running; use Start Gateway first.
    ...    Gateway Should Be Healthy

Negative Timeout
    Run Keyword And Expect Error
    ...    Duration '-1 s' is negative; use e.g. '30 s', '1 min 30 s' or '200 ms'.
    ...    Start Fake Gateway    timeout=-1 s

Unknown Port
    Run Keyword And Expect Error    Cannot tell which port the gateway listens on:*
    ...    Start Gateway    ${PYTHON}    ${FAKE_GATEWAY}

Malformed Environment
    Run Keyword And Expect Error    Environment entry 'JUSTANAME' is not NAME=value;*
    ...    Start Fake Gateway    env=JUSTANAME


*** Keywords ***
Start Then Check After A While
    [Documentation]    Starts a fake gateway, waits two seconds and checks it.
    [Arguments]    @{options}    &{config}
    Start Fake Gateway    @{options}    &{config}
    Sleep    2 s
    Gateway Should Be Healthy

Stop Everything And Check
    [Documentation]    Stops every gateway and checks that none of their processes is left.
    Stop All Gateways
    No Spawned Process Should Remain
