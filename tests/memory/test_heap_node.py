"""Heap snapshots, their comparison and allocation sites of a real Node.js gateway (issue 18).

The gateway of tests/fixtures/node-heap keeps one SessionRecord per request
for ever with --leak, and nothing without it. After a warm-up, a snapshot,
5,000 requests and a second snapshot, the comparison must name SessionRecord
as the top growth (+5,000 objects exactly), and the allocation tracking the
fixture's function that made them; the control must name nothing above
noise. About 10 s per gateway.
"""

from __future__ import annotations

import json
from pathlib import Path

from memory.heap_fixture import FIXTURE, function_line, load, needs_node
from perfgate.memory.heap.tools import HeapTools

pytestmark = needs_node
WARM_UP = 2000
REQUESTS = 5000


def test_the_leaking_class_is_the_top_growth(start_node, heap_tools: HeapTools) -> None:
    gateway = start_node("--leak")
    assert gateway.inspector_url and gateway.inspector_url.startswith("ws://127.0.0.1:")
    load(gateway, WARM_UP)
    before = heap_tools.snapshot(gateway, 60)
    load(gateway, REQUESTS)
    after = heap_tools.snapshot(gateway, 60)
    comparison = heap_tools.compare(before, after, 64 * 1024, 100)
    print(before.describe(), after.describe(), comparison.summary(), sep="\n")
    assert comparison.top is not None and comparison.top.name == "SessionRecord"
    assert (comparison.top.new, comparison.top.deleted) == (REQUESTS, 0)
    assert after.count("SessionRecord") == WARM_UP + REQUESTS
    assert comparison.summary().startswith("mostly SessionRecord (+5,000 objects, +")
    # The file is whole and alone: JSON that DevTools loads, no temporary file left.
    assert json.loads(Path(after.path).read_text())["snapshot"]["node_count"] == after.objects
    assert sorted(p.suffix for p in Path(after.path).parent.glob(".*")) == []
    assert after.took_s > 0 and after.pause_s is not None and 0 < after.pause_s <= after.took_s


def test_the_control_names_nothing_above_noise(start_node, heap_tools: HeapTools) -> None:
    gateway = start_node()
    load(gateway, WARM_UP)
    before = heap_tools.snapshot(gateway, 60)
    load(gateway, REQUESTS)
    after = heap_tools.snapshot(gateway, 60)
    comparison = heap_tools.compare(before, after, 64 * 1024, 100)
    print(comparison.summary(), *comparison.rows[:5], sep="\n")
    assert comparison.growing == [] and comparison.top is None
    assert comparison.summary().startswith("no class grew above noise")
    assert comparison.row("SessionRecord").delta == 0


def test_allocation_tracking_names_the_leaking_function(start_node, heap_tools: HeapTools) -> None:
    gateway = start_node("--leak")
    load(gateway, WARM_UP)
    heap_tools.start_tracking(gateway, 4096, "leak")
    load(gateway, REQUESTS)
    profile = heap_tools.stop_tracking("leak", 30)
    print(*[site.describe() for site in profile.sites[:5]], sep="\n")
    top = profile.top
    assert top is not None and top.file == str(FIXTURE)
    # `handle` makes each SessionRecord and keeps it; the constructor allocates its key.
    assert (top.function, top.line) == ("handle", function_line("handle"))
    assert profile.sites[0] == top


def test_snapshots_of_different_sessions_are_not_compared(
    start_node, heap_tools: HeapTools
) -> None:
    gateway = start_node()
    before = heap_tools.snapshot(gateway, 60)
    heap_tools.close_all()  # V8 numbers objects afresh in the next session
    after = heap_tools.snapshot(gateway, 60)
    try:
        heap_tools.compare(before, after, 64 * 1024, 100)
    except ValueError as exc:
        assert "different inspector sessions" in str(exc)
    else:
        raise AssertionError("snapshots of two sessions were compared")
