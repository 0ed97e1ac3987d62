*** Settings ***
Documentation       Secrets reach the gateway and nothing that PerfGate writes. An inner robot
...                 run at DEBUG level (atest/_redaction/scenarios.robot) plants an Authorization
...                 header, a Cookie, a ?token= query parameter, a request body, environment
...                 variables, --flag=value and --flag value arguments and names added with
...                 secret_names=; the gateway records what it received (outside the output
...                 directory). Then every file of the inner run's output directory (output.xml,
...                 log.html, result JSONs, baselines, history), its console output and its
...                 registry files are searched for the planted values.

Library             Collections
Library             OperatingSystem
Library             Process
Library             ../resources/ProcessCheck.py
Library             SecretCheck.py

Test Tags           security


*** Variables ***
${PYTHON}       ${{sys.executable}}
${SCENARIOS}    ${CURDIR}/../_redaction/scenarios.robot
${INNER_OUT}    ${OUTPUT DIR}/redaction


*** Test Cases ***
Planted Secrets Reach The Gateway But No Log, Result, Console Or Registry File
    &{planted}=    Plant Secrets
    ${private}=    Private Directory
    ${result}=    Run The Planting Suite    ${planted}    ${private}
    Gateway Should Have Received Every Secret    ${private}/seen.jsonl    ${planted}
    ${written}=    Files Should Not Contain Secrets    ${INNER_OUT}    ${planted}
    Should Contain    ${written}    output.xml
    Should Contain    ${written}    log.html
    Should Contain Match    ${written}    perfgate/load-*.json
    Should Contain Match    ${written}    perfgate/websocket-*.json
    Should Contain Match    ${written}    perfgate/memory-*.json
    Should Contain Match    ${written}    baselines/atest/redaction-*.json
    Should Contain    ${written}    history.jsonl
    ${registry}=    Files Should Not Contain Secrets    ${private}/registry    ${planted}
    Should Contain Match    ${registry}    *.json
    Text Should Not Contain Secrets    ${result.stdout}    ${planted}    the console output
    [Teardown]    Remove Directory    ${private}    recursive=True


*** Keywords ***
Run The Planting Suite
    [Documentation]    Runs the inner suite at DEBUG level with the secrets in its environment,
    ...    its state (registry) directory and the gateway's record in ${private}.
    [Arguments]    ${planted}    ${private}
    Remove Directory    ${INNER_OUT}    recursive=True
    ${marker}=    New Marker
    ${result}=    Run Process    ${PYTHON}    -m    robot    --outputdir    ${INNER_OUT}    --loglevel    DEBUG
    ...    --consolecolors    OFF    ${SCENARIOS}
    ...    env:PLANTED_TOKEN=${planted.token}    env:PLANTED_API_KEY=${planted.api_key}
    ...    env:PLANTED_TENANT=${planted.tenant}    env:PLANTED_ENV=${planted.env}
    ...    env:PLANTED_COOKIE=${planted.cookie}    env:PLANTED_SIGNATURE=${planted.signature}
    ...    env:PLANTED_BODY=${planted.body}    env:PERFGATE_STATE_DIR=${private}/state
    ...    env:PERFGATE_SEEN_FILE=${private}/seen.jsonl    env:REGISTRY_SNAPSHOT=${private}/registry
    ...    env:PERFGATE_ATEST_MARKER=${marker}    timeout=2 min    on_timeout=kill    stderr=STDOUT
    Log    ${result.stdout}
    Should Be Equal As Integers    ${result.rc}    0    The inner run failed; see its output above.
    No Process Should Have Marker    ${marker}
    RETURN    ${result}
