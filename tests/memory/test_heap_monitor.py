"""``heap_snapshots=True``: snapshots after the warm-up and at the end of a monitored run, their
comparison on the result and at the end of a LEAK's reason (issue 18); the blocking monitor
too; a Python gateway's allocation sites through memray in their place."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from memory.heap_fixture import FAULTS, LEAK_LINE, load, needs_gdb, needs_node
from memory.results import result_from
from perfgate.memory.chart import PAUSE_SHADE, render_chart
from perfgate.memory.heap.tools import HeapTools
from perfgate.memory.heap.watch import HeapWatch
from perfgate.memory.leak import LEAK, LeakCriteria
from perfgate.memory.monitor import MemoryMonitor, monitor_for
from perfgate.memory.report import render_html, save_json
from perfgate.memory.result import MemoryResult
from perfgate.memory.saved import read_saved
from perfgate.memory.targets import resolve_source

SUMMARY = "mostly SessionRecord (+5,000 objects, +351.6 KB)"


def test_a_leak_reason_ends_with_what_grew(tmp_path: Path) -> None:
    t = np.arange(0, 600, 1.0)
    leaking = result_from(t, 100 + t / 60, LeakCriteria(max_rate_mb_per_hour=5, min_growth_mb=2))
    assert leaking.verdict == LEAK
    named = replace(leaking, heap_growth=SUMMARY)
    assert named.reason == f"{leaking.reason} Heap snapshots: {SUMMARY}."
    saved = read_saved(str(save_json(named, tmp_path).json_path))
    assert saved.reason == named.reason
    flat = result_from(t, 100 + 0 * t)
    assert replace(flat, heap_growth=SUMMARY).reason == flat.reason


@needs_node
def test_the_monitor_compares_snapshots_after_warm_up_and_at_the_end(
    start_node, heap_tools: HeapTools
) -> None:
    gateway = start_node("--leak")
    load(gateway, 2000)
    watch = HeapWatch(heap_tools, gateway, warmup_s=0.5)
    monitor = MemoryMonitor(
        resolve_source(gateway), 0.5, alias="node", criteria=LeakCriteria(), heap_watch=watch
    )
    monitor.start()
    # The load starts once the first snapshot is on disk: 5,000 records after it.
    _wait_for_first_snapshot(watch)
    load(gateway, 5000)
    result = monitor.stop()
    print(result.notes)
    assert result.heap_growth is not None and result.heap_growth.startswith(
        "mostly SessionRecord (+5,000 objects, +"
    )
    assert result.heap_comparison is not None and result.heap_comparison["top"] == "SessionRecord"
    assert sum("Heap snapshot at" in note for note in result.notes) == 2
    assert "perfgate-heap-comparison" in render_html(result)


def _wait_for_first_snapshot(watch: HeapWatch) -> None:
    for _ in range(600):
        if watch.before is not None:
            return
        time.sleep(0.05)
    raise AssertionError("no heap snapshot after the warm-up within 30 s")


@needs_node
def test_the_blocking_monitor_takes_both_snapshots(start_node, heap_tools: HeapTools) -> None:
    """``Monitor Memory ... heap_snapshots=True``: the same watch through `monitor_for`."""
    gateway = start_node()
    watch = HeapWatch(heap_tools, gateway, warmup_s=0.5)
    monitor = MemoryMonitor(resolve_source(gateway), 0.25, alias="blocking", heap_watch=watch)
    result = monitor_for(monitor, 3.0)
    assert result.heap_comparison is not None and result.heap_growth is not None
    assert sum("Heap snapshot at" in note for note in result.notes) == 2
    # Where each snapshot held the gateway, from the start: after the warm-up, then at the end.
    first, last = result.heap_pauses
    assert 0.5 <= first[0] < first[1] < result.duration_s <= last[0] < last[1]


@needs_gdb
def test_a_python_gateway_is_tracked_between_warm_up_and_stop(
    start_python, heap_tools: HeapTools, tmp_path: Path
) -> None:
    # The reference gateway's time leak: 60 MB/min from its ticker, in Faults._leak.
    gateway = start_python("--leak-mb-per-min", "60")
    watch = HeapWatch(heap_tools, gateway, warmup_s=0.5)
    monitor = MemoryMonitor(resolve_source(gateway), 0.25, alias="python", heap_watch=watch)
    result = monitor_for(monitor, 4.0)
    print(result.notes, result.allocation_growth)
    assert result.allocation_growth is not None
    assert result.allocation_growth.startswith("mostly _leak at ")
    assert result.allocation_growth.split(" (")[0].endswith(f" {FAULTS}:{LEAK_LINE}")
    assert result.heap_allocations is not None and result.heap_comparison is None
    assert sum("Allocation tracking from" in note for note in result.notes) == 1
    assert len(result.heap_pauses) == 1 and result.heap_pauses[0][0] >= 0.5
    assert "perfgate-allocations" in render_html(result)
    saved = read_saved(str(save_json(result, tmp_path).json_path))
    assert (saved.allocation_growth, saved.heap_pauses) == (
        result.allocation_growth,
        result.heap_pauses,
    )
    named = replace(_leaking(), allocation_growth=result.allocation_growth)
    assert named.reason.endswith(f" Allocation sites: {result.allocation_growth}.")


@needs_gdb
def test_an_interrupted_blocking_monitor_detaches_memray(
    start_python, heap_tools: HeapTools
) -> None:
    gateway = start_python()
    watch = HeapWatch(heap_tools, gateway, warmup_s=0.0)
    monitor = MemoryMonitor(resolve_source(gateway), 0.25, alias="cut", heap_watch=watch)
    calls = iter(range(1000))

    def sleep(seconds: float) -> None:
        time.sleep(seconds)
        if next(calls) > 0 and watch.ready:
            raise KeyboardInterrupt  # as Robot's timeout would, mid-wait

    with pytest.raises(KeyboardInterrupt):
        monitor_for(monitor, 60.0, sleep=sleep)
    # memray was detached: attaching again starts afresh.
    heap_tools.start_tracking(gateway, 0, "after")
    heap_tools.stop_tracking("after", 30)


def _leaking() -> MemoryResult:
    t = np.arange(0, 600, 1.0)
    return result_from(t, 100 + t / 60, LeakCriteria(max_rate_mb_per_hour=5, min_growth_mb=2))


def test_the_chart_marks_each_snapshot_where_it_held_the_gateway() -> None:
    t = np.arange(0, 60, 0.5)
    result = replace(result_from(t, 100 + t / 60), heap_pauses=[[10.0, 12.5], [59.5, 62.0]])
    chart = render_chart(result)
    # Two bands and the legend's swatch.
    assert chart.count(f'fill="{PAUSE_SHADE}"') == 3
    assert chart.count(">heap snapshot<") == 1
    plain = render_chart(result_from(t, 100 + t / 60))
    assert PAUSE_SHADE not in plain and "heap snapshot" not in plain
    python = replace(result, heap_pauses=[[10.0, 12.5]], heap_allocations={"sites": []})
    assert ">memray attach<" in render_chart(python)
