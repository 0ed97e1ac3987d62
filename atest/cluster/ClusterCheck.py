"""Helpers for the cluster acceptance tests: the gateway's own request count, a Dask
scheduler and worker on 127.0.0.1 playing "someone else's cluster", and the runs the
pabot suites recorded.

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
