*** Settings ***
Documentation       Load runs on a LocalCluster that the cluster cleanup tests run in a separate
...                 robot process. Never run directly: the outer tests
...                 (atest/cluster/cleanup.robot) run one, end it as the test says, and check
...                 that nothing of that process or its cluster is left.

Library             LoadLibrary    cluster=local
Library             ../resources/ProcessCheck.py


*** Variables ***
${URL}      ${EMPTY}


*** Test Cases ***
Runs Two Loads On One Warm Cluster
    # The library import's cluster=local: the keywords give none.
    ${first}=    Run Load Profile    smoke    ${URL}    clients=2    duration=1 s    warmup=0 s
    ...    time_scale=1
    ${second}=    Run Load Profile    smoke    ${URL}    clients=2    duration=1 s    warmup=0 s
    ...    time_scale=1
    Should Be Equal    ${first.cluster.scheduler}    ${second.cluster.scheduler}

Times Out During A Load Run On The Cluster
    [Timeout]    8 s
    Run Load Profile    smoke    ${URL}    clients=2    duration=1 min    warmup=0 s    time_scale=1

No Load Worker Is Left After The Timeout
    # The cluster stays open for the next run; its load workers are gone.
    No Process Of This Run Should Remain    perfgate.load.http.worker    timeout=3 s

Runs Load Until Signalled
    Run Load Profile    smoke    ${URL}    clients=2    duration=2 min    warmup=0 s    time_scale=1
