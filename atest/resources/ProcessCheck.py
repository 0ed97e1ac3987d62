"""Keywords that find processes PerfGate left behind, for PerfGate's own acceptance tests.

Inner Robot runs are started with PERFGATE_ATEST_MARKER=<marker> in their
environment; everything they start inherits it, so a leftover of theirs is
any process with that marker. Processes of this run are found by the tag
the reaper gives them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from datetime import timedelta

import psutil
from robot.api import logger
from robot.libraries.BuiltIn import BuiltIn

MARKER = "PERFGATE_ATEST_MARKER"


def _environ(proc: psutil.Process) -> dict[str, str]:
    try:
        return proc.environ()
    except psutil.Error:
        return {}


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except psutil.Error:
        return []


def _describe(proc: psutil.Process) -> str:
    try:
        return f"{proc.pid} ({' '.join(proc.cmdline()[:4])})"
    except psutil.Error:
        return str(proc.pid)


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def new_marker() -> str:
    """A fresh marker to put in an inner run's environment."""
    return f"atest-{uuid.uuid4().hex[:12]}"


def _with_marker(
    marker: str, spawned_only: bool, command: str | None = None
) -> list[psutil.Process]:
    me = os.getpid()
    found = []
    for proc in psutil.process_iter():
        if proc.pid == me:
            continue
        env = _environ(proc)
        wanted = env.get(MARKER) == marker and (not spawned_only or "PERFGATE_SPAWN" in env)
        # A daemon that scrubbed its environment carries the marker on its command line.
        wanted = wanted or (not env and marker in _cmdline(proc))
        if wanted and command is not None:
            try:
                wanted = command in proc.cmdline()
            except psutil.Error:
                wanted = False
        if wanted and _alive(proc):
            found.append(proc)
    return found


def _ours() -> list[psutil.Process]:
    library = BuiltIn().get_library_instance("GatewayLibrary")
    reaper_pid = library.manager.reaper.pid
    if reaper_pid is None:
        return []
    prefix = f"{reaper_pid}."
    return [
        proc
        for proc in psutil.process_iter()
        if _environ(proc).get("PERFGATE_SPAWN", "").startswith(prefix) and _alive(proc)
    ]


def _wait_none(find, timeout: timedelta, what: str) -> None:
    deadline = time.monotonic() + timeout.total_seconds()
    while True:
        left = find()
        if not left:
            return
        if time.monotonic() > deadline:
            names = ", ".join(_describe(p) for p in left)
            for proc in left:  # never leak from the test of not leaking
                with contextlib.suppress(psutil.Error):
                    proc.send_signal(signal.SIGKILL)
            raise AssertionError(f"{len(left)} {what} still running: {names}")
        time.sleep(0.1)


def no_process_should_have_marker(
    marker: str,
    timeout: timedelta = timedelta(seconds=10),
    spawned_only: bool = False,
    command: str | None = None,
) -> None:
    """Waits until no process carries ``marker``; fails naming (and killing) survivors.

    With ``spawned_only``, only processes started by PerfGate's reaper count
    (the inner runner and its reaper are allowed to live); with ``command``,
    only processes with that word in their command line (e.g. a worker
    module such as ``perfgate.load.http.worker``).
    """
    what = command or ("spawned" if spawned_only else "")
    kind = f"{what} process(es)".strip()
    _wait_none(
        lambda: _with_marker(marker, spawned_only, command), timeout, f"{kind} with {marker}"
    )
    logger.info(f"No {kind} with marker {marker} remain.")


def wait_until_process_with_marker_runs(
    marker: str, command: str, timeout: timedelta = timedelta(seconds=60)
) -> int:
    """Waits until a ``command`` process of the inner run with ``marker`` runs; returns how many."""
    deadline = time.monotonic() + timeout.total_seconds()
    while time.monotonic() < deadline:
        found = _with_marker(marker, False, command)
        if found:
            return len(found)
        time.sleep(0.1)
    raise AssertionError(f"No {command} process with marker {marker} started within {timeout}.")


def no_process_of_this_run_should_remain(
    command: str, timeout: timedelta = timedelta(seconds=5)
) -> None:
    """Inside an inner run: waits until none of its ``command`` processes is alive."""
    marker = os.environ.get(MARKER)
    if not marker:
        raise AssertionError(f"{MARKER} is not set: run this only in an inner test run.")
    no_process_should_have_marker(marker, timeout, command=command)


def no_spawned_process_should_remain(timeout: timedelta = timedelta(seconds=5)) -> None:
    """Waits until no process started by this run's reaper is alive."""
    marker = os.environ.get(MARKER)
    if marker:
        no_process_should_have_marker(marker, timeout, spawned_only=True)
    else:
        _wait_none(_ours, timeout, "process(es) started by this run")


def kill_the_reaper_of_this_run() -> None:
    """SIGKILLs the process reaper of this robot process, as an attacker or the OOM killer would."""
    from perfgate.procs.reaper_client import get_reaper

    pid = get_reaper().pid
    if pid is None:
        raise AssertionError("This run has no process reaper yet; start a gateway first.")
    os.kill(pid, signal.SIGKILL)


def process_tree_size(pid: int) -> int:
    """Number of live processes in the tree of ``pid`` (itself included)."""
    proc = psutil.Process(int(pid))
    return 1 + len([c for c in proc.children(recursive=True) if _alive(c)])
