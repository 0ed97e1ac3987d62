*** Settings ***
Documentation       Load runs that atest/load/run_end.robot runs in a separate robot process,
...                 because what they do to the test (a Robot timeout) cannot be expected
...                 in the process that runs it. Never run directly.

Library             GatewayLibrary
Library             LoadLibrary
Library             ../load/LoadCheck.py

Suite Setup         Start Gateway    alias=timed
Suite Teardown      Stop All Gateways


*** Test Cases ***
Times Out During A Load Run
    [Timeout]    3 s
    ${gw}=    Get Gateway    timed
    Run Load Profile    constant    ${gw.url}/api/echo    clients=2    duration=1 min
    ...    warmup=0 s    time_scale=1    workers=1

The Partial Result Of The Timed Out Run Was Saved
    ${saved}=    Newest Load Result
    Should Be True    ${saved.requests} > 0
    Should Be True    ${saved.stopped_early}
    ${data}=    Evaluate    json.loads(pathlib.Path($saved.json_path).read_text())
    ...    modules=json,pathlib
    Should Match Regexp    ${data}[verdict][partial]
    ...    ^Partial result: the run stopped at [\\d.]+ s of 60 s \\(\\d+%\\): a Robot timeout \\(Test timeout 3 seconds exceeded\\)\\.$
