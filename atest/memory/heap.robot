*** Settings ***
Documentation       Where the memory went (issue 18): heap snapshots and allocation sites of a
...                 real Node.js gateway (tests/fixtures/node-heap) that keeps one SessionRecord
...                 per request with --leak, and of the same gateway without the leak; the
...                 reference gateway (Python) through memray attach. Needs node and gdb
...                 (.ci/run installs them). About 45 s.

Library             OperatingSystem
Library             Process
Library             GatewayLibrary
Library             MemoryLibrary

Test Teardown       Stop All Gateways


*** Variables ***
${FIXTURE}      ${CURDIR}${/}..${/}..${/}tests${/}fixtures${/}node-heap${/}heap_gateway.js


*** Test Cases ***
Comparison Names The Leaking Class And Tracking Its Function
    [Timeout]    2 min
    ${gw}=    Start Gateway    node    ${FIXTURE}    --port    {port}    --leak    inspect=True
    Should Start With    ${gw.inspector_url}    ws://127.0.0.1:
    Send Requests    ${gw}    2000
    ${before}=    Take Heap Snapshot    ${gw}
    Start Allocation Tracking    ${gw}    interval=4 KiB
    Send Requests    ${gw}    5000
    ${kept}=    Stop Allocation Tracking
    ${after}=    Take Heap Snapshot    ${gw}
    File Should Exist    ${after.path}
    Should Be True    ${after.took_s} > 0 and ${after.pause_s} > 0
    ${diff}=    Compare Heap Snapshots    ${before}    ${after}
    Should Be Equal    ${diff.top.name}    SessionRecord
    Should Be Equal As Integers    ${diff.top.delta}    5000
    Should Be Equal    ${kept.top.function}    handle
    Should End With    ${kept.top.file}    heap_gateway.js

Control Names Nothing Above Noise
    [Timeout]    2 min
    ${gw}=    Start Gateway    node    ${FIXTURE}    --port    {port}    inspect=True
    Send Requests    ${gw}    2000
    ${before}=    Take Heap Snapshot    ${gw}
    Send Requests    ${gw}    5000
    ${after}=    Take Heap Snapshot    ${gw}
    ${diff}=    Compare Heap Snapshots    ${before}    ${after}
    Should Be Equal    ${diff.top}    ${None}
    Should Be Empty    ${diff.growing}

