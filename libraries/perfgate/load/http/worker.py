"""One load worker process: its own event loop, its share of the load,
a snapshot to the parent every second.

Started as `python -m perfgate.load.http.worker FD PARENT_PID` rather than
with multiprocessing, whose "spawn" re-imports the parent's __main__ (a
user's script, a Robot runner) in the child. Messages are pickled over a
socketpair wrapped in multiprocessing's Connection.

From the parent, first:
    WorkerPlan                this worker's share of the run
Messages to the parent:
    ("ready", pid)            set up, waiting for the common start time
    ("second", snapshot)      one per second, the last with "final": True
    ("error", text)           the worker failed; text is a traceback
From the parent:
    ("start", start_ns)       begin at this time.monotonic_ns() (shared across processes on Linux)
    ("stop",)                 end early (the last snapshot still comes)
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import random
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from perfgate.load.http.closed_model import ClosedDriver
from perfgate.load.http.config import LoadConfig
from perfgate.load.http.open_model import OpenDriver
from perfgate.load.http.recorder import Recorder
from perfgate.load.http.scenario import RequestSpec
from perfgate.load.http.session import Session
from perfgate.load.http.templates import SeqCounter
from perfgate.load.http.wire import build_wire_requests
from perfgate.load.stages import Stage, arrival_times, target_at, total_duration
from perfgate.load.target import make_ssl_context, parse_target
from perfgate.procs.lifeline import bind_to_parent

_now = time.monotonic_ns
CONTROL_INTERVAL_S = 0.1  # how often users are added/removed and timeouts swept


@dataclass(frozen=True)
class WorkerPlan:
    index: int
    count: int
    config: LoadConfig
    requests: tuple[RequestSpec, ...]
    max_connections: int  # this worker's share of the pool (open model)


def share(total: float, index: int, count: int) -> int:
    """Worker `index`'s whole share of `total` clients; the shares sum to round(total)."""
    whole = math.floor(total + 0.5)
    return whole // count + (1 if index < whole % count else 0)


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # uvloop is optional (not on Windows): asyncio works, slower
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def main(argv: list[str] | None = None) -> None:
    """`python -m perfgate.load.http.worker FD PARENT_PID`: FD is our end of a socketpair."""
    args = sys.argv[1:] if argv is None else argv
    fd, parent_pid = int(args[0]), int(args[1])
    bind_to_parent(parent_pid)
    # Ctrl-C reaches the whole process group; the parent decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _raise_fd_limit()
    conn = Connection(fd)
    try:
        plan: WorkerPlan = conn.recv()
        loop = new_event_loop()
        asyncio.set_event_loop(loop)
        conn.send(("ready", os.getpid()))
        msg = conn.recv()
        if msg[0] != "start":
            return
        loop.run_until_complete(_run(loop, conn, plan, int(msg[1])))
        loop.close()
    except BaseException:
        with contextlib.suppress(OSError):
            conn.send(("error", traceback.format_exc()))
        raise SystemExit(1) from None


