"""What the keyword phase adds, on the LocalCluster of two Dask worker processes:
a run planned with `cluster="local"` (as `Run Load Profile ... cluster=local`
plans it) takes the cluster's slots as its default workers and says where they
ran, in the result, its JSON and its table; `abort_on_fail` stops every worker
within a second of the breach; a WebSocket broadcast and an SSE run with
published events keep every event and its latency."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from perfgate.load.cluster import Cluster
from perfgate.load.cluster.crew import ClusterCrew
from perfgate.load.http.plan import plan_run
from perfgate.load.http.report import render_table
from perfgate.load.http.result import LoadResult
from perfgate.load.http.runner import execute
from perfgate.load.sse import SseLoadConfig, run_event_stream_load
from perfgate.load.ws import WsLoadConfig, run_websocket_load


def test_a_run_planned_on_the_cluster_says_where_it_ran(
    on_local: Cluster, shared_gateway: Any, tmp_path: Any
) -> None:
    plan = plan_run("smoke", shared_gateway.url + "/api/echo", clients=4, duration="2 s",
                    warmup="0 s", cluster="local")  # fmt: skip
    assert plan.config.cluster == "local" and plan.config.workers is None
    outcome = execute(plan, directory=tmp_path)
    result = outcome.result
    assert result.workers == 2  # no workers=: the cluster's two slots
    assert result.cluster is on_local.last_run and result.errors == 0
    assert result.cluster.machines() == {socket.gethostname(): [1, 2]}
    saved = LoadResult.from_dict(result.to_dict())
    assert saved.cluster == result.cluster
    assert result.to_dict()["cluster"]["machines"] == {socket.gethostname(): [1, 2]}
    table = render_table(result, plan, outcome.verdict)
    assert f"Machines</th><td>{socket.gethostname()}: workers 1, 2 (clocks within" in table


def test_abort_on_fail_stops_every_worker_within_a_second_of_the_breach(
    on_local: Cluster, shared_gateway: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[float] = []
    ended: list[float] = []
    tell, close = ClusterCrew.tell_running, ClusterCrew.close

    def telling(crew: ClusterCrew, msg: tuple[Any, ...], *, but: int | None = None) -> None:
        if msg == ("stop",):
            told.append(time.monotonic())
        tell(crew, msg, but=but)

    def closing(crew: ClusterCrew) -> None:
        # Called once every worker sent its last second: the run is over everywhere.
        ended.append(time.monotonic())
        close(crew)

    monkeypatch.setattr(ClusterCrew, "tell_running", telling)
    monkeypatch.setattr(ClusterCrew, "close", closing)
    plan = plan_run("smoke", shared_gateway.url + "/api/echo", clients=4, duration="60 s",
                    warmup="0 s", thresholds="p50 < 0.001 ms", abort_on_fail=True,
                    workers=2, cluster="local")  # fmt: skip
    outcome = execute(plan, directory=tmp_path)
    assert outcome.result.stopped_early and outcome.verdict.failed
    assert len(told) == 1 and len(ended) == 1
    print(f"from the stop to every worker's last second: {ended[0] - told[0]:.2f} s")
    assert ended[0] - told[0] < 1.0, f"the workers took {ended[0] - told[0]:.2f} s to stop"
    assert outcome.result.duration_s < 10


def test_a_websocket_broadcast_on_the_cluster_keeps_every_event(
    on_local: Cluster, shared_gateway: Any
) -> None:
    config = WsLoadConfig(url=shared_gateway.ws_url, connections=8, event_rate=100.0,
                          duration_s=2.0, warmup_s=0.5, ramp_per_s=200.0, workers=2,
                          cluster="local")  # fmt: skip
    result = run_websocket_load(config)
    assert result.workers == 2 and result.cluster is on_local.last_run
    assert result.events_lost == 0 and result.events_received == result.events_expected > 0
    # One machine, one monotonic clock: the publisher's stamps are read as they are.
    assert all(w.stamp_shift_s == 0 for w in result.cluster.workers)
    assert result.latency_samples > 0 and 0 < result.event_latency_p50 < 1000
    assert result.to_dict()["cluster"]["suspect"] is False


def test_events_published_to_sse_streams_on_the_cluster_are_all_counted(
    on_local: Cluster, shared_gateway: Any
) -> None:
    config = SseLoadConfig(url=shared_gateway.url + "/sse/{channel}", connections=6,
                           event_rate=50.0, publish_url=shared_gateway.url + "/api/events/{channel}",
                           duration_s=2.5, warmup_s=0.5, timeout_s=5.0, workers=2,
                           cluster="local")  # fmt: skip
    result = run_event_stream_load(config)
    assert result.workers == 2 and result.cluster is on_local.last_run
    assert result.events_sent >= 80 and result.publish_errors == 0
    assert result.events_lost == 0 and result.events_received == result.events_expected
    assert result.latency_samples > 0 and result.time_format == "perfgate"