Memory Monitor Takes Snapshots After Warm-up And At The End
    [Timeout]    2 min
    ${gw}=    Start Gateway    node    ${FIXTURE}    --port    {port}    --leak    inspect=True
    Send Requests    ${gw}    2000
    Start Memory Monitor    ${gw}    interval=500 ms    warmup=1 s    heap_snapshots=True
    Sleep    6 s    The first snapshot, taken after the 1 s warm-up, is on disk.
    Send Requests    ${gw}    5000
    ${mem}=    Stop Memory Monitor
    Should Start With    ${mem.heap_growth}    mostly SessionRecord (+
    Should Be Equal    ${mem.heap_comparison}[top]    SessionRecord

Python Gateway Names The Leaking Statement
    [Timeout]    2 min
    Skip Where Gdb Would Break The Gateway
    ${gw}=    Start Gateway    ${{sys.executable}}    -m    perfgate.refgateway    --port    {port}
    ...    --leak-kb-per-request    4
    Send Requests    ${gw}    200    path=/api/echo?n
    Start Allocation Tracking    ${gw}
    Send Requests    ${gw}    1000    path=/api/echo?n
    ${kept}=    Stop Allocation Tracking
    Should Be Equal    ${kept.top.function}    _leak
    Should End With    ${kept.top.file}    refgateway${/}faults.py
    Should Be True    ${kept.top.bytes} >= 1000 * 4096
    Run Keyword And Expect Error
    ...    Gateway 'gateway' runs Python, which has no heap snapshot to compare object by object: use Start Allocation Tracking and Stop Allocation Tracking, which name the allocation sites still holding memory (through memray).
    ...    Take Heap Snapshot    ${gw}

Blocking Monitor Tracks A Python Gateway Between Warm-up And End
    [Timeout]    2 min
    Skip Where Gdb Would Break The Gateway
    ${gw}=    Start Gateway    ${{sys.executable}}    -m    perfgate.refgateway    --port    {port}
    ...    --leak-mb-per-min    60
    ${mem}=    Monitor Memory    ${gw}    duration=4 s    interval=250 ms    warmup=500 ms
    ...    heap_snapshots=True
    Should Start With    ${mem.allocation_growth}    mostly _leak at
    Should Contain    ${mem.allocation_growth}    faults.py:
    Length Should Be    ${mem.heap_pauses}    1

Python Gateway Is Left Alone Where Gdb Would Break It
    [Documentation]    gdb 13 on a CPU with AMX cannot restore a process it called into;
    ...    PerfGate finds that out on a process of its own and never attaches.
    [Timeout]    1 min
    ${refusal}=    Gdb Refusal
    Skip If    not $refusal    This machine's gdb hands a process back intact: nothing to refuse.
    ${gw}=    Start Gateway    ${{sys.executable}}    -m    perfgate.refgateway    --port    {port}
    Run Keyword And Expect Error
    ...    PerfGate did not attach memray to gateway 'gateway': this machine's ${refusal}; install gdb 14 or newer, or start the gateway under memray run yourself.
    ...    Start Allocation Tracking    ${gw}
    Send Requests    ${gw}    10    path=/api/echo?n

Node Gateway Started Elsewhere Opens Its Inspector On SIGUSR1
    [Timeout]    1 min
    ${port}=    Evaluate    perfgate.gateway.ports.free_port("127.0.0.1")    modules=perfgate.gateway.ports
    ${node}=    Start Process    node    --inspect-port\=0    ${FIXTURE}    --port    ${port}
    Wait Until Keyword Succeeds    10 s    100 ms
    ...    Use Running Gateway    http://127.0.0.1:${port}    pid=${node.pid}    alias=elsewhere
    ...    inspector=SIGUSR1
    ${gw}=    Get Gateway    elsewhere
    Should Start With    ${gw.inspector_url}    ws://127.0.0.1:
    ${snapshot}=    Take Heap Snapshot    ${gw}
    File Should Exist    ${snapshot.path}
    [Teardown]    Run Keywords    Stop All Gateways    AND    Terminate All Processes    kill=True

Bad Input Is One Sentence
    [Timeout]    1 min
    Run Keyword And Expect Error
    ...    inspect=True opens the inspector of Node.js, and 'python3' is not node: start the gateway with node (a Python gateway needs no inspector).
    ...    Start Gateway    python3    -m    http.server    {port}    health=/    inspect=True
    ${gw}=    Start Gateway    node    ${FIXTURE}    --port    {port}
    Run Keyword And Expect Error
    ...    Gateway 'gateway' runs Node.js without its inspector: start it with inspect=True (or node --inspect=127.0.0.1:0 and give the ws:// URL it prints).
    ...    Take Heap Snapshot    ${gw}
    Run Keyword And Expect Error
    ...    The inspector listens on 0.0.0.0, not on loopback, so anyone who can reach it can run code in the gateway: start node with --inspect=127.0.0.1:0 (inspect=True does).
    ...    Take Heap Snapshot    ws://0.0.0.0:9229/x
    Run Keyword And Expect Error
    ...    No allocation tracking is running; start it with Start Allocation Tracking.
    ...    Stop Allocation Tracking


*** Keywords ***
Gdb Refusal
    [Documentation]    Why gdb cannot attach memray on this machine, or None where it can.
    ${refusal}=    Evaluate    perfgate.memory.heap.debugger.gdb_refusal()
    ...    modules=perfgate.memory.heap.debugger
    RETURN    ${refusal}

Skip Where Gdb Would Break The Gateway
    [Documentation]    memray attach needs a gdb that hands the process back intact.
    ${refusal}=    Gdb Refusal
    Skip If    $refusal    memray attach cannot work here: ${refusal}

Send Requests
    [Documentation]    ${count} GET requests to the gateway, one after another.
    [Arguments]    ${gw}    ${count}    ${path}=/api/orders/
    Evaluate    [urllib.request.urlopen(f"${gw.url}${path}{n % 50}").read() for n in range(${count})]
    ...    modules=urllib.request
