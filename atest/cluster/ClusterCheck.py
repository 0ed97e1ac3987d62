"""Helpers for the cluster acceptance tests: the gateway's own request count, a Dask
scheduler and worker on 127.0.0.1 playing "someone else's cluster", the runs the
pabot suites recorded, and the processes of a robot run on its LocalCluster recorded by
PID and start time (so that a reused PID is not taken for a survivor).

The scheduler and its worker are started in their own session (killed as a group,
never by name) and carry the run's marker, so that the test of leftovers sees them.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil
from robot.api import logger

from perfgate.gateway.ports import free_port

_started: list[subprocess.Popen[bytes]] = []
_RUNS_WAIT = timedelta(seconds=60)


def gateway_request_count(gateway: Any, route: str) -> int:
    """The reference gateway's own count of GET ``route`` answered 200 (its /metrics)."""
    with urllib.request.urlopen(f"{gateway.url}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    name = f'perfgate_gateway_requests_total{{method="GET",route="{route}",status="200"}}'
    for line in text.splitlines():
        if line.startswith(name + " "):
            return int(float(line.rsplit(" ", 1)[1]))
    return 0


def start_dask_scheduler_and_worker(threads: int = 2, timeout: float = 60.0) -> str:
    """Starts ``dask scheduler`` and one ``dask worker`` (``threads`` load slots) on
    127.0.0.1 and returns the scheduler's address once the worker has joined. Called
    again, it starts another pair (another cluster); the stop keyword ends them all."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    pair = [
        _spawn(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]),
        _spawn(["worker", address, "--nthreads", str(threads), "--nworkers", "1",
                "--no-dashboard", "--host", "127.0.0.1"]),
    ]  # fmt: skip
    from distributed import Client

    deadline = time.monotonic() + timeout
    while True:
        try:
            with Client(address, timeout=5, set_as_default=False) as client:
                client.wait_for_workers(1, timeout=max(1.0, deadline - time.monotonic()))
            break
        except (OSError, TimeoutError):
            if time.monotonic() > deadline:
                _stop_groups(pair)  # this pair only: clusters started before stay up
                raise AssertionError(
                    f"No Dask worker joined {address} within {timeout:g} s."
                ) from None
            time.sleep(0.5)
    logger.info(f"Dask scheduler at {address} with one worker of {threads} threads.")
    return address


def _spawn(args: list[str]) -> subprocess.Popen[bytes]:
    # The console script `dask` is next to this Python; `-m distributed.cli` would do too.
    dask = str(Path(sys.executable).with_name("dask"))
    proc = subprocess.Popen(
        [dask, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    _started.append(proc)
    return proc


def stop_dask_scheduler_and_worker() -> None:
    """Ends every pair `Start Dask Scheduler And Worker` started: TERM to each group,
    then KILL to each group."""
    _stop_groups(list(_started))


def _stop_groups(procs: list[subprocess.Popen[bytes]], term_wait_s: float = 10.0) -> None:
    # KILL goes to each group once its leader has exited but before it is reaped: until
    # then the group id cannot be reused, and a worker process that outlived its nanny
    # (the group's leader) goes too.
    for proc in reversed(procs):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + term_wait_s
    for proc in reversed(procs):
        if proc.returncode is None:
            while time.monotonic() < deadline and not _exited(proc.pid):
                time.sleep(0.05)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
        _started.remove(proc)


def _exited(pid: int) -> bool:
    """True once our child ``pid`` has exited, leaving it unreaped (WNOWAIT)."""
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def write_cluster_value_sets(path: str, *schedulers: str) -> str:
    """Writes a PabotLib value set file with one set a scheduler (``cluster-a``,
    ``cluster-b``...: ``tags=cluster``, ``SCHEDULER=<address>``), as docs/cluster.md
    shows it, and returns its text."""
    text = "".join(
        f"[cluster-{chr(ord('a') + i)}]\ntags=cluster\nSCHEDULER={address}\n\n"
        for i, address in enumerate(schedulers)
    )
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")
    logger.info(text)
    return text


def record_run(path: str, suite: str, began: float, ended: float, **fields: Any) -> None:
    """Appends one line ``{"suite", "began", "ended"}`` (monotonic seconds) to ``path``,
    with any ``fields`` given (``scheduler=``, ``route=``, ``requests=``...)."""
    run = {"suite": suite, "began": began, "ended": ended, **fields}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(run) + "\n")


def wait_until_runs_recorded(path: str, count: int, timeout: timedelta = _RUNS_WAIT) -> None:
    """Waits until ``path`` holds at least ``count`` runs; fails after ``timeout``."""
    deadline = time.monotonic() + timeout.total_seconds()
    while len(_runs(path)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{len(_runs(path))} runs recorded within {timeout.total_seconds():g} s, "
                f"expected {count}."
            )
        time.sleep(0.1)


def _runs(path: str) -> list[dict[str, Any]]:
    """The runs recorded in ``path`` (none while it does not exist), by when they began."""
    if not Path(path).exists():
        return []
    runs = [json.loads(line) for line in Path(path).read_text().splitlines() if line]
    return sorted(runs, key=lambda r: r["began"])


def monotonic() -> float:
    """This machine's monotonic clock, in seconds (comparable across processes)."""
    return time.monotonic()


def runs_should_not_overlap(path: str, expected: int) -> None:
    """Fails unless ``path`` holds ``expected`` runs and none began before the previous ended."""
    runs = _runs(path)
    logger.info("\n".join(f"{r['suite']}: {r['began']:.2f} - {r['ended']:.2f}" for r in runs))
    if len(runs) != expected:
        raise AssertionError(f"{len(runs)} runs recorded, expected {expected}.")
    _apart(runs)


def _apart(runs: list[dict[str, Any]]) -> None:
    for before, after in itertools.pairwise(runs):
        if after["began"] < before["ended"]:
            raise AssertionError(
                f"{after['suite']} began loading the cluster {before['ended'] - after['began']:.2f} s "
                f"before {before['suite']} ended."
            )


def clusters_should_have_been_shared_out(path: str, expected: int, *schedulers: str) -> None:
    """Fails unless ``path`` holds ``expected`` runs, each on one of ``schedulers``, every
    scheduler used, the first two on different ones, and the runs on one scheduler one
    after another (each process had a whole cluster to itself)."""
    runs = _runs(path)
    logger.info(
        "\n".join(
            f"{r['suite']}: {r['scheduler']} {r['began']:.2f} - {r['ended']:.2f}, "
            f"{r['requests']} requests"
            for r in runs
        )
    )
    if len(runs) != expected:
        raise AssertionError(f"{len(runs)} runs recorded, expected {expected}.")
    used = {r["scheduler"] for r in runs}
    if used != set(schedulers):
        raise AssertionError(f"The runs used {sorted(used)}, expected {sorted(schedulers)}.")
    for scheduler in schedulers:
        _apart([r for r in runs if r["scheduler"] == scheduler])
    first, second = runs[:2]
    if first["scheduler"] == second["scheduler"]:
        raise AssertionError(
            f"{first['suite']} and {second['suite']} both had {first['scheduler']}."
        )


def runs_should_match_the_gateway(path: str, gateway: Any) -> None:
    """Fails unless each recorded run's ``requests`` equals the gateway's own count on its
    ``route`` (each run loads a route of its own)."""
    for run in _runs(path):
        counted = gateway_request_count(gateway, run["route"])
        logger.info(f"{run['suite']}: {run['requests']} requests, the gateway counted {counted}.")
        if not 0 < run["requests"] == counted:
            raise AssertionError(
                f"{run['suite']} counted {run['requests']} requests on {run['route']}, "
                f"the gateway {counted}."
            )


def record_processes_of_robot(
    pid: int, worker_module: str, load_workers: int = 2, timeout: float = 90.0
) -> list[list[Any]]:
    """Waits until robot ``pid`` runs ``load_workers`` processes of ``worker_module`` on its
    LocalCluster and records robot and every process under it as ``[pid, start time, kind]``
    (kind: ``robot``, ``dask`` for a Dask worker process hosting a load worker, ``load``,
    ``other``); fails unless it found that many load workers and Dask worker processes."""
    deadline = time.monotonic() + timeout
    while True:
        tree = _tree(int(pid))
        load = [p for p in tree if worker_module in _cmdline_of(p)]
        if len(load) >= load_workers or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    hosts = {_read(p, "ppid") for p in load}
    recorded = [
        [p.pid, _read(p, "create_time"), _kind(p, int(pid), worker_module, hosts)] for p in tree
    ]
    recorded = [r for r in recorded if r[1] is not None]
    kinds = [r[2] for r in recorded]
    logger.info("Recorded: " + ", ".join(f"{r[2]} {r[0]}" for r in recorded))
    if kinds.count("load") < load_workers or kinds.count("dask") < load_workers:
        raise AssertionError(
            f"Found {kinds.count('load')} {worker_module} and {kinds.count('dask')} Dask worker "
            f"process(es) under robot {pid} within {timeout:g} s, expected {load_workers} each."
        )
    return recorded


def recorded_processes_should_be_gone(recorded: list[list[Any]], timeout: float = 10.0) -> None:
    """Waits until no recorded process runs (a reused PID has another start time); fails
    naming (and killing) the survivors."""
    deadline = time.monotonic() + float(timeout)
    while True:
        left = [r for r in recorded if _running(r[0], r[1])]
        if not left:
            logger.info(f"None of the {len(recorded)} recorded processes runs.")
            return
        if time.monotonic() > deadline:
            for pid, _, _ in left:  # never leak from the test of not leaking
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            names = ", ".join(f"{kind} {pid}" for pid, _, kind in left)
            raise AssertionError(f"{len(left)} recorded process(es) still running: {names}.")
        time.sleep(0.1)


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _cmdline_of(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def _read(proc: psutil.Process, attribute: str) -> Any:
    """``proc.ppid()``, ``proc.create_time()``...; None once the process is gone."""
    try:
        return getattr(proc, attribute)()
    except psutil.Error:
        return None


def _kind(proc: psutil.Process, robot: int, worker_module: str, hosts: set[int | None]) -> str:
    if proc.pid == robot:
        return "robot"
    if worker_module in _cmdline_of(proc):
        return "load"
    return "dask" if proc.pid in hosts else "other"


def _running(pid: int, created: float) -> bool:
    try:
        proc = psutil.Process(pid)
        return proc.create_time() == created and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
