"""Nothing is left running: not at the end of a run, not after an exception,
not after SIGTERM or SIGKILL of the coordinator, on its own LocalCluster or
on a cluster someone else started. Processes are counted by the PIDs
recorded while they ran (with their start times, so a reused PID is not
mistaken for a survivor)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil
import pytest

from cluster.conftest import identities, load_workers_of, wait_gone
from perfgate.load.cluster import Cluster
from perfgate.load.cluster.relay import LIFELINE_S
from perfgate.load.http import LoadConfig, run_load
from perfgate.load.stages import Stage

COORDINATOR = str(Path(__file__).with_name("coordinator_proc.py"))


def _long(url: str) -> LoadConfig:
    return LoadConfig(
        url=url + "/api/echo", stages=[Stage(0, 2), Stage(60, 2)], workers=2, cluster="local"
    )


def test_a_run_ends_its_load_workers(on_local: Cluster, shared_gateway: Any) -> None:
    cluster = on_local
    seen: list[list[int]] = []
    short = LoadConfig(
        url=shared_gateway.url + "/api/echo",
        stages=[Stage(0, 2), Stage(1, 2)],
        workers=2,
        cluster="local",
    )
    run_load(short, on_progress=lambda _: seen.append(load_workers_of(cluster)))
    assert len(seen[0]) == 2
    # Gone when run_workers returns: each relay reaps its worker before its task ends.
    assert wait_gone(identities(seen[0]), timeout=0) == []


def test_an_exception_in_the_run_ends_its_load_workers(
    on_local: Cluster, shared_gateway: Any
) -> None:
    cluster = on_local
    seen: list[list[int]] = []

    def fail(_: Any) -> None:
        seen.append(load_workers_of(cluster))
        raise KeyboardInterrupt  # a BaseException, as Ctrl-C and Robot's timeouts are

    with pytest.raises(KeyboardInterrupt):
        run_load(_long(shared_gateway.url), on_progress=fail)
    assert len(seen[0]) == 2
    assert wait_gone(identities(seen[0]), timeout=0) == []


def _coordinator(spec: str, url: str) -> tuple[subprocess.Popen[str], dict[str, list[int]]]:
    proc = subprocess.Popen(
        [sys.executable, COORDINATOR, spec, url + "/api/echo"],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # bounded: the load runs, or the process fails
    if not line:
        proc.kill()
        proc.wait(10)
        pytest.fail(f"the coordinator ended with {proc.returncode} before its first second")
    return proc, json.loads(line)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_signalled_coordinator_leaves_nothing_of_its_local_cluster(
    sig: int, shared_gateway: Any
) -> None:
    proc, pids = _coordinator("local", shared_gateway.url)
    assert len(pids["dask"]) == 2 and len(pids["load"]) == 2
    # Everything under the coordinator too (multiprocessing's resource tracker, ...).
    tree = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    recorded = identities([proc.pid, *pids["dask"], *pids["load"], *tree])
    assert len(recorded) >= 5
    os.kill(proc.pid, sig)
    proc.wait(30)
    assert proc.returncode == (143 if sig == signal.SIGTERM else -signal.SIGKILL)
    assert wait_gone(recorded, timeout=10) == []


def test_a_killed_coordinator_leaves_no_load_worker_on_someone_elses_cluster(
    on_local: Cluster, shared_gateway: Any
) -> None:
    cluster = on_local
    # The test's cluster plays a cluster started by someone else: its Dask workers
    # stay; the relays hear no lifeline beat and end their load workers.
    proc, _ = _coordinator(cluster.address, shared_gateway.url)
    load = identities(load_workers_of(cluster))
    assert len(load) == 2
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert wait_gone(load, timeout=LIFELINE_S + 5) == []
    # The relays gave back their threads: the next run gets both Dask workers.
    short = LoadConfig(
        url=shared_gateway.url + "/api/echo",
        stages=[Stage(0, 2), Stage(1, 2)],
        workers=2,
        cluster="local",
    )
    assert run_load(short).requests > 0
