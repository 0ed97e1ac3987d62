*** Settings ***
Documentation       MemoryLibrary against the reference gateway under light load.
...                 The two-minute verdict runs are tagged ``slow``.

Library             Collections
Library             OperatingSystem
Library             Process
Library             GatewayLibrary
Library             MemoryLibrary

Suite Setup         Set Suite Variable    ${PYTHON}    ${{sys.executable}}
Test Teardown       Run Keywords    Terminate All Processes    kill=True    AND    Stop All Gateways


*** Variables ***
${LOAD}     ${CURDIR}${/}light_load.py


*** Test Cases ***
Leaking Gateway Is A Leak Within Two Minutes
    [Documentation]    The gateway leaks 10 MB per minute: LEAK, and the assertion fails.
    [Tags]    slow
    [Timeout]    5 min
    ${gw}=    Start Reference Gateway    leaky    --leak-mb-per-min    10
    Start Light Load    ${gw}
    ${mem}=    Monitor Memory    ${gw}    duration=2 min    interval=1 s
    ...    max_rate=60 MB/h    min_growth=2 MB
    Should Be Equal    ${mem.verdict}    LEAK    ${mem.reason}
    Should Be True    400 < ${mem.leak_rate_mb_per_hour} < 800
    Should Not Be Empty    ${mem.mapping_growth}
    Run Keyword And Expect Error    *LEAK*    Memory Should Not Leak    ${mem}

Steady Gateway Is Not A Leak Within Two Minutes
    [Documentation]    The same gateway without its leak: NO LEAK, and the assertion passes.
    [Tags]    slow
    [Timeout]    5 min
    ${gw}=    Start Reference Gateway    steady
    Start Light Load    ${gw}
    ${mem}=    Monitor Memory    ${gw}    duration=2 min    interval=1 s
    ...    max_rate=60 MB/h    min_growth=2 MB
    Should Be Equal    ${mem.verdict}    NO LEAK    ${mem.reason}
    Memory Should Not Leak    ${mem}

Ten Second Run Is Inconclusive
    [Documentation]    Even a leaking gateway cannot be judged against 5 MB/h in ten seconds.
    [Timeout]    1 min
    ${gw}=    Start Reference Gateway    short    --leak-mb-per-min    10
    ${mem}=    Monitor Memory    ${gw}    duration=10 s    interval=250 ms
    Should Be Equal    ${mem.verdict}    INCONCLUSIVE    ${mem.reason}
    Should Contain    ${mem.reason}    run at least
    Run Keyword And Expect Error    *INCONCLUSIVE*Too short to tell*    Memory Should Not Leak    ${mem}
    Memory Should Not Leak    ${mem}    inconclusive=pass

A Collection Sawtooth Is Not A Leak And A Leak Under It Is Found At Its Rate
    [Documentation]    The reference gateway imitates a collected runtime (``--sawtooth-mb``,
    ...    ``--sawtooth-period``: garbage piles up and is given back at once, every 4 or 20 s,
    ...    each cycle +-25 %). Without a leak: never LEAK; a 20 s cycle leaves too few cycles in
    ...    a minute to tell. With 30 MB a minute leaked on top: LEAK at 1800 MB/h +-30 %.
    [Timeout]    3 min
    Start Reference Gateway    saw4    --sawtooth-mb    30    --sawtooth-period    4
    Start Reference Gateway    saw20    --sawtooth-mb    30    --sawtooth-period    20
    Start Reference Gateway    saw4-leak    --sawtooth-mb    30    --sawtooth-period    4
    ...    --leak-mb-per-min    30
    ${flat}    ${slow}    ${leak}=    Watch Gateways Side By Side    60 s    saw4    saw20    saw4-leak
    Should Not Be Equal    ${flat.verdict}    LEAK    ${flat.reason}
    Should Be True    len($flat.leak.collections_s) >= 10    ${flat.reason}
    Should Be Equal    ${slow.verdict}    INCONCLUSIVE    ${slow.reason}
    Should Start With    ${slow.reason}    Too few collection cycles to tell
    Should Be Equal    ${leak.verdict}    LEAK    ${leak.reason}
    Should Be True    1260 <= ${leak.leak_rate_mb_per_hour} <= 2340    ${leak.reason}

