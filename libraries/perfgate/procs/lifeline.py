"""Tie a child process's life to its parent's, and orphans to their nearest keeper.

A load worker, gateway or helper that PerfGate starts must not outlive the
process that started it, even when that process is killed with SIGKILL and
has no chance to clean up. Linux delivers PR_SET_PDEATHSIG when the parent
dies; elsewhere the child polls its parent instead. The reaper also makes
itself a child subreaper, so that daemons escaping a gateway by double
forking are re-parented to it rather than to init.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
# Loaded at import, never after a fork: bind_to_parent may run in a child
# between fork and exec (subprocess's preexec_fn), where loading is unsafe.
_LIBC = (
    ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if sys.platform.startswith("linux")
    else None
)


def bind_to_parent(expected_parent: int | None = None, sig: int = signal.SIGKILL) -> None:
    """Arrange for this process to receive `sig` when its parent dies.

    `expected_parent` is the parent's PID as the parent saw it; if the
    parent is already gone when this runs (a race at start-up), the
    process exits at once instead of living on as an orphan. The setting
    survives exec, so a parent may call this in its child before exec.
    """
    parent = expected_parent if expected_parent is not None else os.getppid()
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    else:
        threading.Thread(target=_watch_parent, args=(parent, sig), daemon=True).start()
    if os.getppid() != parent:
        os._exit(1)


def become_subreaper() -> bool:
    """Make orphaned descendants re-parent to this process (Linux only)."""
    return _LIBC is not None and _LIBC.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def _watch_parent(parent: int, sig: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), sig)