def _raise_fd_limit() -> None:
    """Thousands of connections need thousands of descriptors: take the hard limit."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform, or not allowed: the default limit stands


async def _run(
    loop: asyncio.AbstractEventLoop, conn: Connection, plan: WorkerPlan, start_ns: int
) -> None:
    cfg = plan.config
    target = parse_target(cfg.url)
    ssl_ctx = make_ssl_context(cfg.verify_tls) if target.scheme == "https" else None
    rng = random.Random(None if cfg.seed is None else cfg.seed * 1000 + plan.index)
    requests = build_wire_requests(plan.requests, target, SeqCounter(plan.index, plan.count), rng)
    open_model = cfg.model == "open"
    recorder = Recorder([r.name for r in requests], open_model)
    session = Session(loop, target, ssl_ctx, requests, recorder, cfg.timeout_s, rng)
    await session.resolve()
    stages = list(cfg.stages)
    duration_ns = int(total_duration(stages) * 1e9)
    end_ns = start_ns + duration_ns

    stop_requested = False

    def on_control() -> None:
        nonlocal stop_requested
        try:
            while conn.poll():
                if conn.recv()[0] == "stop":
                    stop_requested = True
        except (EOFError, OSError):
            stop_requested = True  # the parent is gone

    loop.add_reader(conn.fileno(), on_control)

    delay = (start_ns - _now()) / 1e9
    if delay > 0:
        await asyncio.sleep(delay)

    driver: ClosedDriver | OpenDriver
    if open_model:
        mine = [Stage(s.duration_s, s.target / plan.count) for s in stages]
        phase = (plan.index + 0.5) / plan.count
        driver = OpenDriver(
            session,
            arrival_times(mine, phase=phase),
            start_ns,
            plan.max_connections,
            cfg.max_lag_s,
        )
        driver.start()
    else:
        driver = ClosedDriver(session, cfg.think_time_s)

    def target_now(t: float) -> float:
        value = target_at(stages, t)
        return value / plan.count if open_model else float(share(value, plan.index, plan.count))

    # Interval k ends at edge(k) seconds. Whole seconds, except that a
    # fractional warm-up (e.g. 0.05 s under a CI time scale) gets a short
    # first interval so that the warm-up ends exactly on an edge.
    offset = cfg.warmup_s % 1.0

    def edge(k: int) -> float:
        return offset + k if offset > 0 else k + 1.0

    def begin(k: int) -> float:
        return 0.0 if k == 0 else edge(k - 1)

    def target_in(k: int) -> float:
        # Sampled just before the interval ends, like `active`, so a step at
        # an edge shows in the row of the interval it starts.
        return target_now(min(edge(k), duration_ns / 1e9) - 1e-6)

    second = 0
    cpu_mark = time.process_time()
    while True:
        now = _now()
        if stop_requested or now >= end_ns:
            break
        boundary = start_ns + int(edge(second) * 1e9)
        if now >= boundary:
            cpu = time.process_time()
            snap = Tick(second, begin(second), edge(second) - begin(second))
            _send(conn, plan, recorder, snap, driver.active, target_in(second), cpu - cpu_mark)
            cpu_mark = cpu
            second += 1
            continue
        if isinstance(driver, ClosedDriver):
            driver.set_target(int(target_now((now - start_ns) / 1e9)))
        driver.sweep(now)
        wake = min(boundary, end_ns, now + int(CONTROL_INTERVAL_S * 1e9))
        await asyncio.sleep(max(wake - _now(), 0) / 1e9)

    # Finish: send nothing new, give requests in flight a short grace.
    t_end = (min(_now(), end_ns) - start_ns) / 1e9
    last = Tick(second, begin(second), max(t_end - begin(second), 0.0), final=True)
    active = driver.active
    tgt = target_in(second)
    driver.stop()
    grace_end = _now() + int(min(cfg.timeout_s, 2.0) * 1e9)
    while driver.in_flight() and _now() < grace_end:
        driver.sweep(_now())
        await asyncio.sleep(0.005)
    driver.close_all()
    session.cancel_dials()
    loop.remove_reader(conn.fileno())
    cpu = time.process_time()
    _send(conn, plan, recorder, last, active, tgt, cpu - cpu_mark)
    await asyncio.sleep(0)  # let aborted transports run their callbacks


@dataclass(frozen=True)
class Tick:
    """One reporting interval of a worker."""

    index: int
    t: float  # start, seconds from the run's start
    interval_s: float
    final: bool = False


def _send(
    conn: Connection,
    plan: WorkerPlan,
    recorder: Recorder,
    tick: Tick,
    active: int,
    target: float,
    cpu_s: float,
) -> None:
    snap: dict[str, Any] = recorder.drain()
    snap.update(
        worker=plan.index,
        second=tick.index,
        t=tick.t,
        interval_s=tick.interval_s,
        active=active,
        target=target,
        cpu_s=cpu_s,
        final=tick.final,
    )
    conn.send(("second", snap))


if __name__ == "__main__":
    main()
