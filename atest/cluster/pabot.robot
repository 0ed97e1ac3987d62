*** Settings ***
Documentation       Two suites that pabot runs at once on one shared Dask cluster take turns
...                 through a PabotLib lock named after the cluster, so that they never load
...                 the same machines at once (the pattern of docs/cluster.md). The cluster
...                 is a scheduler and one worker on 127.0.0.1, as someone else's would be,
...                 reached through ${PERFGATE_CLUSTER}.

Library             OperatingSystem
Library             Process
Library             GatewayLibrary
Library             ClusterCheck.py

Suite Setup         Start Gateway    ${PYTHON}    -m    perfgate.refgateway    --port    {port}
...                     alias=pabot
Suite Teardown      Stop All Gateways

Test Tags           cluster    pabot


*** Variables ***
${PYTHON}       ${{sys.executable}}
${SUITES}       ${CURDIR}/../_cluster/pabot
${BIN}          ${{os.path.dirname(sys.executable)}}


*** Test Cases ***
Suites Sharing A Cluster Take Turns Under Pabot
    ${address}=    Start Dask Scheduler And Worker    threads=2
    ${gw}=    Get Gateway    pabot
    ${runs}=    Join Path    ${OUTPUT DIR}    pabot-cluster    runs.jsonl
    Remove File    ${runs}
    # PabotLib on a free port (others may run pabot here); pabot finds robot on PATH.
    ${port}=    Free Port
    ${result}=    Run Process    ${PYTHON}    -m    pabot.pabot    --processes    2    --pabotlib
    ...    --pabotlibport    ${port}    --outputdir    ${OUTPUT DIR}/pabot-cluster
    ...    --variable    PERFGATE_CLUSTER:${address}    --variable    URL:${gw.url}/api/echo
    ...    --variable    RUNS:${runs}    ${SUITES}    env:PATH=${BIN}:%{PATH}
    ...    timeout=4 min    on_timeout=kill    stderr=STDOUT
    Log    ${result.stdout}
    Should Be Equal As Integers    ${result.rc}    0
    Runs Should Not Overlap    ${runs}    2
    [Teardown]    Stop Dask Scheduler And Worker
