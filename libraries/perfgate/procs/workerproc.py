"""Load worker processes: start one, talk to it over a socket pair, always reap it.

Shared by the HTTP engine and the WebSocket load: both run `python -m
<worker module> <fd> <parent pid>` (not multiprocessing, whose spawn
re-imports the caller's `__main__`), send it its plan, and end every
worker on any exit of the run, BaseExceptions included.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

READY_TIMEOUT_S = 60.0  # spawning a worker imports numpy & co; a loaded CI box is slow
REAP_WAIT_S = 1.0


def spawn_worker(module: str, plan: Any) -> tuple[subprocess.Popen[bytes], Connection]:
    """Start `python -m module` with one end of a socket pair and send it `plan`."""
    parent_sock, child_sock = socket.socketpair()
    try:
        env = dict(os.environ)
        # The worker must import this very perfgate, installed or not.
        here = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
        proc = subprocess.Popen(
            [sys.executable, "-m", module, str(child_sock.fileno()), str(os.getpid())],
            pass_fds=(child_sock.fileno(),),
            stdin=subprocess.DEVNULL,
            env=env,
        )
    finally:
        child_sock.close()
    pipe = Connection(parent_sock.detach())
    pipe.send(plan)
    return proc, pipe


def exit_code(proc: subprocess.Popen[bytes]) -> int | None:
    """The worker's exit code, waiting briefly; None if it still runs."""
    try:
        return proc.wait(REAP_WAIT_S)
    except subprocess.TimeoutExpired:
        return None


def send_quietly(pipe: Connection, msg: tuple[Any, ...]) -> None:
    # The worker may already be gone; reap() handles the rest.
    with contextlib.suppress(OSError):
        pipe.send(msg)


def reap(procs: list[subprocess.Popen[bytes]], pipes: list[Connection]) -> None:
    """Terminate, wait briefly, kill: no worker outlives its run."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + REAP_WAIT_S
    for proc in procs:
        try:
            proc.wait(max(deadline - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(REAP_WAIT_S)
    for pipe in pipes:
        pipe.close()
