*** Settings ***
Documentation       Load runs that LoadLibrary's cleanup tests run in a separate robot process.
...                 Never run directly: the outer tests (atest/load/cleanup.robot) run one,
...                 interrupt it as the test says, and check that no load worker is left.

Library             GatewayLibrary
Library             LoadLibrary
Library             ../load/LoadCheck.py
Library             ../resources/ProcessCheck.py


*** Test Cases ***
Times Out During A Load Run
    [Timeout]    4 s
    ${gw}=    Start Gateway
    Run Load Profile    constant    ${gw.url}/api/echo    clients=4    duration=1 min
    ...    warmup=0 s    time_scale=1

Nothing Is Left After The Timeout
    No Process Of This Run Should Remain    perfgate.load.http.worker    timeout=2 s

Runs Load Until Signalled
    ${gw}=    Start Gateway
    Run Load Profile    constant    ${gw.url}/api/echo    clients=4    duration=2 min
    ...    warmup=0 s    time_scale=1
