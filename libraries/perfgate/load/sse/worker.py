"""One SSE load worker process: its share of the streams on one event loop.

Started as `python -m perfgate.load.sse.worker FD PARENT_PID`; the process,
its messages and its reporting clock are `perfgate.load.worker`'s. Worker 0
also publishes through the HTTP trigger (`perfgate.load.events.publisher`);
a trigger that fails before any event got through is a ("fatal", sentence).
At the end every worker sends ("top", n), its highest sequence number,
which the parent passes on to the other workers (`perfgate.load.sse.lastnumber`).
The last snapshot carries the worker's exact event counts (`totals`).
"""

from __future__ import annotations

import asyncio
import time
from multiprocessing.connection import Connection
from typing import Any

from perfgate.load.events.errors import FatalRunError
from perfgate.load.events.publisher import Publisher
from perfgate.load.events.recorder import fold
from perfgate.load.events.tracker import Counts
from perfgate.load.events.workerplan import WorkerPlan
from perfgate.load.fdlimit import FdLimit
from perfgate.load.sse.client import Context, StreamClient
from perfgate.load.sse.config import SseLoadConfig
from perfgate.load.sse.lastnumber import Tops, share_top
from perfgate.load.target import make_ssl_context
from perfgate.load.worker import Intervals, Tick, parent_control, send_second, serve

_now = time.monotonic_ns
# How long the streams stay open after the run for the events still on their way.
DRAIN_S = 1.0


# The parent's first message: this worker's share of the streams (every `count`-th).
SseWorkerPlan = WorkerPlan[SseLoadConfig]


def main(argv: list[str] | None = None) -> None:
    """`python -m perfgate.load.sse.worker FD PARENT_PID`: FD is our end of a socketpair."""
    serve(_run, argv, fatal=(FatalRunError,))


async def _run(conn: Connection, plan: SseWorkerPlan, start_ns: int, limit: FdLimit) -> None:
    cfg = plan.config
    ctx = Context(cfg, plan.channel, start_ns, plan.recorder(start_ns))
    if limit.note:
        ctx.note(limit.note[0].upper() + limit.note[1:] + ".")
    https = cfg.url.startswith("https:") or cfg.publish_url.startswith("https:")
    ctx.ssl = make_ssl_context(cfg.verify_tls) if https else True
    clients = [StreamClient(ctx, client_start) for _, client_start in plan.client_starts(start_ns)]
    tops = Tops(plan.count - 1)

    def relayed(kind: str, payload: Any) -> None:
        if kind == "top":
            tops.take(payload)

    async with ctx.open_session():
        with parent_control(conn, relayed) as stop_requested:
            await _drive(conn, ctx, plan.index, clients, stop_requested, tops)


async def _drive(
    conn: Connection,
    ctx: Context,
    worker: int,
    clients: list[StreamClient],
    stopped: Any,
    tops: Tops,
) -> None:
    cfg = ctx.config
    clock = Intervals(ctx.start_ns, ctx.end_ns, cfg.warmup_s)
    await clock.wait_for_start()
    tasks = [asyncio.ensure_future(c.run()) for c in clients]
    publisher = Publisher(ctx) if worker == 0 and cfg.event_rate > 0 else None
    publishing = asyncio.ensure_future(publisher.run()) if publisher else None
    warm = [cfg.warmup_s > 0]

    def target() -> int:
        now = _now()
        return sum(1 for c in clients if c.start_ns <= now)

    def between(now: int) -> None:
        if publisher is not None:
            publisher.check_fatal()
        if warm[0] and now >= ctx.warm_end_ns:
            warm[0] = False
            for client in clients:
                client.end_warmup()

    def report(tick: Tick) -> None:
        between(_now())  # the warm-up ends on an interval's edge: its floor comes first
        _send(conn, ctx, worker, tick, target())

    await clock.run(report, stopped, between)
    last = clock.last(time.process_time())
    last_target, last_connected = target(), ctx.recorder.connected
    if publishing is not None:
        publishing.cancel()
        await asyncio.gather(publishing, return_exceptions=True)
    if publisher is not None:
        # Its last events are answered, hence numbered, before the channel's number is asked.
        await publisher.finish(0.5)
        publisher.check_fatal()
    top = await share_top(conn, ctx, clients, tops, ask=worker == 0 and ctx.subscribed)
    await _drain(clients, top, DRAIN_S if not stopped() else 0.0)
    ctx.stopping = True
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    ctx.recorder.connected = last_connected  # the row shows the end of the run, not the closing
    _send(conn, ctx, worker, last, last_target, _totals(ctx, clients, top))


async def _drain(clients: list[StreamClient], top: int | None, grace_s: float) -> None:
    """Keep the streams open until every client has the run's last number `top` (or
    `grace_s` passed): events still on their way then are not lost, what has not come
    by then is."""
    if top is None:
        return
    deadline = _now() + int(grace_s * 1e9)
    while _now() < deadline and any(c.tracker and c.tracker.high < top for c in clients):
        await asyncio.sleep(0.01)


def _totals(ctx: Context, clients: list[StreamClient], top: int | None) -> dict[str, Any]:
    counts = Counts()
    for client in clients:
        counts.add(client.counts(top))
    return {
        "expected": counts.expected,
        "received": counts.received,
        "lost": counts.lost,
        "duplicates": counts.duplicates,
        "out_of_order": counts.out_of_order,
        "notes": ctx.notes,
    }


def _send(
    conn: Connection,
    ctx: Context,
    worker: int,
    tick: Tick,
    target: int,
    totals: dict[str, Any] | None = None,
) -> None:
    snap = ctx.recorder.drain()
    first, ctx.first_event = ctx.first_event, type(ctx.first_event)("q")
    figures = {**snap, "first_event": fold(first), "target": target, "totals": totals}
    send_second(conn, worker, tick, figures)


if __name__ == "__main__":
    main()
