"""One load worker process: its own event loop, its share of the load,
a snapshot to the parent every second.

Started as `python -m perfgate.engine.worker FD PARENT_PID` rather than
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

from perfgate.engine.closed_model import ClosedDriver
from perfgate.engine.config import LoadConfig
from perfgate.engine.open_model import OpenDriver
from perfgate.engine.recorder import Recorder
from perfgate.engine.scenario import RequestSpec
from perfgate.engine.session import Session
from perfgate.engine.target import make_ssl_context, parse_target
from perfgate.engine.templates import SeqCounter
from perfgate.engine.wire import build_wire_requests
from perfgate.lifeline import bind_to_parent
from perfgate.stages import Stage, arrival_times, target_at, total_duration

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
    """`python -m perfgate.engine.worker FD PARENT_PID`: FD is our end of a socketpair."""
    args = sys.argv[1:] if argv is None else argv
    fd, parent_pid = int(args[0]), int(args[1])
    bind_to_parent(parent_pid)
    # Ctrl-C reaches the whole process group; the parent decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
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

    def target_in(second: int) -> float:
        # Sampled just before the second ends, like `active`, so a step at a
        # whole second shows in the row of the second it starts.
        return target_now(min(second + 1.0, duration_ns / 1e9) - 1e-6)

    second = 0
    cpu_mark = time.process_time()
    while True:
        now = _now()
        done = stop_requested or now >= end_ns
        if done:
            break
        if now >= start_ns + (second + 1) * 1_000_000_000:
            cpu = time.process_time()
            _send(
                conn, plan, recorder, second, 1.0, driver.active, target_in(second), cpu - cpu_mark
            )
            cpu_mark = cpu
            second += 1
            continue
        if isinstance(driver, ClosedDriver):
            driver.set_target(int(target_now((now - start_ns) / 1e9)))
        driver.sweep(now)
        boundary = start_ns + (second + 1) * 1_000_000_000
        wake = min(boundary, end_ns, now + int(CONTROL_INTERVAL_S * 1e9))
        await asyncio.sleep(max(wake - _now(), 0) / 1e9)

    # Finish: send nothing new, give requests in flight a short grace.
    interval = max(min(_now(), end_ns) - (start_ns + second * 1_000_000_000), 0) / 1e9
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
    _send(conn, plan, recorder, second, interval, active, tgt, cpu - cpu_mark, final=True)
    await asyncio.sleep(0)  # let aborted transports run their callbacks


def _send(
    conn: Connection,
    plan: WorkerPlan,
    recorder: Recorder,
    second: int,
    interval_s: float,
    active: int,
    target: float,
    cpu_s: float,
    final: bool = False,
) -> None:
    snap: dict[str, Any] = recorder.drain()
    snap.update(
        worker=plan.index,
        second=second,
        interval_s=interval_s,
        active=active,
        target=target,
        cpu_s=cpu_s,
        final=final,
    )
    conn.send(("second", snap))


if __name__ == "__main__":
    main()
