"""Tie a child process's life to its parent's.

A load worker or helper that PerfGate starts must not outlive the process
that started it, even when that process is killed with SIGKILL and has no
chance to clean up. Linux delivers PR_SET_PDEATHSIG when the parent dies;
elsewhere the child polls its parent instead.
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


def bind_to_parent(expected_parent: int | None = None, sig: int = signal.SIGKILL) -> None:
    """Arrange for this process to receive `sig` when its parent dies.

    `expected_parent` is the parent's PID as the parent saw it; if the
    parent is already gone when this runs (a race at start-up), the
    process exits at once instead of living on as an orphan.
    """
    parent = expected_parent if expected_parent is not None else os.getppid()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    else:
        threading.Thread(target=_watch_parent, args=(parent, sig), daemon=True).start()
    if os.getppid() != parent:
        os._exit(1)


def _watch_parent(parent: int, sig: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), sig)
