"""One HTTP load worker process: its own event loop, its share of the load,
a snapshot to the parent every second.

Started as `python -m perfgate.load.http.worker FD PARENT_PID`; the process,
its messages and its reporting clock are `perfgate.load.worker`'s. The plan
it receives first is a `WorkerPlan`.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

from perfgate.load.fdlimit import FdLimit
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
from perfgate.load.worker import Intervals, Tick, send_second, serve

_now = time.monotonic_ns


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


def main(argv: list[str] | None = None) -> None:
    """`python -m perfgate.load.http.worker FD PARENT_PID`: FD is our end of a socketpair."""
    serve(_run, argv)


async def _run(conn: Connection, plan: WorkerPlan, start_ns: int, _limit: FdLimit) -> None:
    cfg = plan.config
    loop = asyncio.get_running_loop()
    recorder = Recorder([r.name for r in plan.requests], cfg.model == "open")
    session = await _session(loop, plan, recorder)
    stages = list(cfg.stages)
    duration_s = total_duration(stages)
    clock = Intervals(start_ns, start_ns + int(duration_s * 1e9), cfg.warmup_s)
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
    await clock.wait_for_start()
    driver = _driver(session, plan, start_ns)

    def target_now(t: float) -> float:
        value = target_at(stages, t)
        return (
            value / plan.count
            if cfg.model == "open"
            else float(share(value, plan.index, plan.count))
        )

    def target_in(k: int) -> float:
        # Sampled just before the interval ends, like `active`, so a step at
        # an edge shows in the row of the interval it starts.
        return target_now(min(clock.edge(k), duration_s) - 1e-6)

    def between(now: int) -> None:
        if isinstance(driver, ClosedDriver):
            driver.set_target(int(target_now((now - start_ns) / 1e9)))
        driver.sweep(now)

    def report(tick: Tick) -> None:
        _send(conn, plan, recorder, tick, driver.active, target_in(tick.index))

    await clock.run(report, lambda: stop_requested, between)
    # Finish: send nothing new, give requests in flight a short grace.
    active, tgt = driver.active, target_in(clock.index)
    await _wind_down(driver, min(cfg.timeout_s, 2.0))
    session.cancel_dials()
    loop.remove_reader(conn.fileno())
    _send(conn, plan, recorder, clock.last(time.process_time()), active, tgt)
    await asyncio.sleep(0)  # let aborted transports run their callbacks


async def _session(
    loop: asyncio.AbstractEventLoop, plan: WorkerPlan, recorder: Recorder
) -> Session:
    """The worker's connections to the target, its requests encoded, the host resolved."""
    cfg = plan.config
    target = parse_target(cfg.url)
    ssl_ctx = make_ssl_context(cfg.verify_tls) if target.scheme == "https" else None
    rng = random.Random(None if cfg.seed is None else cfg.seed * 1000 + plan.index)
    requests = build_wire_requests(plan.requests, target, SeqCounter(plan.index, plan.count), rng)
    session = Session(loop, target, ssl_ctx, requests, recorder, cfg.timeout_s, rng)
    await session.resolve()
    return session


def _driver(session: Session, plan: WorkerPlan, start_ns: int) -> ClosedDriver | OpenDriver:
    cfg = plan.config
    if cfg.model != "open":
        return ClosedDriver(session, cfg.think_time_s)
    mine = [Stage(s.duration_s, s.target / plan.count) for s in cfg.stages]
    phase = (plan.index + 0.5) / plan.count
    driver = OpenDriver(
        session,
        arrival_times(mine, phase=phase),
        start_ns,
        plan.max_connections,
        cfg.max_lag_s,
    )
    driver.start()
    return driver


async def _wind_down(driver: ClosedDriver | OpenDriver, grace_s: float) -> None:
    driver.stop()
    grace_end = _now() + int(grace_s * 1e9)
    while driver.in_flight() and _now() < grace_end:
        driver.sweep(_now())
        await asyncio.sleep(0.005)
    driver.close_all()


def _send(
    conn: Connection,
    plan: WorkerPlan,
    recorder: Recorder,
    tick: Tick,
    active: int,
    target: float,
) -> None:
    send_second(conn, plan.index, tick, {**recorder.drain(), "active": active, "target": target})


if __name__ == "__main__":
    main()
