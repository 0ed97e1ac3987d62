"""``heap_snapshots=True``: snapshots after the warm-up and at the end of a monitored run, their
comparison on the result and at the end of a LEAK's reason (issue 18)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from memory.heap_fixture import load, needs_node
from memory.results import result_from
from perfgate.memory.heap.tools import HeapTools
from perfgate.memory.heap.watch import HeapWatch
from perfgate.memory.leak import LEAK, LeakCriteria
from perfgate.memory.monitor import MemoryMonitor
from perfgate.memory.report import render_html, save_json
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
