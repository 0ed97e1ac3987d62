"""Finding and ending whole process trees.

A gateway is rarely one process: it forks workers, and some daemonise by
double-forking out of their process group. Signalling the group alone misses
those, and walking the children alone misses members whose parent already
died. So a tree is the union of three views: the process group, the live
descendants of the root, and every process carrying the spawn's tag in its
environment (which survives forks and `setsid`, unless a program scrubs its
environment on purpose).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterable

import psutil

TAG_VARIABLE = "PERFGATE_SPAWN"


def tag_of(proc: psutil.Process) -> str | None:
    """The PerfGate spawn tag in a process's environment, or None."""
    try:
        return proc.environ().get(TAG_VARIABLE)
    except (psutil.Error, OSError):
        return None


def members(
    root_pid: int,
    tag: str | None,
    candidates: Iterable[psutil.Process] = (),
    root_alive: bool = True,
) -> set[int]:
    """PIDs of every live process that belongs to the tree rooted at `root_pid`.

    `candidates` are extra processes to check for the tag, typically the
    orphans a subreaper adopted. Pass `root_alive=False` once the root has
    been reaped: its PID may then belong to an unrelated process. (Its
    process group id cannot be reused while any member lives, so the group
    view stays safe.)
    """
    found: set[int] = set()
    if root_alive:
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(root_pid)
            if _alive(root):
                found.add(root_pid)
            found.update(p.pid for p in root.children(recursive=True) if _alive(p))
    with contextlib.suppress(psutil.Error):
        found.update(p.pid for p in psutil.process_iter() if _in_group(p, root_pid))
    if tag is not None:
        for proc in candidates:
            if proc.pid not in found and tag_of(proc) == tag and _alive(proc):
                found.add(proc.pid)
                with contextlib.suppress(psutil.Error):
                    found.update(c.pid for c in proc.children(recursive=True) if _alive(c))
    return found


def _in_group(proc: psutil.Process, pgid: int) -> bool:
    try:
        return os.getpgid(proc.pid) == pgid
    except OSError:
        return False


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def alive(pid: int) -> bool:
    """True while `pid` runs and is not a zombie waiting to be reaped."""
    try:
        return _alive(psutil.Process(pid))
    except psutil.Error:
        return False


def signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def signal_pids(pids: Iterable[int], sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def wait_gone(pids: Iterable[int], timeout: float, reap: object = None) -> set[int]:
    """Wait until none of `pids` is alive; return those still alive at the timeout.

    `reap`, when given, is called between polls so that a parent which must
    collect its children's exit status (a subreaper) does so while waiting.
    """
    pending = set(pids)
    deadline = time.monotonic() + timeout
    while True:
        if callable(reap):
            reap()
        pending = {pid for pid in pending if alive(pid)}
        if not pending or time.monotonic() >= deadline:
            return pending
        time.sleep(0.01)


def describe_exit(returncode: int | None) -> str:
    """'exit code 3' or 'signal SIGKILL (9)': how a process ended, for messages."""
    if returncode is None:
        return "still running"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"signal {name} ({-returncode})"
    return f"exit code {returncode}"


def describe_pid(pid: int) -> str:
    """'1234 (python3 gateway.py)' for messages; just the PID when it's gone."""
    try:
        proc = psutil.Process(pid)
        cmd = " ".join(proc.cmdline()[:3]) or proc.name()
        return f"{pid} ({cmd})"
    except psutil.Error:
        return str(pid)
