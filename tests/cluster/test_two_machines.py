"""The real multi-host path with three "machines" on this one: a `dask scheduler`
on 127.0.0.1, a plain `dask worker` (this machine, two threads) and two more
`dask worker`s each in a time and UTS namespace of its own (`unshare --time
--monotonic N --uts`): machine-b, whose monotonic clock is 1000 s ahead of this
machine's, and machine-c, 1000 s behind. Every process a Dask worker starts
(its worker process, the load workers) inherits both namespaces, so a load
worker on machine-b reads another clock and reports another host name, as on
another machine. The network is still this machine's loopback.

Runs go through `cluster="tcp://127.0.0.1:PORT"` as `Run Load Profile ...
cluster=...` does, and check what one machine cannot: the measured offsets are
the namespaces' (within their stated error), per-second rows of workers whose
clocks are 2000 s apart merge into the run's seconds, the open model's
schedule holds, and event latencies between machines are corrected by the
offsets (milliseconds, not 1000 s).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from cluster.conftest import identities, requests_counted, stop_groups, wait_gone
from perfgate.gateway.ports import free_port
from perfgate.load.cluster import Cluster, shared
from perfgate.load.cluster.record import ClusterRun
from perfgate.load.http import LoadConfig, run_load
from perfgate.load.stages import Stage
from perfgate.load.ws import WsLoadConfig, run_websocket_load

pytestmark = pytest.mark.timeout(240)

ROUTE = "/api/echo"
DASK = str(Path(sys.executable).with_name("dask"))
# Host name -> its monotonic clock minus this machine's, in seconds.
OTHERS = {"machine-b": 1000, "machine-c": -1000}
HERE = socket.gethostname()


def _unshare_refused() -> str | None:
    """Why this machine cannot give a process another clock and host name (None: it can)."""
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    try:
        done = subprocess.run(
            ["unshare", "--time", "--monotonic", "1", "--uts", "true"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare failed: {exc}"
    if done.returncode != 0:
        return f"unshare --time --uts is not permitted here: {done.stderr.strip()}"
    return None


def _worker_command(address: str, threads: int, machine: str | None) -> list[str]:
    worker = [DASK, "worker", address, "--nthreads", str(threads), "--nworkers", "1",
              "--no-dashboard", "--host", "127.0.0.1"]  # fmt: skip
    if machine is None:
        return worker
    offset = str(OTHERS[machine])
    # sh sets the host name inside the new UTS namespace, then becomes the Dask worker.
    return ["unshare", "--time", "--monotonic", offset, "--uts",
            "sh", "-c", 'hostname "$0" && exec "$@"', machine, *worker]  # fmt: skip


def _tree(procs: list[subprocess.Popen[bytes]]) -> list[tuple[int, float]]:
    pids = [p.pid for p in procs]
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            pids += [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    return identities(pids)


@pytest.fixture(scope="module")
def machines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The scheduler's address once this machine's worker and machine-b's and machine-c's
    have joined; at the end every process started here, namespaced ones included, is gone."""
    refused = _unshare_refused()
    if refused:
        pytest.skip(refused)
    address = f"tcp://127.0.0.1:{free_port()}"
    log = tmp_path_factory.mktemp("two-machines")
    commands = [
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
         "--no-dashboard"],
        _worker_command(address, 2, None),
        *(_worker_command(address, 1, machine) for machine in OTHERS),
    ]  # fmt: skip
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i, command in enumerate(commands):
            with open(log / f"{i}.log", "wb") as out:
                procs.append(
                    subprocess.Popen(command, stdout=out, stderr=out, start_new_session=True)
                )
        _wait_for_workers(address, 1 + len(OTHERS), log)
        started = _tree(procs)
        # The scheduler, and each machine's Dask worker: its nanny and the worker process.
        assert len(started) >= 1 + 2 * (1 + len(OTHERS)), started
        yield address
    finally:
        shared.close_clusters()
        stop_groups(procs, term_wait_s=15)
    assert wait_gone(started, timeout=10) == [], "a Dask process outlived its group's KILL"


def _wait_for_workers(address: str, n: int, log: Path, timeout_s: float = 90) -> None:
    from distributed import Client

    with Client(address, timeout=30, set_as_default=False) as client:
        try:
            client.wait_for_workers(n, timeout=timeout_s)
        except TimeoutError:
            logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(log.iterdir()))
            pytest.fail(f"{n} Dask workers did not join {address} within {timeout_s} s:\n{logs}")


def _open(address: str) -> Cluster:
    cluster = shared.cluster_for(address)
    assert cluster is not None
    return cluster


