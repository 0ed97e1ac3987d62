"""Bad input and lost machines, one sentence each, and nothing hangs."""

from __future__ import annotations

import os
import re
import signal
import socket
import time
from typing import Any

import psutil
import pytest
from distributed import LocalCluster

from cluster.conftest import identities, wait_gone
from perfgate.load.cluster import Cluster, open_cluster, shared
from perfgate.load.cluster.machines import DaskWorker, check_versions, place
from perfgate.load.cluster.relay import LOST_AFTER_S
from perfgate.load.coordinator import WorkerError
from perfgate.load.http import LoadConfig, run_load
from perfgate.load.stages import Stage


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_scheduler_is_named() -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(ConnectionError, match=f"^the Dask scheduler at {address} did not answer"):
        open_cluster(address, connect_timeout_s=1)


def test_a_scheduler_without_workers_says_how_to_start_one() -> None:
    with LocalCluster(
        n_workers=0, dashboard_address=None, processes=False, protocol="tcp"
    ) as empty:
        address = str(empty.scheduler_address)
        with pytest.raises(
            ConnectionError,
            match=re.escape(f"has no workers (waited 0.5 s): start `dask worker {address}`"),
        ):
            open_cluster(address, workers_wait_s=0.5)


def test_a_cluster_spec_that_is_no_address() -> None:
    with pytest.raises(ValueError, match=r"^cluster='10\.0\.0\.5': give 'local' or a Dask"):
        open_cluster("10.0.0.5")


def test_more_workers_than_the_clusters_cores(on_local: Cluster, shared_gateway: Any) -> None:
    config = LoadConfig(
        url=shared_gateway.url + "/api/echo",
        stages=[Stage(0, 6), Stage(1, 6)],
        workers=3,
        cluster="local",
    )
    with pytest.raises(
        ValueError, match=r"^workers=3 needs 3 cores but the cluster at .* offers 2"
    ):
        run_load(config)


def _worker(address: str, machine: str, slots: int = 1, **versions: str) -> DaskWorker:
    here = {"PerfGate": "0.1.0", "dask": "2026.8.0", "distributed": "2026.8.0", "Python": "3.11"}
    return DaskWorker(address, machine, slots, 1, {**here, **versions})


def test_a_version_that_differs_names_the_machine() -> None:
    here = _worker("tcp://a:1", "a").versions
    check_versions([_worker("tcp://a:1", "a")], here)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "the Dask worker tcp://b:1 on b runs PerfGate 0.2.0, this machine PerfGate 0.1.0: "
            "install the same versions on every machine."
        ),
    ):
        check_versions(
            [_worker("tcp://a:1", "a"), _worker("tcp://b:1", "b", PerfGate="0.2.0")], here
        )


def test_workers_are_spread_over_machines_first() -> None:
    a1, a2 = _worker("tcp://a:1", "a", 2), _worker("tcp://a:2", "a", 1)
    b1 = _worker("tcp://b:1", "b", 2)
    assert [w.address for w in place(4, [a1, a2, b1], "x")] == [
        "tcp://a:1",
        "tcp://b:1",
        "tcp://a:2",
        "tcp://b:1",
    ]


def test_a_machine_lost_mid_run_fails_the_run_naming_it(
    monkeypatch: pytest.MonkeyPatch, shared_gateway: Any
) -> None:
    # A cluster of its own: its Dask worker is killed (the Nanny starts another).
    with open_cluster("local", local_workers=2) as lost:
        monkeypatch.setattr(shared, "_open", {"local": lost})
        killed: list[tuple[int, float]] = []
        load: list[int] = []

        def kill_one(_: Any) -> None:
            if not killed:
                dask_pid = lost.local_pids()[0]
                killed.extend(identities([dask_pid]))
                load.extend(c.pid for c in psutil.Process(dask_pid).children())
                os.kill(dask_pid, signal.SIGKILL)

        config = LoadConfig(
            url=shared_gateway.url + "/api/echo",
            stages=[Stage(0, 2), Stage(60, 2)],
            workers=2,
            cluster="local",
        )
        began = time.monotonic()
        with pytest.raises(WorkerError, match=f"^load worker [12] on {socket.gethostname()} "):
            run_load(config, on_progress=kill_one, on_worker_started=load.append)
        assert time.monotonic() - began < LOST_AFTER_S + 10
        assert wait_gone(identities(load), timeout=10) == []
