"""The coordinator every protocol runs on: spawn the workers, wait until
each is ready, give them one start instant, collect their per-second
snapshots into the protocol's aggregator, stop them on request, and reap
them on every way out, BaseExceptions (Ctrl-C, Robot's timeouts) included.

What is the protocol's (its worker module, plans, aggregator, hooks) comes
in a `perfgate.load.protocol.WorkerRun`. Where the workers run is a crew's:
`_Crew`, worker processes on this machine, or, with `cluster=`, the crew of
`perfgate.load.cluster` (the same worker processes started and relayed
through Dask on other machines). A crew spawns a worker with a plan, waits
for its ready message, starts them all at one instant, hands over their
messages, tells the running ones something, and ends them all; the rest of
this module is the same whichever crew runs the workers.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from perfgate.load.protocol import LoadProtocol, P, WorkerError, WorkerRun
from perfgate.procs.workerproc import READY_TIMEOUT_S, exit_code, reap, send_quietly, spawn_worker

if TYPE_CHECKING:
    from perfgate.load.cluster import Cluster

START_DELAY_S = 0.1  # lets every worker receive the start time before it arrives

Message = tuple[int, str, Any]  # (worker index, kind, payload)

__all__ = ["START_DELAY_S", "WorkerError", "default_workers", "run_to_result", "run_workers"]


def default_workers() -> int:
    """One worker a core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class Crew(Protocol):
    """Where a run's workers live; `_Crew` here, `perfgate.load.cluster.crew.ClusterCrew` there."""

    done: set[int]  # workers that sent their final snapshot
    start_delay_s: float  # from now to the start instant: long enough to reach every worker

    def spawn(self, plans: Sequence[Any], on_started: Callable[[int], Any] | None) -> None:
        """Start a worker for each plan; `on_started(pid)` for each process of this machine."""

    def await_ready(self, i: int) -> Any:
        """Worker `i`'s ready info, or WorkerError saying why it has none."""

    def start(self, start_ns: int) -> None:
        """Tell every worker the start instant (this process's time.monotonic_ns)."""

    def incoming(self, timeout: float) -> list[Message]:
        """The messages that came within `timeout` s; a failed or vanished worker raised."""

    def tell_running(self, msg: tuple[Any, ...], *, but: int | None = None) -> None:
        """Send `msg` to every worker still running (except `but`)."""

    def close(self) -> None:
        """End every worker, whatever state it is in; called on every way out."""


def run_workers(
    run: WorkerRun[P],
    on_progress: Callable[[P], Any] | None = None,
    on_worker_started: Callable[[int], Any] | None = None,
    *,
    cluster: Cluster | None = None,
    on_start: Callable[[int], Any] | None = None,
) -> bool:
    """Run the workers to their end; True when `on_progress` asked them to stop early.

    `on_progress(progress)` gets what the aggregator gives for every closed
    second; returning "stop" ends the run. `on_worker_started(pid)` is called
    for every worker process started on this machine. `cluster`: an open
    `perfgate.load.cluster.Cluster` to run the workers on instead of this
    machine; what it ran where is then in `cluster.last_run`. `on_start(start_ns)`
    gets the run's start instant (`time.monotonic_ns`), second 0 of its timeline.
    """
    crew: Crew = _Crew(run.protocol) if cluster is None else cluster.crew(run.protocol)
    try:
        crew.spawn(run.plans, on_worker_started)
        ready = [crew.await_ready(i) for i in range(len(run.plans))]
        if run.on_ready is not None:
            run.on_ready(ready)
        start_ns = time.monotonic_ns() + int(crew.start_delay_s * 1e9)
        crew.start(start_ns)
        if on_start is not None:
            on_start(start_ns)
        stopped_early = _collect(crew, run, start_ns, on_progress)
        for progress in run.aggregator.flush():
            _asks_stop(on_progress, progress)
        return stopped_early
    finally:
        crew.close()


R = TypeVar("R")
Memory = Callable[[], Any]  # what a run's `sampling` gives: its gateway memory, once ended


def run_to_result(
    run: WorkerRun[P],
    build: Callable[[bool, Memory], R],
    on_progress: Callable[[P], Any] | None,
    on_worker_started: Callable[[int], Any] | None,
    *,
    cluster: Cluster | None,
    on_partial: Callable[[R], None] | None,
    sampling: AbstractContextManager[Memory] | None = None,
) -> R:
    """`run_workers`, then the protocol's `build(stopped_early, memory)`: its result. While the
    workers run, `sampling` (the gateway's memory, `perfgate.load.gatewaymemory.sampled`)
    is entered; an interrupted run gives `on_partial` what was measured (`keeping_partial`)."""
    around = sampling if sampling is not None else nullcontext(_no_memory)
    # Outermost the partial keeping: the gateway's memory is in once `sampling` ended.
    with keeping_partial(run.aggregator, lambda: build(True, memory), on_partial), around as memory:
        # The memory's time axis is the run's (`gatewaymemory.Sampled.started`), and so are
        # the live metrics' timestamps (`outcome.Watch.started`).
        told = [getattr(memory, "started", None), getattr(on_progress, "started", None)]
        starts = [start for start in told if start is not None]

        def on_start(start_ns: int) -> None:
            for start in starts:
                start(start_ns)

        stopped_early = run_workers(
            run, on_progress, on_worker_started, cluster=cluster, on_start=on_start
        )
    return build(stopped_early, memory)


