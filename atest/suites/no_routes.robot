*** Settings ***
Documentation       The capacity suite pointed at a gateway without the reference routes fails, and
...                 says that the requests failed. The "gateway" is Python's ``http.server`` serving
...                 an empty directory (GATEWAY_COMMAND, health ``/``): it answers 404 to
...                 ``/api/echo``, fast. Before issue 12, `The Saturation Point Is Found` passed on it
...                 ("Saturation point: 1666.67 requests per second") and recorded its failures as
...                 the baseline, so that it would pass for ever.

Resource            ../resources/common.resource
Resource            inner_run.resource

Suite Setup         Run The Capacity Suite Against A Gateway Without Its Routes
Suite Teardown      Remove Directory    ${WORK}    recursive=True


*** Variables ***
${SUITES}       ${CURDIR}/../../suites


*** Test Cases ***
The Saturation Point Of A Gateway That Answers 404 Fails Naming The Error Rate
    ${test}=    Inner Test    The Saturation Point Is Found
    Should Be Equal    ${test}[status]    FAIL
    Should Start With    ${test}[message]
    ...    No breaking point above 0 req/s: no request succeeded up to the second in which the load broke at
    Should Contain    ${test}[message]    error_rate was 100%, limit < 1%), 100.00% of the requests failed.

The Most Requests Per Second Of A Gateway That Answers 404 Fail Naming The Error Rate
    ${test}=    Inner Test    The Most Requests Per Second Are Measured
    Should Be Equal    ${test}[status]    FAIL
    Should Start With    ${test}[message]    Threshold breached: error_rate was 100%, limit < 1%.

No Baseline Is Recorded From The Failing Runs
    ${recorded}=    List Files In Directory    ${WORK}/baselines/custom-scale-0.05
    Should Be Empty    ${recorded}

No Process Of The Inner Run Is Left
    No Process Should Have Marker    ${INNER_MARKER}


*** Keywords ***
Run The Capacity Suite Against A Gateway Without Its Routes
    [Documentation]    One inner run of the capacity suite at smoke scale against ``http.server``.
    ${marker}=    New Marker
    VAR    ${INNER_MARKER}=    ${marker}    scope=SUITE    # robocop: off=VAR05
    VAR    ${WORK}=    ${TEMPDIR}/perfgate-no-routes-${marker}    scope=SUITE    # robocop: off=VAR05
    Create Directory    ${WORK}/empty
    Create Directory    ${WORK}/baselines/custom-scale-0.05
    ${command}=    Catenate    ${PYTHON} -m http.server {port} --bind 127.0.0.1
    ...    --directory ${WORK}/empty
    ${result}=    Run Process    ${PYTHON}    -m    robot    --outputdir    ${WORK}    --log    NONE
    ...    --report    NONE    --consolecolors    OFF    --variable    GATEWAY_COMMAND:${command}
    ...    --variable    GATEWAY_HEALTH:/    --variable    PERF_TIME_SCALE:0.05
    ...    --variable    PERFGATE_BASELINES_DIR:${WORK}/baselines
    ...    --variable    PERFGATE_HISTORY_FILE:${WORK}/history.jsonl
    ...    ${SUITES}/throughput/capacity.robot
    ...    env:PERFGATE_ATEST_MARKER=${marker}    timeout=3 min    on_timeout=kill    stderr=STDOUT
    Log    ${result.stdout}
    ${tests}=    Tests In Output    ${WORK}/output.xml
    VAR    ${INNER_TESTS}=    ${tests}    scope=SUITE    # robocop: off=VAR05