Background Monitor With Load Result And Alias
    [Timeout]    1 min
    ${gw}=    Start Reference Gateway    bg
    Start Light Load    ${gw}
    Start Memory Monitor    bg    interval=200 ms    alias=watch
    Sleep    3 s
    ${load}=    Evaluate    types.SimpleNamespace(requests=60)    modules=types
    ${mem}=    Stop Memory Monitor    watch    load=${load}
    Should Be True    ${mem.samples} >= 10
    Should Be Equal As Integers    ${mem.requests}    60
    Should Be True    ${mem.peak_mb} >= ${mem.min_mb} > 0 and ${mem.final_uss_mb} > 0

Result Is On Record As JSON And Its Peak Is Checked
    [Timeout]    1 min
    ${gw}=    Start Reference Gateway    record
    ${mem}=    Monitor Memory    ${gw}    duration=1 s    interval=100 ms
    File Should Exist    ${mem.json_path}
    ${saved}=    Evaluate    json.load(open($mem.json_path))    modules=json
    Should Be Equal    ${saved}[kind]    memory
    Should Be Equal    ${saved}[verdict]    ${mem.verdict}
    Memory Should Stay Below    ${mem}    2 GB
    Run Keyword And Expect Error    *reached the 1.0 MB limit*
    ...    Memory Should Stay Below    ${mem}    1 MB

Remote Gateway Is Watched Through Its Metrics URL
    [Timeout]    1 min
    ${gw}=    Start Reference Gateway    remote
    ${snap}=    Take Memory Snapshot    ${gw.url}
    Should Be True    ${snap.rss_mb} > 5
    Should Be Equal    ${snap.uss}    ${None}
    Start Memory Monitor    ${gw.url}/metrics    interval=200 ms
    Sleep    2 s
    ${mem}=    Stop Memory Monitor
    Should Be Equal    ${mem.source}    prometheus
    Should Be True    ${mem.samples} >= 5

Floor Recovers After Idle On A Steady Gateway
    [Timeout]    1 min
    ${gw}=    Start Reference Gateway    idle
    ${load}=    Start Light Load    ${gw}    duration=6
    Start Memory Monitor    ${gw}    interval=200 ms
    Wait For Process    ${load}    timeout=30 s
    Sleep    6 s
    ${mem}=    Stop Memory Monitor
    Memory Should Recover After Idle    ${mem}    tolerance=10%    idle=3 s

Forgotten Monitor Is Stopped When Its Test Ends
    [Timeout]    1 min
    ${gw}=    Start Reference Gateway    forgotten
    Start Memory Monitor    ${gw}    interval=200 ms    alias=forgotten

No Sampling Thread Survives
    ${threads}=    Evaluate
    ...    [t.name for t in threading.enumerate() if t.name.startswith('perfgate-memory')]
    ...    modules=threading
    Should Be Empty    ${threads}

Bad Targets Fail With One Sentence
    Run Keyword And Expect Error    *No process with PID 999999999*
    ...    Start Memory Monitor    999999999
    Run Keyword And Expect Error    *No gateway with alias 'nope'*
    ...    Start Memory Monitor    nope
    Run Keyword And Expect Error    *Invalid duration*
    ...    Monitor Memory    ${{os.getpid()}}    duration=soon


*** Keywords ***
Start Reference Gateway
    [Documentation]    The reference gateway on a free port, with extra command-line options.
    [Arguments]    ${alias}    @{options}
    ${gw}=    Start Gateway    ${PYTHON}    -m    perfgate.refgateway    --port    {port}
    ...    @{options}    alias=${alias}
    RETURN    ${gw}

Watch Gateways Side By Side
    [Documentation]    Monitors the gateways with these aliases at once for ``duration``, every
    ...    250 ms, judged against 60 MB/h and 2 MB; returns their results in order.
    [Arguments]    ${duration}    @{aliases}
    FOR    ${alias}    IN    @{aliases}
        Start Memory Monitor    ${alias}    interval=250 ms    alias=${alias}    max_rate=60 MB/h
        ...    min_growth=2 MB
    END
    Sleep    ${duration}
    VAR    @{results}=    @{EMPTY}
    FOR    ${alias}    IN    @{aliases}
        ${mem}=    Stop Memory Monitor    ${alias}
        Append To List    ${results}    ${mem}
    END
    RETURN    ${results}

Start Light Load
    [Documentation]    About 20 requests per second from a separate process, bounded in time.
    [Arguments]    ${gw}    ${duration}=240
    ${handle}=    Start Process    ${PYTHON}    ${LOAD}    ${gw.url}/api/echo    20    ${duration}
    RETURN    ${handle}
