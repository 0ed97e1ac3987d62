*** Settings ***
Documentation       One of two suites that tests/live/test_pabot.py runs at once
...                 under pabot, each exporting to a real Prometheus (${URL}: an HTTP server).

Library             LoadLibrary


*** Variables ***
${URL}      http://127.0.0.1:1


*** Test Cases ***
Steady Checkout
    ${result}=    Run Load Profile    constant    ${URL}/slow?ms=2    clients=2    duration=8 s
    ...    warmup=1 s    workers=1    thresholds=p95 < 5 s
    Should Be True    ${result.requests} > 0
