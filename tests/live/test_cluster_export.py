"""Runs on a LocalCluster whose two Dask workers say they are two machines, exported to
a real Prometheus: the generator's CPU and its requests (events) carry the machine that
ran those load workers and sum over machines to the run's totals; the run-wide series
keep the coordinator's host."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from perfgate.live.settings import LiveSettings
from perfgate.load.cluster import Cluster, open_cluster, shared
from perfgate.load.http.plan import plan_run
from perfgate.load.http.runner import execute
from perfgate.load.ws import WsLoadConfig
from perfgate.load.ws.runner import execute as execute_ws

HERE = socket.gethostname()
MACHINES = ("perfgate-machine-a", "perfgate-machine-b")


@pytest.fixture(scope="module")
def two_machines() -> Iterator[Cluster]:
    """Two one-thread Dask worker processes, each answering another host name (what
    `perfgate.load.cluster.machines.describe` reports as its machine)."""

    def pretend(name: str) -> None:  # runs in the Dask worker (pickled by value)
        import socket as here

        here.gethostname = lambda: name

    with open_cluster("local", local_workers=2) as cluster:
        addresses = sorted(cluster.client.scheduler_info()["workers"])
        for address, name in zip(addresses, MACHINES, strict=True):
            cluster.client.run(pretend, name, workers=[address])
        yield cluster


@pytest.fixture
def on_two_machines(two_machines: Cluster, monkeypatch: pytest.MonkeyPatch) -> Cluster:
    """That cluster as the process's open one for `cluster="local"`, never closed by a test."""
    monkeypatch.setattr(shared, "_open", {"local": two_machines})
    return two_machines


# No load worker may outlive its run (tests/conftest.py); the gateways are their
# fixture's, the Dask workers the module's.
pytestmark = pytest.mark.usefixtures("no_leftover_workers")
leftover_marker = pytest.fixture(lambda: "perfgate.load.", name="leftover_marker")


def _live(prometheus: Any, tmp_path: Any) -> tuple[str, LiveSettings]:
    """Settings as Robot's runtime gives them, this host the coordinator's `machine`."""
    run = uuid.uuid4().hex[:10]
    labels = {"run": run, "test": "Cluster export", "machine": HERE}
    return run, LiveSettings(prometheus.write_url, labels, tmp_path / "live")


def _by_machine(prometheus: Any, expr: str) -> dict[str, float]:
    return {r["metric"].get("machine", ""): float(r["value"][1]) for r in prometheus.query(expr)}


def test_an_http_runs_cpu_and_requests_by_the_machine_that_sent_them(
    on_two_machines: Cluster, shared_gateway: Any, prometheus: Any, tmp_path: Any
) -> None:
    run, live = _live(prometheus, tmp_path)
    plan = plan_run("constant", shared_gateway.url + "/api/echo", clients=4, duration="3 s",
                    warmup="1 s", workers=2, cluster="local")  # fmt: skip
    result = execute(plan, directory=tmp_path, live=live).result
    assert result.cluster is not None and result.errors == 0
    placed = result.cluster.machines()
    assert sorted(placed) == sorted(MACHINES)  # one load worker on each "machine"
    sel = f'run="{run}"'
    requests = _by_machine(prometheus, f"perfgate_generator_requests_total{{{sel}}}")
    assert set(requests) == set(MACHINES) and min(requests.values()) > 0
    assert sum(requests.values()) == result.requests
    cpu = _by_machine(prometheus, f"perfgate_generator_cpu_seconds_total{{{sel}}}")
    assert set(cpu) == set(MACHINES)
    for machine, (worker,) in placed.items():
        # The result's CPU % of that worker over the measured period, as seconds.
        expected = result.health.cpu_percent[worker - 1] / 100 * result.duration_s
        assert cpu[machine] > 0
        assert cpu[machine] == pytest.approx(expected, rel=0.05, abs=0.02), (cpu, expected)
    overall = prometheus.query(f"perfgate_http_requests_total{{{sel}}}")
    assert {r["metric"]["machine"] for r in overall} == {HERE}
    assert sum(float(r["value"][1]) for r in overall) == result.requests


def test_a_websocket_runs_events_by_the_machine_that_received_them(
    on_two_machines: Cluster, shared_gateway: Any, prometheus: Any, tmp_path: Any
) -> None:
    run, live = _live(prometheus, tmp_path)
    config = WsLoadConfig(url=shared_gateway.ws_url, connections=8, event_rate=100.0,
                          duration_s=2.0, warmup_s=0.5, ramp_per_s=200.0, workers=2,
                          mode="broadcast", cluster="local")  # fmt: skip
    result = execute_ws(config, [], directory=tmp_path, live=live).result
    assert result.cluster is not None and sorted(result.cluster.machines()) == sorted(MACHINES)
    sel = f'run="{run}"'
    events = _by_machine(prometheus, f"perfgate_generator_events_received_total{{{sel}}}")
    assert set(events) == set(MACHINES) and min(events.values()) > 0
    received = prometheus.query(f"perfgate_events_received_total{{{sel}}}")
    assert [r["metric"]["machine"] for r in received] == [HERE]
    assert sum(events.values()) == float(received[0]["value"][1]) > 0
    cpu = _by_machine(prometheus, f"perfgate_generator_cpu_seconds_total{{{sel}}}")
    assert set(cpu) == set(MACHINES) and min(cpu.values()) > 0


def test_a_run_here_sends_the_generators_series_with_this_host(
    shared_gateway: Any, prometheus: Any, tmp_path: Any
) -> None:
    run, live = _live(prometheus, tmp_path)
    plan = plan_run("constant", shared_gateway.url + "/api/echo", clients=2, duration="2 s",
                    warmup="0 s", workers=2, cluster="none")  # fmt: skip
    result = execute(plan, directory=tmp_path, live=live).result
    assert result.cluster is None
    sel = f'run="{run}"'
    requests = _by_machine(prometheus, f"perfgate_generator_requests_total{{{sel}}}")
    assert requests == {HERE: result.requests}
    assert set(_by_machine(prometheus, f"perfgate_generator_cpu_seconds_total{{{sel}}}")) == {HERE}
