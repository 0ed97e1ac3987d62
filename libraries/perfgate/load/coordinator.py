"""The coordinator every protocol runs on: spawn the workers, wait until
each is ready, give them one start instant, collect their per-second
snapshots into the protocol's aggregator, stop them on request, and reap
them on every way out, BaseExceptions (Ctrl-C, Robot's timeouts) included.

What is the protocol's (its worker module, plans, aggregator, hooks) comes
in a `perfgate.load.protocol.WorkerRun`.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any

from perfgate.load.protocol import LoadProtocol, P, WorkerError, WorkerRun
from perfgate.procs.workerproc import READY_TIMEOUT_S, exit_code, reap, send_quietly, spawn_worker

START_DELAY_S = 0.1  # lets every worker receive the start time before it arrives

__all__ = ["START_DELAY_S", "WorkerError", "default_workers", "run_workers"]


def default_workers() -> int:
    """One worker a core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_workers(
    run: WorkerRun[P],
    on_progress: Callable[[P], Any] | None = None,
    on_worker_started: Callable[[int], Any] | None = None,
) -> bool:
    """Run the workers to their end; True when `on_progress` asked them to stop early.

    `on_progress(progress)` gets what the aggregator gives for every closed
    second; returning "stop" ends the run. `on_worker_started(pid)` is called
    for every worker process started.
    """
    crew = _Crew(run.protocol)
    try:
        for plan in run.plans:
            pid = crew.spawn(plan)
            if on_worker_started is not None:
                on_worker_started(pid)
        ready = [crew.await_ready(i) for i in range(len(run.plans))]
        if run.on_ready is not None:
            run.on_ready(ready)
        start_ns = time.monotonic_ns() + int(START_DELAY_S * 1e9)
        for pipe in crew.pipes:
            pipe.send(("start", start_ns))
        stopped_early = crew.collect(run, start_ns, on_progress)
        for progress in run.aggregator.flush():
            _asks_stop(on_progress, progress)
        return stopped_early
    finally:
        reap(crew.procs, crew.pipes)


class _Crew:
    """The run's worker processes and their pipes, in worker order."""

    def __init__(self, protocol: LoadProtocol) -> None:
        self.protocol = protocol
        self.procs: list[subprocess.Popen[bytes]] = []
        self.pipes: list[Connection] = []
        self.done: set[int] = set()  # workers that sent their final snapshot

    def spawn(self, plan: Any) -> int:
        proc, pipe = spawn_worker(self.protocol.worker_module, plan)
        self.procs.append(proc)
        self.pipes.append(pipe)
        return proc.pid

    def _name(self, i: int) -> str:
        return f"{self.protocol.worker_name} {i + 1}"

    def await_ready(self, i: int) -> Any:
        """Worker `i`'s ready info, or WorkerError saying why it has none."""
        if not self.pipes[i].poll(READY_TIMEOUT_S):
            raise WorkerError(
                f"{self._name(i)} did not start within {READY_TIMEOUT_S:g} s; "
                "the machine may be overloaded."
            )
        kind, payload = self.receive(i, starting=True)
        if kind != "ready":
            raise WorkerError(f"{self._name(i)} sent {kind!r} before 'ready'.")
        return payload

    def receive(self, i: int, *, starting: bool = False) -> tuple[str, Any]:
        """Worker `i`'s next message; its failure, end or fatal message raised."""
        proc = self.procs[i]
        try:
            kind, payload = self.pipes[i].recv()
        except EOFError:
            # "load worker 2 exited during start-up with code 1." or, once running,
            # "load worker 2 (pid 4711) exited unexpectedly with code -9."
            who = self._name(i) if starting else f"{self._name(i)} (pid {proc.pid})"
            how = "during start-up" if starting else "unexpectedly"
            raise WorkerError(f"{who} exited {how} with code {exit_code(proc)}.") from None
        if kind == "fatal":
            raise self.protocol.fatal(payload)
        if kind == "error":
            during = " during start-up" if starting else ""
            raise WorkerError(f"{self._name(i)} failed{during}:\n{payload}")
        return str(kind), payload

    def tell_running(self, msg: tuple[Any, ...], *, but: int | None = None) -> None:
        """Send `msg` to every worker still running (except `but`)."""
        for j, pipe in enumerate(self.pipes):
            if j != but and j not in self.done:
                send_quietly(pipe, msg)

    def collect(
        self, run: WorkerRun[P], start_ns: int, on_progress: Callable[[P], Any] | None
    ) -> bool:
        """Receive until every worker sent its final snapshot; True if stopped early."""
        n = len(self.pipes)
        deadline = start_ns + int(run.finish_within_s * 1e9)
        stopped_early = False
        while len(self.done) < n:
            if time.monotonic_ns() > deadline:
                raise WorkerError(run.overdue)
            live = [self.pipes[i] for i in range(n) if i not in self.done]
            for ready in wait(live, timeout=1.0):
                i = self.pipes.index(ready)  # type: ignore[arg-type]
                kind, payload = self.receive(i)
                if kind in self.protocol.relayed:
                    self.tell_running((kind, payload), but=i)
                    continue
                if kind != "second":
                    raise WorkerError(f"{self._name(i)} sent an unknown message {kind!r}.")
                if payload.get("final"):
                    self.done.add(i)
                for progress in run.aggregator.add(payload):
                    if _asks_stop(on_progress, progress) and not stopped_early:
                        stopped_early = True
                        self.tell_running(("stop",))
        return stopped_early


def _asks_stop(on_progress: Callable[[Any], Any] | None, progress: Any) -> bool:
    """Call the callback; True when it asks to stop."""
    if on_progress is None:
        return False
    answer = on_progress(progress)
    return isinstance(answer, str) and answer.strip().lower() == "stop"
