*** Settings ***
Documentation       Three suites that pabot runs at once on two Dask clusters each take a
...                 whole cluster through PabotLib value sets (the pattern of docs/cluster.md):
...                 one set a scheduler, acquired before the load and released in teardown.
...                 Each cluster is a scheduler and one worker of one thread on 127.0.0.1,
...                 and each suite loads a route of its own on one gateway for 2 s.

Library             OperatingSystem
Library             Process
Library             GatewayLibrary
Library             ClusterCheck.py

Suite Setup         Start Gateway    ${PYTHON}    -m    perfgate.refgateway    --port    {port}
...                     alias=valuesets
Suite Teardown      Stop All Gateways

Test Tags           cluster    pabot


*** Variables ***
${PYTHON}       ${{sys.executable}}
${SUITES}       ${CURDIR}/../_cluster/valuesets
${BIN}          ${{os.path.dirname(sys.executable)}}


*** Test Cases ***
Each Pabot Process Takes A Whole Cluster From A Value Set
    ${a}=    Start Dask Scheduler And Worker    threads=1
    ${b}=    Start Dask Scheduler And Worker    threads=1
    ${gw}=    Get Gateway    valuesets
    ${dir}=    Join Path    ${OUTPUT DIR}    pabot-valuesets
    ${runs}=    Join Path    ${dir}    runs.jsonl
    ${sets}=    Join Path    ${dir}    clusters.dat
    Remove File    ${runs}
    Write Cluster Value Sets    ${sets}    ${a}    ${b}
    # Three processes for two sets: the last suite to acquire waits for a release.
    ${port}=    Free Port
    ${result}=    Run Process    ${PYTHON}    -m    pabot.pabot    --processes    3    --pabotlib
    ...    --pabotlibport    ${port}    --resourcefile    ${sets}    --outputdir    ${dir}
    ...    --variable    GATEWAY:${gw.url}    --variable    RUNS:${runs}    ${SUITES}
    ...    env:PATH=${BIN}:%{PATH}    timeout=4 min    on_timeout=kill    stderr=STDOUT
    Log    ${result.stdout}
    Should Be Equal As Integers    ${result.rc}    0
    Clusters Should Have Been Shared Out    ${runs}    3    ${a}    ${b}
    Runs Should Match The Gateway    ${runs}    ${gw}
    [Teardown]    Stop Dask Scheduler And Worker
