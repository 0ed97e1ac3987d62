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
from pathlib import Path
from typing import Any

import psutil
from robot.api import logger

from perfgate.gateway.ports import free_port

_started: list[subprocess.Popen[bytes]] = []


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
    127.0.0.1 and returns the scheduler's address once the worker has joined."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = Path(os.environ.get("TMPDIR", "/tmp"))
    _spawn(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], log)
    _spawn(["worker", address, "--nthreads", str(threads), "--nworkers", "1",
            "--no-dashboard", "--host", "127.0.0.1"], log)  # fmt: skip
    from distributed import Client

    deadline = time.monotonic() + timeout
    while True:
        try:
            with Client(address, timeout=5, set_as_default=False) as client:
                client.wait_for_workers(1, timeout=max(1.0, deadline - time.monotonic()))
            break
        except (OSError, TimeoutError):
            if time.monotonic() > deadline:
                stop_dask_scheduler_and_worker()
                raise AssertionError(
                    f"No Dask worker joined {address} within {timeout:g} s."
                ) from None
            time.sleep(0.5)
    logger.info(f"Dask scheduler at {address} with one worker of {threads} threads.")
    return address


def _spawn(args: list[str], log: Path) -> None:
    # The console script `dask` is next to this Python; `-m distributed.cli` would do too.
    dask = str(Path(sys.executable).with_name("dask"))
    _started.append(
        subprocess.Popen(
            [dask, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    )


def stop_dask_scheduler_and_worker() -> None:
    """Ends what `Start Dask Scheduler And Worker` started: TERM to each group, then KILL."""
    for proc in reversed(_started):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in reversed(_started):
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    _started.clear()


def record_run(path: str, suite: str, began: float, ended: float) -> None:
    """Appends one line ``{"suite", "began", "ended"}`` (monotonic seconds) to ``path``."""
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps({"suite": suite, "began": began, "ended": ended}) + "\n")


def monotonic() -> float:
    """This machine's monotonic clock, in seconds (comparable across processes)."""
    return time.monotonic()


def runs_should_not_overlap(path: str, expected: int) -> None:
    """Fails unless ``path`` holds ``expected`` runs and none began before the previous ended."""
    runs = sorted(
        (json.loads(line) for line in Path(path).read_text().splitlines() if line),
        key=lambda r: r["began"],
    )
    logger.info("\n".join(f"{r['suite']}: {r['began']:.2f} - {r['ended']:.2f}" for r in runs))
    if len(runs) != expected:
        raise AssertionError(f"{len(runs)} runs recorded, expected {expected}.")
    for before, after in itertools.pairwise(runs):
        if after["began"] < before["ended"]:
            raise AssertionError(
                f"{after['suite']} began loading the cluster {before['ended'] - after['began']:.2f} s "
                f"before {before['suite']} ended."
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
