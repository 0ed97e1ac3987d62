*** Settings ***
Documentation       WebSocket load runs that the cleanup tests run in a separate robot process.
...                 Never run directly: the outer tests (atest/websocket/cleanup.robot) run one,
...                 interrupt it as the test says, and check that no worker or gateway is left.

Library             GatewayLibrary
Library             LoadLibrary
Library             ../websocket/WsCheck.py
Library             ../resources/ProcessCheck.py


*** Test Cases ***
Times Out During A WebSocket Run
    [Timeout]    4 s
    ${gw}=    Start Gateway
    Run WebSocket Load    ws://127.0.0.1:${gw.port}/ws    connections=20    event_rate=100
    ...    duration=1 min    warmup=0 s    time_scale=1

Nothing Is Left After The Timeout
    No Process Of This Run Should Remain    perfgate.load.ws.worker    timeout=2 s

Runs WebSocket Load Until Signalled
    ${gw}=    Start Gateway
    Run WebSocket Load    ws://127.0.0.1:${gw.port}/ws    connections=20    event_rate=100
    ...    duration=2 min    warmup=0 s    time_scale=1    workers=2
