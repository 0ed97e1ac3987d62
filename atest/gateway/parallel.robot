*** Settings ***
Documentation       Eight suites, each with its own gateway, run in parallel with pabot:
...                 no port clash, no cross-talk, no file written over another's.

Resource            ../resources/common.resource

Test Tags           pabot


*** Test Cases ***
Eight Parallel Suites Each Get Their Own Gateway
    ${marker}=    New Marker
    VAR    ${work}=    ${TEMPDIR}/${marker}
    ${result}=    Run Process    ${PYTHON}    -m    pabot.pabot    --processes    8    --no-pabotlib
    ...    --command    ${PYTHON}    -m    robot    --end-command    --outputdir    ${work}/out
    ...    ${CURDIR}/../_parallel    env:PERFGATE_ATEST_MARKER=${marker}    stderr=STDOUT    timeout=3 min
    ...    on_timeout=kill
    Log    ${result.stdout}
    Should Be Equal As Integers    ${result.rc}    0    Some parallel suite failed: see the log above.
    Should Contain    ${result.stdout}    8 tests, 8 passed, 0 failed
    ${logs}=    Evaluate    sorted(glob.glob($work + '/out/**/gateway-own-*.log', recursive=True))
    Length Should Be    ${logs}    8
    No Process Should Have Marker    ${marker}
    [Teardown]    Remove Directory    ${work}    recursive=True
