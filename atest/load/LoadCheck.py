"""Helpers for LoadLibrary's acceptance tests: saved results, free ports, load workers.

Load workers are `python -m perfgate.engine.worker` processes. Inner robot runs
put PERFGATE_ATEST_MARKER=<marker> in their environment and the workers
inherit it, so the workers of one inner run are those with its marker.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from datetime import timedelta
from pathlib import Path

import psutil
from robot.api import logger
from robot.libraries.BuiltIn import BuiltIn

from perfgate.engine import LoadResult
from perfgate.loadkw.runner import read_saved

MARKER = "PERFGATE_ATEST_MARKER"
WORKER_MODULE = "perfgate.engine.worker"


def _saved(directory: str | None = None) -> list[Path]:
    folder = Path(directory or BuiltIn().get_variable_value("${OUTPUT DIR}")) / "perfgate"
    return sorted(folder.glob("load-*.json"), key=lambda p: p.stat().st_mtime_ns)


def count_saved_load_results() -> int:
    """How many load results this run saved so far."""
    return len(_saved())


def newest_load_result() -> LoadResult:
    """The load result saved last, read back from its JSON file."""
    files = _saved()
    if not files:
        raise AssertionError("No load result was saved under ${OUTPUT DIR}/perfgate.")
    logger.info(f"Reading {files[-1]}")
    return read_saved(files[-1])


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound and released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _workers(marker: str | None) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if WORKER_MODULE not in proc.cmdline() or proc.status() == psutil.STATUS_ZOMBIE:
                continue
            if marker is None or proc.environ().get(MARKER) == marker:
                found.append(proc)
        except psutil.Error:
            continue
    return found


def wait_until_load_workers_run(marker: str, timeout: timedelta = timedelta(seconds=60)) -> int:
    """Waits until a load worker of the inner run with ``marker`` is running; returns how many."""
    deadline = time.monotonic() + timeout.total_seconds()
    while time.monotonic() < deadline:
        workers = _workers(marker)
        if workers:
            return len(workers)
        time.sleep(0.1)
    raise AssertionError(f"No load worker with marker {marker} started within {timeout}.")


def no_load_worker_should_remain(timeout: timedelta = timedelta(seconds=5)) -> None:
    """Inside an inner run: waits until none of this run's load workers is alive.

    Fails (and kills them) if any is still there after ``timeout``.
    """
    marker = os.environ.get(MARKER)
    if not marker:
        raise AssertionError(f"{MARKER} is not set: run this only in an inner test run.")
    deadline = time.monotonic() + timeout.total_seconds()
    while True:
        left = _workers(marker)
        if not left:
            logger.info("No load worker remains.")
            return
        if time.monotonic() > deadline:
            for proc in left:
                with contextlib.suppress(psutil.Error):
                    proc.send_signal(signal.SIGKILL)
            raise AssertionError(f"{len(left)} load worker(s) still running: {left}")
        time.sleep(0.1)
