"""One WebSocket load worker process: its share of the clients on one event loop.

Started as `python -m perfgate.load.ws.worker FD PARENT_PID`; the process,
its messages and its reporting clock are `perfgate.load.worker`'s. The plan
it receives first is a `WsWorkerPlan`; besides the common messages, worker 0
sends ("floor", seq), the warm-up's last sequence number once known, which
the parent passes on to the other workers, and a publish trigger that
fails is a ("fatal", sentence).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from perfgate.load.events.errors import FatalRunError
from perfgate.load.events.publisher import Publisher, paced
from perfgate.load.events.tracker import Counts
from perfgate.load.events.workerplan import WorkerPlan
from perfgate.load.fdlimit import FdLimit
from perfgate.load.stages import Stage, arrival_times
from perfgate.load.worker import Intervals, Tick, parent_control, send_second, serve
from perfgate.load.ws.clients import (
    Client,
    abandon,
    broadcast_client,
    churn_client,
    echo_client,
)
from perfgate.load.ws.config import WsLoadConfig
from perfgate.load.ws.context import Context
from perfgate.load.ws.dial import dial

_now = time.monotonic_ns
FLOOR_WAIT_S = 5.0


# The parent's first message: this worker's share of the clients (every `count`-th).
WsWorkerPlan = WorkerPlan[WsLoadConfig]


def main(argv: list[str] | None = None) -> None:
    """`python -m perfgate.load.ws.worker FD PARENT_PID`: FD is our end of a socketpair."""
    serve(_run, argv, fatal=(FatalRunError,))


async def _run(conn: Connection, plan: WsWorkerPlan, start_ns: int, limit: FdLimit) -> None:
    cfg = plan.config
    ctx = Context(
        config=cfg,
        channel=plan.channel,
        worker=plan.index,
        workers=plan.count,
        start_ns=start_ns,
        recorder=plan.recorder(start_ns),
    )
    if limit.note:
        ctx.note(limit.note)
    rng = random.Random(None if cfg.seed is None else cfg.seed * 1000 + plan.index)
    clients = [Client(ctx, g, client_start) for g, client_start in plan.client_starts(start_ns)]
    floor_from_parent: list[int | None] = []

    def relayed(kind: str, payload: Any) -> None:
        if kind == "floor":
            floor_from_parent.append(payload)

    async with ctx.open_session():
        with parent_control(conn, relayed) as stop_requested:
            await _drive(conn, ctx, clients, rng, stop_requested, floor_from_parent)


async def _drive(
    conn: Connection,
    ctx: Context,
    clients: list[Client],
    rng: random.Random,
    stop_requested: Callable[[], bool],
    floor_from_parent: list[int | None],
) -> None:
    clock = Intervals(ctx.start_ns, ctx.end_ns, ctx.config.warmup_s)
    await clock.wait_for_start()
    publisher, background = _start(ctx, clients, rng)
    # A second after the last client was due to start, its objects are long-lived.
    freeze_ns = max((c.start_ns for c in clients), default=ctx.start_ns) + 1_000_000_000

    def target() -> int:
        now = _now()
        return sum(1 for c in clients if c.start_ns <= now)

    def between(now: int) -> None:
        if now >= freeze_ns and not ctx.gc.frozen:
            ctx.gc.freeze()
        if publisher is not None:
            publisher.check_fatal()
            if not ctx.floor_known and publisher.floor_ready():
                _share_floor(conn, ctx, publisher.floor())
        while floor_from_parent and not ctx.floor_known:
            ctx.set_floor(floor_from_parent.pop())

    await clock.run(lambda tick: _send(conn, ctx, tick, target()), stop_requested, between)
    last_target = target()
    last_connected = ctx.recorder.connected
    # Closing thousands of connections is no part of the measurement: the CPU
    # and collector pauses of the wind-down are left out of the last row.
    last = clock.last(time.process_time())
    gc_figures = ctx.gc.drain()
    await _wind_down(ctx, clients, publisher, background)
    if publisher is not None:
        publisher.check_fatal()
        if not ctx.floor_known:
            _share_floor(conn, ctx, publisher.floor())
    if not ctx.floor_known:
        await _await_floor(ctx, floor_from_parent)
    totals = _totals(ctx, clients)
    ctx.recorder.connected = last_connected  # the row shows the end of the run, not the closing
    _send(conn, ctx, last, last_target, totals, gc_figures)


def _start(
    ctx: Context, clients: list[Client], rng: random.Random
) -> tuple[Publisher | None, list[asyncio.Future[None]]]:
    """Start every client, the publisher (worker 0) and the echo sender; return the two latter."""
    cfg = ctx.config
    run_client = {"echo": echo_client, "broadcast": broadcast_client, "churn": churn_client}[
        cfg.mode
    ]
    for client in clients:
        client.task = asyncio.ensure_future(run_client(ctx, client, rng))
    publisher = None
    if cfg.publishes and ctx.worker == 0:
        session = ctx.session
        assert session is not None
        publisher = Publisher(ctx, lambda: dial(session, cfg, ctx.ssl))
    background: list[asyncio.Future[None]] = []
    if publisher is not None:
        background.append(asyncio.ensure_future(publisher.run()))
    if cfg.mode == "echo":
        background.append(asyncio.ensure_future(_send_echoes(ctx, clients)))
    return publisher, background


def _share_floor(conn: Connection, ctx: Context, floor: int | None) -> None:
    ctx.set_floor(floor)
    conn.send(("floor", floor))


async def _await_floor(ctx: Context, floor_from_parent: list[int | None]) -> None:
    deadline = _now() + int(FLOOR_WAIT_S * 1e9)
    while not floor_from_parent and _now() < deadline:
        await asyncio.sleep(0.01)
    if floor_from_parent:
        ctx.set_floor(floor_from_parent.pop())
    else:
        ctx.note(
            "The warm-up's last sequence number never arrived from the publisher: losses are "
            "counted from each subscription's start, warm-up included."
        )
        ctx.set_floor(None)


async def _send_echoes(ctx: Context, clients: list[Client]) -> None:
    """Echo messages at this worker's share of the rate, round-robin over open connections."""
    cfg = ctx.config
    rate = cfg.event_rate * len(clients) / cfg.connections
    phase = (ctx.worker + 0.5) / ctx.workers
    times = arrival_times([Stage(cfg.duration_s, rate)], rate, phase=phase % 1.0)
    position = 0
    rec = ctx.recorder

    async def send_one() -> None:
        nonlocal position
        for _ in range(len(clients)):
            client = clients[position]
            position = (position + 1) % len(clients)
            if client.ready and await client.send_echo():
                rec.sent += 1
                return
        rec.send_missed += 1  # no connection open to send it on

    await paced(ctx, times, send_one)


