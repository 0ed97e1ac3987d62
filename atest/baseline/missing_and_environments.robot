*** Settings ***
Documentation       missing= modes, other environments, broken files and variable-based settings.
Library             OperatingSystem
Library             BaselineHelpers.py
Library             BaselineLibrary
Suite Setup         Start Clean


*** Variables ***
${PERFGATE_BASELINES_DIR}       ${OUTPUT DIR}/missing-baselines
${PERFGATE_HISTORY_FILE}        ${OUTPUT DIR}/missing-history.jsonl


*** Test Cases ***
Missing Record Is The Default
    [Documentation]    Without environment= the label is the machine fingerprint.
    ${result}=    Synthetic Load Result
    ${outcome}=    Compare To Baseline    ${result}    recorded-here    missing=record
    Should Be Equal    ${outcome}[action]    recorded
    Should Match Regexp    ${outcome}[path]    missing-baselines/env-[0-9a-f]{10}/recorded-here\\.json$
    File Should Exist    ${outcome}[path]

Missing Fail Fails
    [Documentation]    missing=fail fails and records nothing.
    ${result}=    Synthetic Load Result
    Run Keyword And Expect Error
    ...    No baseline 'never-recorded' for environment *: record one with Update Baseline or compare with missing=record.
    ...    Compare To Baseline    ${result}    never-recorded    missing=fail
    Run Keyword And Expect Error    No baseline 'never-recorded'*
    ...    Get Baseline    never-recorded

Missing Skip Warns And Writes No Baseline
    [Documentation]    missing=skip compares nothing but keeps the history.
    ${result}=    Synthetic Load Result
    ${outcome}=    Compare To Baseline    ${result}    skipped-here    missing=skip
    Should Be Equal    ${outcome}[action]    skipped
    File Should Not Exist    ${outcome}[path]
    ${events}=    History Events    ${PERFGATE_HISTORY_FILE}    skipped-here
    Should Be Equal    ${events}[0]    skipped

Baseline From Another Machine Is Not Compared Silently
    [Documentation]    other_environment= decides: skip (default), fail or compare.
    ${result}=    Synthetic Load Result    p95=40
    ${outcome}=    Compare To Baseline    ${result}    shared    environment=ci-large
    Pretend Baseline Comes From Another Machine    ${outcome}[path]
    ${slow}=    Synthetic Load Result    p95=400
    ${outcome}=    Compare To Baseline    ${slow}    shared    environment=ci-large
    Should Be Equal    ${outcome}[action]    skipped
    Run Keyword And Expect Error
    ...    Baseline 'shared' (ci-large) was recorded on another environment (cpu_model Some Other CPU -> *, cores 64 -> *)*
    ...    Compare To Baseline    ${slow}    shared    environment=ci-large    other_environment=fail
    Run Keyword And Expect Error    Performance regressed*
    ...    Compare To Baseline    ${slow}    shared    environment=ci-large    other_environment=compare

Environment From Variable
    [Documentation]    ${PERFGATE_ENVIRONMENT} sets the label.
    VAR    ${PERFGATE_ENVIRONMENT}=    from-variable    scope=TEST    # robocop: off=VAR06
    ${result}=    Synthetic Load Result
    Compare To Baseline    ${result}    labelled
    File Should Exist    ${PERFGATE_BASELINES_DIR}/from-variable/labelled.json

Broken Baseline File Is Reported And Left Alone
    [Documentation]    A damaged file is named in the error and never overwritten.
    VAR    ${path}=    ${PERFGATE_BASELINES_DIR}/atest/broken.json
    Create File    ${path}    {"schema": 1, "name": "broken",
    ${result}=    Synthetic Load Result
    Run Keyword And Expect Error
    ...    Baseline file *broken.json is not valid JSON (line 1, column *); repair it from git or delete it, PerfGate will not overwrite it.
    ...    Compare To Baseline    ${result}    broken    environment=atest
    Run Keyword And Expect Error    Baseline file *broken.json is not valid JSON*
    ...    Update Baseline    ${result}    broken    reason=try to overwrite    environment=atest
    ${content}=    Get File    ${path}
    Should Be Equal    ${content}    {"schema": 1, "name": "broken",


*** Keywords ***
Start Clean
    [Documentation]    Removes what an earlier run left in the output directory.
    Remove Directory    ${PERFGATE_BASELINES_DIR}    recursive=True
    Remove File    ${PERFGATE_HISTORY_FILE}
