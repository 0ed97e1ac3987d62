"""The open-files limit: every connection (a socket, a WebSocket) is a file descriptor.

A worker raises its soft limit to the hard limit (allowed without
privileges); raising the hard limit needs root or the system's
configuration (`ulimit -Hn`, systemd's LimitNOFILE, /etc/security/limits.conf).
"""

from __future__ import annotations

from dataclasses import dataclass

# Descriptors a worker needs besides its connections: the interpreter,
# the event loop, the pipe to the parent, DNS, the publisher.
RESERVED_FDS = 64


@dataclass(frozen=True)
class FdLimit:
    soft: int  # the limit in force now (-1: unlimited or unknown)
    hard: int
    raised_from: int | None = None  # the soft limit before we raised it
    note: str = ""  # why it could not be raised, if it could not

    def allows(self, connections: int) -> bool:
        return self.soft < 0 or connections + RESERVED_FDS <= self.soft


def raise_fd_limit() -> FdLimit:
    """Raise this process's soft RLIMIT_NOFILE to the hard limit, and say what happened."""
    try:
        import resource
    except ImportError:  # not on this platform
        return FdLimit(-1, -1, note="the open-files limit cannot be read on this platform")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    infinite = resource.RLIM_INFINITY
    if soft == hard:
        return FdLimit(-1 if soft == infinite else soft, -1 if hard == infinite else hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError) as exc:
        return FdLimit(
            soft,
            -1 if hard == infinite else hard,
            note=f"the open-files limit could not be raised from {soft} to {hard} ({exc})",
        )
    return FdLimit(-1 if hard == infinite else hard, -1 if hard == infinite else hard, soft)


def fd_limit_error(connections: int, workers: int, limit: FdLimit) -> str:
    """One sentence for a run that needs more descriptors per worker than allowed."""
    per_worker = -(-connections // workers)
    hint = (
        f"use more workers= (each has its own limit) or raise the hard limit "
        f"(now {limit.hard}) with `ulimit -Hn` as root, systemd's LimitNOFILE or "
        "/etc/security/limits.conf"
    )
    return (
        f"cannot open {connections:,} connections with {workers} worker(s): each needs "
        f"{per_worker + RESERVED_FDS:,} open files but the limit is {limit.soft:,}"
        f"{' (' + limit.note + ')' if limit.note else ''}; {hint}."
    )