async def _wind_down(
    ctx: Context,
    clients: list[Client],
    publisher: Publisher | None,
    background: list[asyncio.Future[None]],
) -> None:
    """Stop sending, let every session end cleanly (bounded), close everything."""
    ctx.stopping = True
    grace_s = min(ctx.config.timeout_s, 5.0)
    for task in background:
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)
    tasks = [c.task for c in clients if c.task is not None]
    if ctx.config.mode == "echo":
        deadline = _now() + int(grace_s * 1e9)
        while _now() < deadline and any(
            c.ready and c.tracker is not None and not c.tracker.complete(c.seq) for c in clients
        ):
            await asyncio.sleep(0.01)
    else:
        for client in clients:
            if client.ready:
                await client.send_unsubscribe()
            elif client.task is not None:
                client.task.cancel()
    finishing = asyncio.ensure_future(publisher.finish(grace_s)) if publisher else None
    if tasks and ctx.config.mode != "echo":
        _, late = await asyncio.wait(tasks, timeout=grace_s + 0.5)
        if late:
            ctx.note(
                f"{len(late)} client(s) had not finished {grace_s:g} s after the run ended; "
                "they were stopped."
            )
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for client in clients:
        abandon(ctx, client)
        if client.tracker is not None and client.seq > client.tracker.high:
            ctx.recorder.gaps += client.seq - client.tracker.high  # echoes never answered
    if finishing is not None:
        await finishing


def _totals(ctx: Context, clients: list[Client]) -> dict[str, Any]:
    if ctx.config.mode == "echo":
        counts = Counts()
        for client in clients:
            if client.tracker is not None:
                counts.add(client.tracker.counts(client.seq, client.warm_seq))
        missed = 0
    else:
        counts = ctx.counts
        missed = ctx.missed_disconnected()
    return {
        "expected": counts.expected + missed,
        "received": counts.received,
        "lost": counts.lost + missed,
        "missed_disconnected": missed,
        "duplicates": counts.duplicates,
        "out_of_order": counts.out_of_order,
        "sessions": ctx.sessions,
        "unclosed_sessions": ctx.unclosed_sessions,
        "restarts": ctx.restarts,
        "floor": ctx.floor,
        "notes": ctx.notes,
    }


def _send(
    conn: Connection,
    ctx: Context,
    tick: Tick,
    target: int,
    totals: dict[str, Any] | None = None,
    gc_figures: tuple[float, float] | None = None,
) -> None:
    snap = ctx.recorder.drain()
    gc_max_ms, gc_ms = gc_figures or ctx.gc.drain()
    figures = {"gc_max_ms": gc_max_ms, "gc_ms": gc_ms, "target": target, "totals": totals}
    send_second(conn, ctx.worker, tick, {**snap, **figures})


if __name__ == "__main__":
    main()
