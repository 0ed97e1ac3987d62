*** Settings ***
Documentation       Scenarios that PerfGate's cleanup tests run in a separate robot process.
...                 Never run directly: the outer acceptance tests run each one and then
...                 check that nothing it started is left.

Library             GatewayLibrary
Resource            ../resources/common.resource


*** Variables ***
${READY_DIR}        ${TEMPDIR}


*** Test Cases ***
Passes
    Start Fake Gateway    --fork    1    --double-fork
    Stop All Gateways

Fails Without Teardown
    Start Fake Gateway    --fork    1    --double-fork
    Fail    Deliberate failure

Forgets To Stop
    Start Fake Gateway    --double-fork

Times Out While Starting
    [Timeout]    2 s
    Start Fake Gateway    --never-healthy    --fork    1    timeout=1 min

Nothing Is Left After The Timeout
    No Spawned Process Should Remain

Waits For A Signal
    Start Fake Gateway    --ignore-term    --fork    1    --double-fork
    Create File    ${READY_DIR}/${TEST NAME}-${{os.getpid()}}
    Sleep    2 min

Waits For A Signal Too
    Start Fake Gateway    --fork    1
    Create File    ${READY_DIR}/${TEST NAME}-${{os.getpid()}}
    Sleep    2 min

Loses Its Reaper
    Start Fake Gateway    --fork    1    --double-fork
    Start Fake Gateway    --double-fork    --scrub-env
    Create File    ${READY_DIR}/${TEST NAME}-${{os.getpid()}}
    Kill The Reaper Of This Run
    Sleep    1 s

Loses Its Reaper And Starts Again
    Start Fake Gateway    --fork    1
    Gateway Should Be Healthy
    Stop All Gateways

Crashes Mid Test
    Start Fake Gateway    --crash-after    0.3
    Sleep    1.5 s
