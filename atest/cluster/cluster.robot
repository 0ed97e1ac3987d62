*** Settings ***
Documentation       The load keywords on a Dask LocalCluster (``cluster=local``): the same
...                 keywords, the same verdicts, and a result that says which machine ran
...                 what. The cluster starts with the first run and stays warm for the next.
...                 Each run lasts 2-3 s.

Library             OperatingSystem
Library             GatewayLibrary
Library             LoadLibrary
Library             ClusterCheck.py
Library             ../resources/ProcessCheck.py

Suite Setup         Start Gateway    ${PYTHON}    -m    perfgate.refgateway    --port    {port}    --admin
...                     alias=cluster
Suite Teardown      Stop All Gateways

Test Tags           cluster


*** Variables ***
${PYTHON}       ${{sys.executable}}
${ROUTE}        /api/echo


*** Test Cases ***
The Closed Model On A Local Cluster Counts What The Gateway Counted
    ${gw}=    Get Gateway    cluster
    ${before}=    Gateway Request Count    ${gw}    ${ROUTE}
    ${r}=    Run Load Profile    smoke    ${gw.url}${ROUTE}    clients=4    duration=2 s    warmup=0 s
    ...    time_scale=1    cluster=local
    ${after}=    Gateway Request Count    ${gw}    ${ROUTE}
    Should Be Equal As Integers    ${after - ${before}}    ${r.requests}
    Should Be Equal As Integers    ${r.errors}    0
    # No workers=: the cluster's slots (one a core of this machine), one per client at most.
    Should Be Equal As Integers    ${r.workers}    ${{len($r.cluster.workers)}}
    Should Be True    socket.gethostname() in $r.cluster.machines()
    Should Be True    $r.cluster.clock_error_s < $r.cluster.clock_bound_s
    Should Not Be True    ${r.cluster.suspect}
    ${saved}=    Get File    ${r.json_path}
    Should Contain    ${saved}    "scheduler": "tcp://127.0.0.1:

The Open Model On A Local Cluster Keeps Its Rate
    ${gw}=    Get Gateway    cluster
    ${r}=    Run Load Profile    constant-rate    ${gw.url}${ROUTE}    rate=100    duration=3 s
    ...    warmup=0 s    time_scale=1    workers=2    cluster=local
    Should Be Equal As Integers    ${r.health.intended}    300
    Should Be Equal As Integers    ${r.health.missed}    0
    Should Be True    abs(${r.rps} - 100) <= 1

A WebSocket Broadcast On A Local Cluster Loses Nothing
    ${gw}=    Get Gateway    cluster
    ${ws}=    Run WebSocket Load    ws://127.0.0.1:${gw.port}/ws    connections=8    event_rate=100
    ...    duration=2 s    warmup=0.5 s    ramp=0.2 s    workers=2    time_scale=1    cluster=local
    Should Be Equal As Integers    ${ws.workers}    2
    Should Be Equal    ${ws.events_received}    ${ws.events_expected}
    Should Be Equal As Integers    ${ws.events_lost}    0
    Should Be True    0 < ${ws.event_latency_p50} < 1000
    Length Should Be    ${ws.cluster.workers}    2

A Scheduler That Does Not Answer Is One Sentence
    ${port}=    Free Port
    ${gw}=    Get Gateway    cluster
    Run Keyword And Expect Error
    ...    The Dask scheduler at tcp://127.0.0.1:${port} did not answer within 10 s (*): is it running, and is its port open to this machine?
    ...    Run Load Profile    smoke    ${gw.url}${ROUTE}    duration=1 s    cluster=tcp://127.0.0.1:${port}

A Cluster That Is No Address Is One Sentence
    ${gw}=    Get Gateway    cluster
    Run Keyword And Expect Error
    ...    cluster='10.0.0.5': give 'local' or a Dask scheduler address such as tcp://10.0.0.5:8786.
    ...    Run Load Profile    smoke    ${gw.url}${ROUTE}    duration=1 s    cluster=10.0.0.5
