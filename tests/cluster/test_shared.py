"""The keyword phase without Dask: which cluster a run goes to, one open cluster a
process, what a result says about the machines, and send stamps across machines."""

from __future__ import annotations

import math
from typing import Any

import pytest

from perfgate.load.cluster import ClusterRun, PlacedWorker, shared
from perfgate.load.cluster.clock import ClockOffset
from perfgate.load.cluster.crew import ClusterCrew, _with_stamp_shift
from perfgate.load.cluster.machines import DaskWorker
from perfgate.load.cluster.record import attach
from perfgate.load.events.recorder import EventRecorder
from perfgate.load.events.workerplan import WorkerPlan
from perfgate.load.http.result import GeneratorHealth, LoadResult
from perfgate.load.sse.config import SseLoadConfig


@pytest.fixture(autouse=True)
def _no_open_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared, "_open", {})
    monkeypatch.setattr(shared, "_default", None)
    monkeypatch.delenv("PERFGATE_CLUSTER", raising=False)


def test_the_keyword_wins_then_the_import_argument_then_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert shared.resolve(None) is None
    monkeypatch.setenv("PERFGATE_CLUSTER", "tcp://10.0.0.5:8786")
    assert shared.resolve(None) == "tcp://10.0.0.5:8786"
    shared.set_default(" local ")
    assert shared.resolve("") == "local"
    assert shared.resolve("tcp://h:1") == "tcp://h:1"
    # "none" runs on this machine whatever the run-wide default says.
    assert shared.resolve("None") is None


class _FakeCluster:
    def __init__(self, spec: str) -> None:
        self.spec, self.closed = spec, 0

    def close(self) -> None:
        self.closed += 1


def test_one_open_cluster_a_process(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[_FakeCluster] = []

    def fake_open(spec: str, **_: Any) -> _FakeCluster:
        opened.append(_FakeCluster(spec))
        return opened[-1]

    monkeypatch.setattr("perfgate.load.cluster.session.open_cluster", fake_open)
    assert shared.cluster_for(None) is None
    first = shared.cluster_for("LOCAL")
    assert shared.cluster_for("local") is first  # warm: opened once
    other = shared.cluster_for("tcp://h:1")
    assert [c.spec for c in opened] == ["local", "tcp://h:1"]
    assert opened[0].closed == 1 and other is opened[1]  # the first closed before the next
    shared.close_clusters()
    assert opened[1].closed == 1 and shared._open == {}


def _run(*machines: str, error_s: float = 0.001) -> ClusterRun:
    run = ClusterRun(scheduler="tcp://s:8786")
    for i, machine in enumerate(machines):
        run.workers.append(PlacedWorker(i, machine, f"tcp://{machine}:1", 100 + i, 0.0, error_s))
    return run


def _result() -> LoadResult:
    return LoadResult(url="u", model="closed", profile="p", stages=[], warmup_s=0,
                      duration_s=1, workers=2, health=GeneratorHealth(cpu_percent=[50, 97],
                      warnings=["load generator CPU-bound (worker 2 at 97% CPU)"]))  # fmt: skip


def test_a_result_names_the_machine_of_a_busy_worker_and_says_where_each_ran() -> None:
    result = _result()
    attach(result, _run("host-a", "host-b"), result.health.cpu_percent)
    assert result.warnings == ["load generator CPU-bound (worker 2 on host-b at 97% CPU)"]
    assert result.cluster is not None and not result.cluster.suspect
    assert result.cluster.machines_text() == (
        "host-a: worker 1; host-b: worker 2 (clocks within 1.0 ms)"
    )
    saved = result.to_dict()["cluster"]
    assert saved["machines"] == {"host-a": [1], "host-b": [2]} and saved["suspect"] is False
    again = LoadResult.from_dict(result.to_dict())
    assert again.cluster == result.cluster
    assert again.cluster is not None and again.cluster["workers"][1].machine == "host-b"
    # A result of a run on this machine (and a file saved before clusters) has none.
    assert LoadResult.from_dict(_result().to_dict()).cluster is None


def test_clocks_known_too_poorly_make_the_result_suspect_naming_the_machine() -> None:
    result = _result()
    run = _run("host-a", "host-b")
    run.workers[1].clock_error_s = 0.025
    attach(result, run, result.health.cpu_percent)
    assert result.suspect
    assert result.warnings[-1] == (
        "the clock of host-b was known only within 25.0 ms of this machine's (bound 10 ms): "
        "per-second rows of different machines may be merged across seconds."
    )


def _crew(slots: list[DaskWorker], offsets_ns: dict[str, int]) -> ClusterCrew:
    crew = ClusterCrew.__new__(ClusterCrew)  # only its placement and clocks
    crew.slots = slots
    crew.clocks = {a: ClockOffset(o, 500_000, 1_000_000) for a, o in offsets_ns.items()}
    return crew


def test_send_stamps_are_moved_onto_the_clock_of_another_machine() -> None:
    a, a2, b = (DaskWorker(f"tcp://{m}", m[0], 1, 1, {}) for m in ("a:1", "a:2", "b:1"))
    crew = _crew([a, b, a2], {"tcp://a:1": 5_000, "tcp://a:2": 7_000, "tcp://b:1": 9_000_000})
    # The publisher is worker 0, on machine a: a's other Dask worker has a's clock exactly.
    assert [crew._stamp_shift_ns(w) for w in crew.slots] == [0, 8_995_000, 0]
    plan = WorkerPlan(SseLoadConfig(url="http://x/sse", warmup_s=0), "c", 1, 3)
    moved = _with_stamp_shift(plan, 8_995_000)
    assert moved.stamp_shift_ns == 8_995_000 and plan.stamp_shift_ns == 0
    assert _with_stamp_shift("an HTTP plan", 5) == "an HTTP plan"
    # Sent at the coordinator's 1 ms (a's clock: 1 ms + 5 us), received 1 us later on b
    # (b's clock: 1.001 ms + 9 ms): a latency of 1 us, not of 9 ms.
    rec = moved.recorder(0)
    rec.stamp(1_005_000, 10_001_000)
    assert list(rec.latency) == [1_000]


def test_a_recorder_without_a_shift_reads_stamps_as_before() -> None:
    rec = EventRecorder(0, 0)
    rec.stamp(2_000, 5_000)
    assert list(rec.latency) == [3_000] and rec.stamp_shift_ns == 0
    assert math.isclose(_run("a").clock_error_s, 0.001)
