"""The run's last sequence number: up to where every client of an SSE run counts its losses.

An SSE client has no unsubscribe reply that says where the channel is, as a
WebSocket one has. So when the run ends each worker sends ("top", n), the
highest number any of its clients had, which the coordinator relays to the
other workers (the protocol's relayed kind "top"); worker 0 first asks the
gateway, once its publisher's last events were answered: a new stream's
`subscribed` message gives the channel's own number (only when the run's
streams began with one). Every worker counts up to the highest of them all,
so an event at the end that no client of a worker received, or none of the
run, is lost all the same.
"""

from __future__ import annotations

import asyncio
import json
import time
from multiprocessing.connection import Connection
from typing import Any

import aiohttp

from perfgate.load.sse.client import (
    Context,
    StreamClient,
    refusal,
    stream_headers,
    subscribed_number,
)
from perfgate.load.sse.config import fill_channel
from perfgate.load.sse.stream import StreamParser

# How long a worker waits for the other workers' numbers (worker 0's comes after its
# publisher's last answers, up to half a second, and the gateway's answer).
TOP_WAIT_S = 5.0
# How long worker 0 waits for the gateway's `subscribed` message.
ASK_S = 2.0


class Tops:
    """The numbers the other workers sent, as the worker's control reader receives them."""

    def __init__(self, others: int) -> None:
        self.others = others
        self.received: list[int | None] = []

    def take(self, number: int | None) -> None:
        self.received.append(number)

    async def gather(self, timeout_s: float) -> bool:
        """Wait until every other worker's number is here (True) or `timeout_s` passed."""
        deadline = time.monotonic() + timeout_s
        while len(self.received) < self.others and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return len(self.received) >= self.others


def highest(*numbers: int | None) -> int | None:
    """The highest of the numbers that are known; None when none is."""
    known = [n for n in numbers if n is not None]
    return max(known) if known else None


async def share_top(
    conn: Connection, ctx: Context, clients: list[StreamClient], tops: Tops, ask: bool
) -> int | None:
    """Send this worker's number (with `ask`, the gateway's if higher), gather the others';
    return the run's: the highest of them all (None when no client had an event)."""
    server = await channel_number(ctx, min(ctx.config.timeout_s, ASK_S)) if ask else None
    own = highest(server, *(c.tracker.high for c in clients if c.tracker is not None))
    conn.send(("top", own))
    if not await tops.gather(TOP_WAIT_S):
        ctx.note(
            "Not every worker sent its last sequence number in time: losses at the end are "
            "counted up to the highest number the others had.",
            key="tops",
        )
    return highest(own, *tops.received)


async def channel_number(ctx: Context, timeout_s: float) -> int | None:
    """The channel's last number as the gateway gives it in a new stream's first message
    (`subscribed`); None when that message is something else or comes not in `timeout_s`."""
    try:
        return await asyncio.wait_for(_ask(ctx), timeout_s)
    except (asyncio.TimeoutError, aiohttp.ClientError, OSError):
        return None


async def _ask(ctx: Context) -> int | None:
    cfg = ctx.config
    assert ctx.session is not None
    body = fill_channel(cfg.body, ctx.channel).encode() if cfg.body else None
    async with ctx.session.request(
        cfg.method,
        fill_channel(cfg.url, ctx.channel),
        data=body,
        headers=stream_headers(cfg, json_body=body is not None),
        ssl=ctx.ssl,
    ) as response:
        if refusal(response) is not None:
            return None
        parser = StreamParser()
        while chunk := await response.content.readany():
            for message in parser.feed(chunk):
                try:
                    doc: Any = json.loads(message.data)
                except ValueError:
                    return None
                return subscribed_number(ctx, doc)[1] if isinstance(doc, dict) else None
    return None