class LoadWorkers:
    """The run's load workers by PID and start time, read while they run (an `on_progress`)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.seen: dict[int, tuple[int, float]] = {}
        self.namespaces: dict[int, tuple[str, str]] = {}

    def __call__(self, _: Any) -> None:
        run = self.cluster.last_run
        for w in [] if run is None else run.workers:
            if w.pid and w.index not in self.seen:
                for pid, created in identities([w.pid]):
                    with contextlib.suppress(OSError):  # gone meanwhile: not seen
                        self.namespaces[w.index] = _namespaces(pid)
                        self.seen[w.index] = (pid, created)

    def assert_gone(self, n: int) -> None:
        assert len(self.seen) == n, f"load workers seen running: {self.seen}"
        # Gone when the run returns: each relay reaps its load worker before its task ends.
        assert wait_gone(list(self.seen.values()), timeout=1) == []


def _namespaces(pid: int) -> tuple[str, str]:
    """The time and UTS namespaces of a running process (an OSError if it is gone, so that
    a worker not read never passes for one in another machine's namespaces)."""
    return os.readlink(f"/proc/{pid}/ns/time"), os.readlink(f"/proc/{pid}/ns/uts")


def _assert_clocks(run: ClusterRun, workers: LoadWorkers) -> None:
    """Each worker's measured offset is its machine's namespace offset, within its error."""
    ours = _namespaces(os.getpid())
    for w in run.workers:
        true_offset = OTHERS.get(w.machine, 0)
        assert abs(w.clock_offset_s - true_offset) <= w.clock_error_s, w
        # The load worker really ran in its machine's clock and name (or in ours).
        assert (workers.namespaces[w.index] == ours) == (w.machine == HERE), w
    assert not run.suspect and run.warnings() == []


def test_workers_spread_over_the_machines_and_their_clocks_are_measured(
    machines: str, shared_gateway: Any
) -> None:
    cluster = _open(machines)
    assert {w.machine for w in cluster.dask_workers()} == {HERE, *OTHERS}
    workers = LoadWorkers(cluster)
    before = requests_counted(shared_gateway.url, ROUTE)
    config = LoadConfig(url=shared_gateway.url + ROUTE, stages=[Stage(0, 6), Stage(3, 6)],
                        workers=3, cluster=machines)  # fmt: skip
    result = run_load(config, on_progress=workers)
    run = result.cluster
    assert run is cluster.last_run and run is not None
    # This machine has two slots, the others one: one load worker on each machine.
    assert sorted(map(len, run.machines().values())) == [1, 1, 1]
    assert set(run.machines()) == {HERE, *OTHERS}
    _assert_clocks(run, workers)
    assert not result.suspect, result.warnings
    assert result.errors == 0 and result.requests > 100
    assert requests_counted(shared_gateway.url, ROUTE) - before == result.requests
    # Rows of clocks 2000 s apart merged into the run's three seconds, none doubled.
    measured = [row for row in result.timeline if not row.warmup]
    assert [round(row.t) for row in measured] == [0, 1, 2], [r.t for r in result.timeline]
    assert sum(row.requests for row in measured) == result.requests
    workers.assert_gone(3)


def test_two_load_workers_go_to_two_machines(machines: str, shared_gateway: Any) -> None:
    cluster = _open(machines)
    workers = LoadWorkers(cluster)
    config = LoadConfig(url=shared_gateway.url + ROUTE, stages=[Stage(0, 4), Stage(1, 4)],
                        workers=2, cluster=machines)  # fmt: skip
    result = run_load(config, on_progress=workers)
    assert result.cluster is not None
    assert sorted(map(len, result.cluster.machines().values())) == [1, 1]
    workers.assert_gone(2)


def test_open_model_keeps_its_schedule_across_machines(machines: str, shared_gateway: Any) -> None:
    cluster = _open(machines)
    workers = LoadWorkers(cluster)
    before = requests_counted(shared_gateway.url, ROUTE)
    config = LoadConfig(url=shared_gateway.url + ROUTE, stages=[Stage(0, 150), Stage(3, 150)],
                        model="open", workers=3, cluster=machines)  # fmt: skip
    result = run_load(config, on_progress=workers)
    assert result.cluster is not None and set(result.cluster.machines()) == {HERE, *OTHERS}
    # The union of three machines' schedules is the planned one: 450 arrivals in 3 s.
    assert result.health.intended == 450
    assert result.health.missed == 0
    assert abs(result.rps - 150) <= 1.5
    assert requests_counted(shared_gateway.url, ROUTE) - before == result.requests
    workers.assert_gone(3)


def test_event_latency_between_machines_is_corrected_by_the_offsets(
    machines: str, shared_gateway: Any
) -> None:
    cluster = _open(machines)
    workers = LoadWorkers(cluster)
    config = WsLoadConfig(url=shared_gateway.ws_url, connections=9, event_rate=50.0,
                          duration_s=3.0, warmup_s=0.5, ramp_per_s=200.0, workers=3,
                          cluster=machines)  # fmt: skip
    result = run_websocket_load(config, on_progress=workers)
    run = result.cluster
    assert run is not None and set(run.machines()) == {HERE, *OTHERS}
    _assert_clocks(run, workers)
    # The publisher is load worker 1; every other machine reads its stamps shifted by
    # the difference of the two clocks (up to 2000 s here), this one by exactly 0.
    publisher = next(w for w in run.workers if w.index == 0)
    for w in run.workers:
        expected = OTHERS.get(w.machine, 0) - OTHERS.get(publisher.machine, 0)
        assert abs(w.stamp_shift_s - expected) <= w.clock_error_s + publisher.clock_error_s
        assert (w.stamp_shift_s == 0) == (w.machine == publisher.machine)
    assert result.events_lost == 0 and result.events_received == result.events_expected > 0
    assert result.latency_samples > 0 and result.stamps_rejected == 0
    print(f"event latency across machines: p50 {result.event_latency_p50:.2f} ms, "
          f"p99 {result.event_latency_p99:.2f} ms; clocks within "
          f"{run.clock_error_s * 1000:.2f} ms")  # fmt: skip
    # Milliseconds, not the ~1000 s an uncorrected stamp from another clock would give.
    assert 0 < result.event_latency_p50 < 250, result.event_latency_p50
    assert 0 < result.event_latency_p99 < 1000, result.event_latency_p99
    assert any("moved onto each other machine's clock" in note for note in result.notes)
    assert not result.suspect, result.warnings
    workers.assert_gone(3)