def _no_memory() -> None:
    """No gateway memory: the run sampled none."""


@contextmanager
def keeping_partial(
    aggregator: Any,
    build: Callable[[], Any],
    on_partial: Callable[[Any], None] | None,
) -> Iterator[None]:
    """Around a protocol's `run_workers`: when the run is interrupted (Ctrl-C, a Robot
    timeout, a failed worker) after at least one second was measured, `on_partial` gets
    `build()`, the result of what the aggregator (a `perfgate.load.seconds.SecondMerge`)
    holds, before the interruption goes on."""
    try:
        yield
    except BaseException as exc:
        if on_partial is not None:
            try:
                aggregator.flush()  # the seconds some worker had not reported yet
                if aggregator.next_second > 0:
                    on_partial(build())
            except Exception as failure:  # the interruption is what the user must see
                note_on(exc, f"PerfGate could not keep the partial result: {failure}")
        raise


def note_on(exc: BaseException, text: str) -> None:
    """`text` added to `exc`'s traceback (Python 3.11's notes; on 3.10 it is dropped)."""
    add_note = getattr(exc, "add_note", None)
    if add_note is not None:
        add_note(text)


def check_message(
    protocol: LoadProtocol, who: str, kind: str, payload: Any, *, starting: bool = False
) -> tuple[str, Any]:
    """A worker's message as it is, or its "fatal" or "error" raised (`who` names the worker)."""
    if kind == "fatal":
        raise protocol.fatal(payload)
    if kind == "error":
        during = " during start-up" if starting else ""
        raise WorkerError(f"{who} failed{during}:\n{payload}")
    return str(kind), payload


class _Crew:
    """The run's worker processes on this machine and their pipes, in worker order."""

    start_delay_s = START_DELAY_S

    def __init__(self, protocol: LoadProtocol) -> None:
        self.protocol = protocol
        self.procs: list[subprocess.Popen[bytes]] = []
        self.pipes: list[Connection] = []
        self.done: set[int] = set()

    def spawn(self, plans: Sequence[Any], on_started: Callable[[int], Any] | None) -> None:
        for plan in plans:
            proc, pipe = spawn_worker(self.protocol.worker_module, plan)
            self.procs.append(proc)
            self.pipes.append(pipe)
            if on_started is not None:
                on_started(proc.pid)

    def _name(self, i: int) -> str:
        return f"{self.protocol.worker_name} {i + 1}"

    def await_ready(self, i: int) -> Any:
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
        return check_message(self.protocol, self._name(i), kind, payload, starting=starting)

    def start(self, start_ns: int) -> None:
        for pipe in self.pipes:
            pipe.send(("start", start_ns))

    def incoming(self, timeout: float) -> list[Message]:
        live = [self.pipes[i] for i in range(len(self.pipes)) if i not in self.done]
        out = []
        for ready in wait(live, timeout=timeout):
            i = self.pipes.index(ready)  # type: ignore[arg-type]
            out.append((i, *self.receive(i)))
        return out

    def tell_running(self, msg: tuple[Any, ...], *, but: int | None = None) -> None:
        for j, pipe in enumerate(self.pipes):
            if j != but and j not in self.done:
                send_quietly(pipe, msg)

    def close(self) -> None:
        reap(self.procs, self.pipes)


def _collect(
    crew: Crew, run: WorkerRun[P], start_ns: int, on_progress: Callable[[P], Any] | None
) -> bool:
    """Receive until every worker sent its final snapshot; True if stopped early."""
    n = len(run.plans)
    deadline = start_ns + int(run.finish_within_s * 1e9)
    stopped_early = False
    while len(crew.done) < n:
        if time.monotonic_ns() > deadline:
            raise WorkerError(run.overdue)
        for i, kind, payload in crew.incoming(timeout=1.0):
            if kind in run.protocol.relayed:
                crew.tell_running((kind, payload), but=i)
                continue
            if kind != "second":
                raise WorkerError(
                    f"{run.protocol.worker_name} {i + 1} sent an unknown message {kind!r}."
                )
            if payload.get("final"):
                crew.done.add(i)
            for progress in run.aggregator.add(payload):
                if _asks_stop(on_progress, progress) and not stopped_early:
                    stopped_early = True
                    crew.tell_running(("stop",))
    return stopped_early


def _asks_stop(on_progress: Callable[[Any], Any] | None, progress: Any) -> bool:
    """Call the callback; True when it asks to stop."""
    if on_progress is None:
        return False
    answer = on_progress(progress)
    return isinstance(answer, str) and answer.strip().lower() == "stop"
