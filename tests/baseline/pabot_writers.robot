*** Settings ***
Documentation       Eight pabot processes updating the same baselines at once: test_baseline_concurrency.py.

Library             OperatingSystem
Library             BaselineLibrary    baselines_dir=${BASELINES}    history_file=${HISTORY}    environment=race

Test Template       Write Baselines


*** Variables ***
${ROUNDS}       40
${WRITERS}      8


*** Test Cases ***
Writer 0    0
Writer 1    1
Writer 2    2
Writer 3    3
Writer 4    4
Writer 5    5
Writer 6    6
Writer 7    7


*** Keywords ***
Write Baselines
    [Documentation]    Starts with the others, then compares and updates baselines round after round.
    [Arguments]    ${worker: int}
    VAR    &{result}    kind=load    p50=${10.0}    p95=${40.0}    p99=${60.0}    rps=${1000.0}
    ...    error_rate=${0.0}    worker=${worker}
    Create File    ${READY}/${worker}
    Wait Until Keyword Succeeds    60 s    10 ms    All Writers Ready
    FOR    ${round}    IN RANGE    ${ROUNDS}
        # Everyone records the same missing baseline: exactly one may win.
        Compare To Baseline    ${result}    first-run
        # Everyone updates the same baseline: no version may be lost.
        Update Baseline    ${result}    shared    reason=worker ${worker} round ${round}
        # And each worker its own baseline, side by side.
        Update Baseline    ${result}    own-${worker}    reason=round ${round}
    END

All Writers Ready
    [Documentation]    Passes once every writer has created its file in ${READY}.
    ${ready}    Count Files In Directory    ${READY}
    Should Be Equal As Integers    ${ready}    ${WRITERS}
