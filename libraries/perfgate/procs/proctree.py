"""Process identities, whole process trees, and signals that only reach our own processes.

A PID names a process only until it is reused (pid_max 32768 wraps in
minutes on a busy machine). So PerfGate holds an `Identity`: the PID plus
the process's start time in clock ticks since boot, read from
``/proc/<pid>/stat``. Unlike a wall-clock creation time it never moves
when the clock is stepped (NTP), and no two processes share both numbers.
A signal goes through a pidfd opened *before* the identity is re-checked,
so the check and the kill cannot be separated by a PID reuse.

A gateway is rarely one process: it forks workers, and some daemonise by
double-forking out of their process group. So a tree is the union of
several views: the process group (only while its leader is still the
process we started), the live descendants of the root, processes in the
root's session, and every process carrying the spawn's tag in its
environment (which survives forks and `setsid`, unless a program scrubs
its environment on purpose; the reaper's subreaper view covers those).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import psutil

from perfgate.artifacts import redact

TAG_VARIABLE = "PERFGATE_SPAWN"


@dataclass(frozen=True, order=True)
class Identity:
    """One process for its whole life: PID and start time (clock ticks since boot)."""

    pid: int
    start: int

    def to_dict(self) -> dict[str, int]:
        return {"pid": self.pid, "start": self.start}


def _stat_fields(pid: int) -> list[str] | None:
    """Fields 3.. of /proc/<pid>/stat (after the command name, which may hold spaces)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    return data.rpartition(b")")[2].decode("ascii", "replace").split()


def identify(pid: int) -> Identity | None:
    """The identity of the process now running as `pid`, or None when there is none."""
    if pid <= 0:
        return None
    fields = _stat_fields(pid)
    if fields is None or len(fields) < 20:
        return None
    return Identity(pid, int(fields[19]))  # field 22, starttime


def is_running(identity: Identity) -> bool:
    """True while the very process `identity` names exists and is not a zombie."""
    fields = _stat_fields(identity.pid)
    return fields is not None and int(fields[19]) == identity.start and fields[0] not in "ZX"


def send_signal(identity: Identity, sig: int) -> bool:
    """Signal the process `identity` names, and only it; False when it is gone.

    The pidfd pins the process: if the PID was reused before the pidfd was
    opened, the identity check fails; if it is reused after, the signal
    fails with ESRCH instead of reaching the newcomer.
    """
    try:
        fd = os.pidfd_open(identity.pid)
    except (AttributeError, OSError):
        fd = None
    try:
        current = identify(identity.pid)
        if current != identity:
            return False
        if fd is not None:
            signal.pidfd_send_signal(fd, sig)
        else:  # pragma: no cover - kernels before 5.3
            os.kill(identity.pid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False
    finally:
        if fd is not None:
            os.close(fd)


def signal_all(identities: Iterable[Identity], sig: int) -> None:
    for identity in identities:
        send_signal(identity, sig)


def signal_group(leader: Identity, sig: int, leader_is_ours: bool) -> None:
    """Signal the process group `leader` leads, but only while the leader is ours.

    `leader_is_ours` is the caller's proof: our child, not yet reaped, so
    its PID (and hence the group id) cannot have been reused. Without it
    the members are signalled one by one instead (see `members`).
    """
    if leader_is_ours:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(leader.pid, sig)


def tag_of(proc: psutil.Process) -> str | None:
    """The PerfGate spawn tag in a process's environment, or None."""
    try:
        return proc.environ().get(TAG_VARIABLE)
    except (psutil.Error, OSError):
        return None


def members(
    root: Identity,
    tag: str | None,
    candidates: Iterable[psutil.Process] = (),
    root_is_ours: bool = True,
    known: Iterable[Identity] = (),
) -> set[Identity]:
    """Every live process that belongs to the tree rooted at `root`.

    `candidates` are processes the caller knows to descend from it (the
    orphans a subreaper adopted): those count when they carry the tag, sit
    in the root's session or group, or are in `known` (seen in the tree
    before). Pass `root_is_ours=False` once the root has been reaped: its
    PID, and so its group and session id, may then belong to someone else.
    """
    found: set[Identity] = set()
    if root_is_ours:
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(root.pid)
            found.update(_live_identities([proc, *proc.children(recursive=True)]))
    known_set = set(known)
    for proc in candidates:
        identity = identify(proc.pid)
        if identity is None or identity in found or not is_running(identity):
            continue
        if (
            identity in known_set
            or (tag is not None and tag_of(proc) == tag)
            or (root_is_ours and root.pid in _group_and_session(proc.pid))
        ):
            found.add(identity)
            with contextlib.suppress(psutil.Error):
                found.update(_live_identities(proc.children(recursive=True)))
    return found


def _group_and_session(pid: int) -> tuple[int, int]:
    fields = _stat_fields(pid)
    if fields is None or len(fields) < 4:
        return (-1, -1)
    return (int(fields[2]), int(fields[3]))


def _live_identities(procs: Iterable[psutil.Process]) -> set[Identity]:
    found = set()
    for proc in procs:
        identity = identify(proc.pid)
        if identity is not None and is_running(identity):
            found.add(identity)
    return found


def alive(pid: int) -> bool:
    """True while `pid` runs and is not a zombie waiting to be reaped."""
    identity = identify(pid)
    return identity is not None and is_running(identity)


def wait_gone(
    identities: Iterable[Identity], timeout: float, reap: Callable[[], object] | None = None
) -> set[Identity]:
    """Wait until none of `identities` runs; return those still running at the timeout.

    `reap`, when given, is called between polls so that a parent which must
    collect its children's exit status (a subreaper) does so while waiting.
    """
    pending = set(identities)
    deadline = time.monotonic() + timeout
    while True:
        if reap is not None:
            reap()
        pending = {identity for identity in pending if is_running(identity)}
        if not pending or time.monotonic() >= deadline:
            return pending
        time.sleep(0.01)


def owned_by_me(pid: int) -> bool:
    """True when the process's real uid is ours: the sweep never touches another user's."""
    try:
        return psutil.Process(pid).uids().real == os.getuid()
    except psutil.Error:
        return False


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
    """'1234 (python3 gateway.py)' for messages, secrets masked; just the PID when it's gone."""
    try:
        proc = psutil.Process(pid)
        cmd = " ".join(redact.argv(proc.cmdline())[:3]) or proc.name()
        return f"{pid} ({cmd})"
    except psutil.Error:
        return str(pid)
