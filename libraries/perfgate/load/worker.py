"""The worker side of the load pipeline, shared by every protocol's worker process.

A protocol's worker module calls `serve(run)` from its `main`. Started as
`python -m <module> FD PARENT_PID` by `perfgate.procs.workerproc` (not
multiprocessing, whose "spawn" re-imports the parent's __main__ - a user's
script, a Robot runner - in the child), the worker is bound to the parent's
life, ignores SIGINT (Ctrl-C reaches the whole process group; the parent
decides when to stop), raises its open-files limit, and talks over a
socketpair wrapped in multiprocessing's Connection (pickled messages):

From the parent, first:
    plan                      this worker's share of the run (the protocol's own)
Messages to the parent:
    ("ready", info)           set up; info: {"pid": ..., "fd_limit": FdLimit}
    ("second", snapshot)      one per interval, the last with "final": True
    ("fatal", sentence)       the run cannot go on (one of `serve`'s `fatal` exceptions)
    ("error", text)           the worker failed; text is a traceback
    a protocol's own          e.g. WebSocket's ("floor", seq), relayed to the other workers
From the parent:
    ("start", start_ns)       begin at this time.monotonic_ns() (shared across processes on Linux)
    ("stop",)                 end early (the last snapshot still comes)

`Intervals` is the reporting clock every worker runs on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from perfgate.load.fdlimit import FdLimit, raise_fd_limit
from perfgate.procs.lifeline import bind_to_parent

_now = time.monotonic_ns
CONTROL_INTERVAL_S = 0.1  # how often a worker's control work runs between reports

# The protocol's coroutine: (pipe to the parent, plan, start instant, open-files limit).
RunWorker = Callable[[Connection, Any, int, FdLimit], Awaitable[None]]


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # uvloop is optional (not on Windows): asyncio works, slower
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def serve(
    run: RunWorker,
    argv: list[str] | None = None,
    fatal: tuple[type[BaseException], ...] = (),
) -> None:
    """Be a worker: `argv` (default sys.argv[1:]) is FD PARENT_PID, FD our end of a socketpair."""
    args = sys.argv[1:] if argv is None else argv
    fd, parent_pid = int(args[0]), int(args[1])
    bind_to_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit = raise_fd_limit()
    conn = Connection(fd)
    try:
        plan = conn.recv()
        loop = new_event_loop()
        asyncio.set_event_loop(loop)
        conn.send(("ready", {"pid": os.getpid(), "fd_limit": limit}))
        msg = conn.recv()
        if msg[0] != "start":
            return
        loop.run_until_complete(run(conn, plan, int(msg[1]), limit))
        loop.close()
    except fatal as exc:
        with contextlib.suppress(OSError):
            conn.send(("fatal", str(exc)))
        raise SystemExit(1) from None
    except BaseException:
        with contextlib.suppress(OSError):
            conn.send(("error", traceback.format_exc()))
        raise SystemExit(1) from None


@dataclass(frozen=True)
class Tick:
    """One reporting interval of a worker."""

    index: int
    t: float  # start, seconds from the run's start
    interval_s: float
    cpu_s: float  # this process's CPU time over the interval
    final: bool = False


@contextlib.contextmanager
def parent_control(
    conn: Connection, relayed: Callable[[str, Any], None]
) -> Iterator[Callable[[], bool]]:
    """Read the parent's messages while the worker runs: ("stop",) and the
    protocol's relayed kinds, which go to `relayed(kind, payload)`. Yields
    "has a stop been asked?" (also true once the parent is gone)."""
    stop = [False]

    def on_control() -> None:
        try:
            while conn.poll():
                msg = conn.recv()
                if msg[0] == "stop":
                    stop[0] = True
                else:
                    relayed(msg[0], msg[1])
        except (EOFError, OSError):
            stop[0] = True  # the parent is gone

    loop = asyncio.get_running_loop()
    loop.add_reader(conn.fileno(), on_control)
    try:
        yield lambda: stop[0]
    finally:
        loop.remove_reader(conn.fileno())


def send_second(conn: Connection, worker: int, tick: Tick, figures: dict[str, Any]) -> None:
    """Send one interval's figures with the header the pipeline merges by
    (`perfgate.load.seconds`): which worker, which interval, when, how long,
    the worker's CPU time over it, and whether it is the worker's last."""
    header = {
        "worker": worker,
        "second": tick.index,
        "t": tick.t,
        "interval_s": tick.interval_s,
        "cpu_s": tick.cpu_s,
        "final": tick.final,
    }
    conn.send(("second", {**figures, **header}))


class Intervals:
    """A worker's reporting intervals: interval k ends `edge(k)` seconds after the start.

    Whole seconds, except that a fractional warm-up (e.g. 0.05 s under a CI
    time scale) gets a short first interval so that the warm-up ends exactly
    on an edge. `run` reports every interval that ends before the run's end
    or a stop; the last, shorter one is the worker's to send (`last`), once
    it has wound down.
    """

    def __init__(self, start_ns: int, end_ns: int, warmup_s: float) -> None:
        self.start_ns = start_ns
        self.end_ns = end_ns
        self._offset = warmup_s % 1.0
        self.index = 0  # the interval now running
        self._cpu_mark = time.process_time()
        self._t_end = 0.0  # where the run ended, seconds from the start

    def edge(self, k: int) -> float:
        return self._offset + k if self._offset > 0 else k + 1.0

    def begin(self, k: int) -> float:
        return 0.0 if k == 0 else self.edge(k - 1)

    async def wait_for_start(self) -> None:
        delay = (self.start_ns - _now()) / 1e9
        if delay > 0:
            await asyncio.sleep(delay)

    async def run(
        self,
        report: Callable[[Tick], None],
        stopped: Callable[[], bool],
        between: Callable[[int], None],
    ) -> None:
        """Call `report` at every edge and `between(now)` at least every
        CONTROL_INTERVAL_S in between, until the end or `stopped()`."""
        self._cpu_mark = time.process_time()
        while True:
            now = _now()
            if stopped() or now >= self.end_ns:
                break
            boundary = self.start_ns + int(self.edge(self.index) * 1e9)
            if now >= boundary:
                begin = self.begin(self.index)
                report(self._tick(begin, self.edge(self.index) - begin, time.process_time()))
                self.index += 1
                continue
            between(now)
            wake = min(boundary, self.end_ns, now + int(CONTROL_INTERVAL_S * 1e9))
            await asyncio.sleep(max(wake - _now(), 0) / 1e9)
        self._t_end = (min(_now(), self.end_ns) - self.start_ns) / 1e9

    def last(self, cpu: float) -> Tick:
        """The final interval: from the last edge to where `run` ended; CPU time up to `cpu`."""
        begin = self.begin(self.index)
        return self._tick(begin, max(self._t_end - begin, 0.0), cpu, final=True)

    def _tick(self, t: float, interval_s: float, cpu: float, final: bool = False) -> Tick:
        tick = Tick(self.index, t, interval_s, cpu - self._cpu_mark, final)
        self._cpu_mark = cpu
        return tick
