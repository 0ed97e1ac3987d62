"""The relay: one Dask task per load worker, on the Dask worker that hosts it.

The task starts the same worker process as a local run
(`perfgate.procs.workerproc.spawn_worker`: `python -m <worker module> FD
PARENT_PID`, bound to this Dask worker process's life) and carries its
messages through two `distributed.Queue`s kept by the scheduler: every
worker's messages go up one queue of the run, the coordinator's come down
one queue per worker. No protocol of our own: the queues carry
(worker index, pickled message) pairs, bytes being what Dask's msgpack
framing takes as it is.

The task runs in the Dask worker's thread pool (one thread a load worker,
so a worker's threads are its load slots), never in its event loop; the
load worker is a process of its own with its own event loop.

Lifelines, both ways:
- the coordinator sends ("beat",) every BEAT_S; a relay that hears nothing
  from it for LIFELINE_S (the robot process was killed, or cut off) ends
  its load worker, as it does on ("end",);
- the relay sends ("relay.beat",) whenever its worker was silent for
  BEAT_S, so that the coordinator knows within LOST_AFTER_S that a machine
  or its Dask worker is gone;
- the load worker itself dies with the Dask worker process (its parent:
  PR_SET_PDEATHSIG through `perfgate.procs.lifeline`).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from distributed import Queue, get_client

from perfgate.procs.workerproc import exit_code, reap, spawn_worker

BEAT_S = 0.5  # how often each side says it is alive when it has nothing else to say
LIFELINE_S = 3.0  # a relay that hears nothing from the coordinator for this long ends its worker
LOST_AFTER_S = 5.0  # a coordinator that hears nothing from a relay for this long gives up on it

# Kinds the relay itself sends up, besides the load worker's own messages.
SPAWNED = "relay.spawned"  # {"pid": load worker PID, "host": hostname}
BEAT = "relay.beat"
EXITED = "relay.exited"  # the load worker's exit code (its pipe closed)
RELAY_KINDS = frozenset({SPAWNED, BEAT, EXITED})


@dataclass(frozen=True)
class RelayJob:
    """What one relay task needs: whom to start with which plan, and where to talk."""

    index: int  # the load worker's index in the run
    worker_module: str
    plan: Any
    up: str  # the run's queue to the coordinator
    down: str  # this worker's queue from the coordinator


def encode(index: int, msg: tuple[Any, ...]) -> list[Any]:
    return [index, pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)]


def decode(item: list[Any]) -> tuple[int, tuple[Any, ...]]:
    index, blob = item
    return int(index), pickle.loads(blob)


def relay(job: RelayJob) -> int | None:
    """The Dask task: run one load worker to its end and relay its messages; its exit code."""
    client = get_client()
    up, down = Queue(job.up, client=client), Queue(job.down, client=client)
    proc, pipe = spawn_worker(job.worker_module, job.plan)
    ended = threading.Event()
    listener = threading.Thread(target=_listen, args=(down, pipe, ended), daemon=True)
    try:
        up.put(encode(job.index, (SPAWNED, {"pid": proc.pid, "host": socket.gethostname()})))
        listener.start()
        _pump(job.index, pipe, proc, up, ended)
    finally:
        ended.set()
        reap([proc], [pipe])
        with contextlib.suppress(Exception):  # the scheduler may be gone too
            up.close()
            down.close()
    return exit_code(proc)


def _pump(
    index: int, pipe: Connection, proc: subprocess.Popen[bytes], up: Any, ended: threading.Event
) -> None:
    """Load worker -> coordinator, until the worker's pipe closes or the lifeline ends it."""
    last_sent = time.monotonic()
    while not ended.is_set():
        if pipe.poll(BEAT_S / 2):
            try:
                msg = pipe.recv()
            except (EOFError, OSError):
                up.put(encode(index, (EXITED, exit_code(proc))))
                return
            up.put(encode(index, msg))
            last_sent = time.monotonic()
        elif time.monotonic() - last_sent >= BEAT_S:
            up.put(encode(index, (BEAT, os.getpid())))
            last_sent = time.monotonic()


def _listen(down: Any, pipe: Connection, ended: threading.Event) -> None:
    """Coordinator -> load worker, until ("end",) or LIFELINE_S of silence."""
    while not ended.is_set():
        try:
            _, msg = decode(down.get(timeout=LIFELINE_S))
        except Exception:
            # A timeout (the coordinator is gone), or the scheduler gone: either
            # way nobody is left to take this worker's figures or to stop it.
            break
        if msg[0] == "end":
            break
        if msg[0] != "beat":
            with contextlib.suppress(OSError):
                pipe.send(msg)
    ended.set()
