"""Before memray attaches to a Python gateway, gdb is tried on a process of
PerfGate's own (perfgate.memory.heap.debugger). Where gdb cannot hand a process
back intact (gdb 13 on a CPU with AMX: the process it called into fails its
next system call and exits), Start Allocation Tracking says so in one sentence
and never touches the gateway, which keeps answering. Where gdb works, the
probe says nothing and the tracking tests (test_heap_python.py) run instead.
"""

from __future__ import annotations

import http.client
import shutil

import psutil
import pytest

from memory.heap_fixture import GDB_REFUSAL
from perfgate.gateway.manager import Gateway
from perfgate.memory.heap import debugger
from perfgate.memory.heap.tools import HeapTools
from perfgate.memory.heap.watch import HeapWatch
from perfgate.memory.leak import INCONCLUSIVE, LEAK
from perfgate.memory.monitor import MemoryMonitor, monitor_for
from perfgate.memory.targets import resolve_source

needs_installed_gdb = pytest.mark.skipif(shutil.which("gdb") is None, reason="gdb is not installed")


def _answers(gateway: Gateway) -> bool:
    assert gateway.port is not None
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    try:
        connection.request("GET", "/api/echo")
        return connection.getresponse().status == 200
    finally:
        connection.close()


needs_refusal = pytest.mark.skipif(
    GDB_REFUSAL is None,
    reason="this machine's gdb calls functions in a process and restores it: the refusal "
    "is tested where it cannot (gdb 13 on a CPU with AMX)",
)


def _refused(gateway: Gateway) -> str:
    return (
        f"PerfGate did not attach memray to gateway '{gateway.alias}': this machine's "
        f"{GDB_REFUSAL}; install gdb 14 or newer, or start the gateway under memray run "
        "yourself."
    )


@needs_refusal
def test_a_gdb_that_breaks_processes_never_touches_the_gateway(
    start_python, heap_tools: HeapTools
) -> None:
    gateway = start_python()
    assert _answers(gateway)
    with pytest.raises(ValueError) as refused:
        heap_tools.start_tracking(gateway, 0, "py")
    assert str(refused.value) == _refused(gateway)
    assert gateway.pid is not None
    assert psutil.Process(gateway.pid).status() != psutil.STATUS_ZOMBIE
    assert _answers(gateway)
    assert not [p for p in psutil.Process().children(recursive=True) if p.name() == "gdb"]


@needs_refusal
def test_the_memory_verdict_stands_and_the_log_says_why_there_are_no_sites(
    start_python, heap_tools: HeapTools
) -> None:
    gateway = start_python("--leak-mb-per-min", "60")
    watch = HeapWatch(heap_tools, gateway, warmup_s=0.5)
    monitor = MemoryMonitor(resolve_source(gateway), 0.25, alias="python", heap_watch=watch)
    result = monitor_for(monitor, 3.0)
    assert result.verdict in (LEAK, INCONCLUSIVE) and result.samples >= 8
    assert result.allocation_growth is None
    assert f"Attaching memray after the warm-up failed: {_refused(gateway)}" in result.notes
    assert _answers(gateway)


@needs_installed_gdb
def test_the_probe_is_run_once_and_leaves_no_process() -> None:
    debugger._checked.clear()
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    first = debugger.gdb_refusal()
    assert first == GDB_REFUSAL
    assert debugger.gdb_refusal() is first  # cached: no second probe
    left = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    assert left == []
    if first is not None:
        assert first.startswith("gdb ") and "process" in first
