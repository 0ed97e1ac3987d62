"""A LocalCluster of two one-thread Dask worker processes for the module's
runs, and what the tests read: a reference gateway's own request counters,
and processes by the PIDs recorded."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from perfgate.load.cluster import Cluster, open_cluster, shared
from perfgate.procs.proctree import Identity, signal_group

ENGINE_TESTS = str(Path(__file__).resolve().parents[1] / "engine")


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    # Dask worker processes take the environment they start with: the fake
    # worker of tests/engine must be importable by the load workers they spawn.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [ENGINE_TESTS, os.environ.get("PYTHONPATH")])
    )
    with open_cluster("local", local_workers=2) as c:
        yield c


@pytest.fixture(autouse=True)
def _leaves_no_process(no_leftover_workers: None) -> None:
    """Every test leaves no new child process behind (tests/conftest.py)."""


@pytest.fixture
def on_local(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> Cluster:
    """The session's LocalCluster as the process's open cluster for `cluster="local"`
    (`perfgate.load.cluster.shared`), so that a run does not start one of its own;
    taken back after the test, never closed by it."""
    monkeypatch.setattr(shared, "_open", {"local": cluster})
    return cluster


def requests_counted(url: str, route: str) -> int:
    """The gateway's own count of GET `route` answered 200 (GET /metrics)."""
    text = requests.get(url + "/metrics", timeout=5).text
    name = f'perfgate_gateway_requests_total{{method="GET",route="{route}",status="200"}}'
    for line in text.splitlines():
        if line.startswith(name + " "):
            return int(float(line.rsplit(" ", 1)[1]))
    return 0


def gone(pid: int, created: float) -> bool:
    """True when the process `pid` that started at `created` no longer runs."""
    try:
        proc = psutil.Process(pid)
        return proc.create_time() != created or proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def identities(pids: list[int]) -> list[tuple[int, float]]:
    out = []
    for pid in pids:
        try:
            out.append((pid, psutil.Process(pid).create_time()))
        except psutil.NoSuchProcess:
            continue
    return out


def wait_gone(procs: list[tuple[int, float]], timeout: float) -> list[int]:
    """Wait until every process is gone; the PIDs still running after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        left = [pid for pid, created in procs if not gone(pid, created)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def load_workers_of(cluster: Cluster) -> list[int]:
    """The processes our LocalCluster's Dask workers started: the load workers
    (a Dask worker process of a LocalCluster starts nothing else)."""
    return [c.pid for pid in cluster.local_pids() for c in psutil.Process(pid).children()]


def stop_groups(procs: list[subprocess.Popen[bytes]], term_wait_s: float = 10.0) -> None:
    """Stop processes each started in a session of its own, with everything in their groups:
    TERM to every group, then KILL to each group once its leader has exited (or after
    `term_wait_s`) but before the leader is reaped. Until then the leader's PID, the
    group's id, cannot be reused, so the KILL reaches only ours, and a member that
    outlived its leader (a nanny's worker) goes too."""
    for proc in procs:
        signal_group(Identity(proc.pid, 0), signal.SIGTERM, leader_is_ours=proc.returncode is None)
    deadline = time.monotonic() + term_wait_s
    for proc in procs:
        if proc.returncode is not None:
            continue  # reaped already: its group id may be someone else's now
        while time.monotonic() < deadline and not _exited(proc.pid):
            time.sleep(0.05)
        signal_group(Identity(proc.pid, 0), signal.SIGKILL, leader_is_ours=True)
        proc.wait(5)


def _exited(pid: int) -> bool:
    """True once our child `pid` has exited, leaving it unreaped (WNOWAIT)."""
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
