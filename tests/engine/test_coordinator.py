"""The protocol-neutral pipeline once, with a fake protocol: the coordinator
(spawn, ready, collect, relay, fatal, stop, reap) and the per-second merge."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from perfgate.load.coordinator import WorkerError, run_to_result, run_workers
from perfgate.load.gatewaymemory import GatewayMemory, sampled
from perfgate.load.protocol import LoadProtocol, WorkerRun
from perfgate.load.seconds import SecondMerge, Snapshot


class TriggerFailed(Exception):
    pass


FAKE = LoadProtocol(
    worker_name="fake worker",
    worker_module="fake_worker",
    relayed=frozenset({"note"}),
    fatal=TriggerFailed,
)


class Seconds(SecondMerge[tuple[int, list[int]], list[Any]]):
    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self.got: dict[int, list[Any]] = {}

    def close_second(self, second: int, snaps: list[Snapshot]) -> tuple[int, list[int]]:
        for snap in snaps:
            self.got.setdefault(int(snap["worker"]), []).extend(snap["got"])
        return second, sorted(int(s["worker"]) for s in snaps)

    def result(self, base: dict[str, Any], stopped_early: bool) -> list[Any]:
        return [base, stopped_early]


@pytest.fixture(autouse=True)
def _fake_worker_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    here = str(Path(__file__).parent)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))
    )


def _run(plans: list[dict[str, Any]], on_progress: Any = None) -> tuple[bool, Seconds, list[Any]]:
    agg = Seconds(len(plans))
    ready: list[Any] = []
    run = WorkerRun(
        protocol=FAKE,
        plans=plans,
        aggregator=agg,
        finish_within_s=30.0,
        overdue="fake workers did not finish.",
        on_ready=ready.extend,
    )
    return run_workers(run, on_progress), agg, ready


def test_seconds_come_in_order_and_messages_reach_the_other_workers() -> None:
    seen: list[tuple[int, list[int]]] = []
    stopped, agg, ready = _run(
        [
            {"index": 0, "seconds": 3, "act": "relay"},
            {"index": 1, "seconds": 5, "act": "expect_note"},
        ],
        seen.append,
    )
    assert not stopped
    # Seconds 3 and 4 close with worker 1 alone: worker 0 sent its final snapshot earlier.
    assert seen == [(0, [0, 1]), (1, [0, 1]), (2, [0, 1]), (3, [1]), (4, [1])]
    assert agg.got == {0: [], 1: [("note", 0)]}
    assert [sorted(info) for info in ready] == [["fd_limit", "pid"]] * 2


def test_a_worker_that_dies_is_named() -> None:
    with pytest.raises(
        WorkerError, match=r"^fake worker 2 \(pid \d+\) exited unexpectedly with code 3\.$"
    ):
        _run([{"index": 0, "seconds": 3}, {"index": 1, "seconds": 3, "act": "crash"}])


def test_a_fatal_message_raises_the_protocol_error() -> None:
    with pytest.raises(TriggerFailed, match=re.escape("the publish trigger failed.")):
        _run([{"index": 0, "seconds": 3, "act": "fatal"}])


def test_the_progress_callback_stops_every_worker() -> None:
    seen: list[tuple[int, list[int]]] = []

    def stop_at_once(progress: tuple[int, list[int]]) -> str:
        seen.append(progress)
        return "stop"

    stopped, _, _ = _run([{"index": 0, "seconds": 500}, {"index": 1, "seconds": 500}], stop_at_once)
    assert stopped
    assert len(seen) < 100


def test_flush_closes_the_seconds_of_a_worker_that_sent_no_more() -> None:
    agg = Seconds(2)
    assert agg.add({"worker": 0, "second": 0, "final": False, "got": []}) == []
    assert agg.add({"worker": 0, "second": 1, "final": True, "got": []}) == []
    assert agg.flush() == [(0, [0]), (1, [0])]


def test_the_gateway_memory_counts_time_from_the_runs_start() -> None:
    """The gateway memory chart shares the run's time axis (issue 17): readings taken while
    the workers started (1.5 s here) are not seconds of the run; the last of them stands at 0."""
    agg = Seconds(1)

    def slow_start(_info: list[Any]) -> None:
        time.sleep(1.5)

    run = WorkerRun(FAKE, [{"index": 0, "seconds": 2}], agg, 30.0, "late.", on_ready=slow_start)
    memory = run_to_result(
        run,
        lambda _stopped, memory: memory(),
        None,
        None,
        cluster=None,
        on_partial=None,
        sampling=sampled(os.getpid(), 1.0),  # this process and its workers, every 0.25 s
    )
    assert isinstance(memory, GatewayMemory)
    # About 6 readings before the start, one of them kept; a run of 0.2 s after it.
    assert memory.t[0] == 0.0 and len(memory.t) <= 5, memory.t
    assert memory.t == sorted(memory.t) and memory.t[-1] < 1.0, memory.t
    assert len(memory.rss_mb) == len(memory.t)
