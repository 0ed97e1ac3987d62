*** Settings ***
Documentation       The other suite of the pair (checkout.robot): its threshold is breached,
...                 so that `perfgate watch` shows the breach while it runs.

Library             LoadLibrary


*** Variables ***
${URL}      http://127.0.0.1:1


*** Test Cases ***
Slow Feed Breaches Its Threshold
    Run Keyword And Expect Error    Threshold breached: p95 was *
    ...    Run Load Profile    constant    ${URL}/slow?ms=5    clients=2    duration=8 s
    ...    warmup=1 s    workers=1    thresholds=p95 < 1 ms
