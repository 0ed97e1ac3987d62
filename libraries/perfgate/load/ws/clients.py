"""The simulated clients: one asyncio task each, on aiohttp's WebSocket client.

- broadcast: connect, subscribe, read events until the run ends (then
  unsubscribe, so the `unsubscribed` reply bounds what was expected) or the
  server drops the connection (then reconnect with backoff);
- churn: the same, but each session ends after `session_s` and the client
  starts the next one at once;
- echo: connect and read replies; the worker's sender sends the messages.

A connection the server closes is a disconnection, counted, never a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import WSMsgType

from perfgate.load.events.messages import MessageTemplate, as_int, excerpt, lookup
from perfgate.load.events.tracker import SeqTracker
from perfgate.load.ws.context import Context
from perfgate.load.ws.dial import Link

_now = time.monotonic_ns
_DATA = (WSMsgType.TEXT, WSMsgType.BINARY)
_ENDED = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR)

# How a session ended.
UNSUBSCRIBED = "unsubscribed"  # the unsubscribed reply arrived: counts are exact
DROPPED = "dropped"  # the server closed the connection (or it broke)
REFUSED = "refused"  # the gateway answered the subscribe with an error
STOPPED = "stopped"  # echo: the run ended

BACKOFF_FIRST_S = 0.05
BACKOFF_MAX_S = 1.0


class Backoff:
    """Waits between reconnection attempts: 50 ms doubling to 1 s, with jitter."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.delay = BACKOFF_FIRST_S

    def reset(self) -> None:
        self.delay = BACKOFF_FIRST_S

    async def sleep(self) -> None:
        await asyncio.sleep(self.delay * self.rng.uniform(0.8, 1.2))
        self.delay = min(self.delay * 2, BACKOFF_MAX_S)


class Client:
    """One simulated dashboard (or echo user)."""

    __slots__ = (
        "ctx",
        "echo",
        "index",
        "last_dropped",
        "ready",
        "seq",
        "start_ns",
        "subscribe",
        "task",
        "tracker",
        "unsub_deadline",
        "unsubscribe",
        "warm_seq",
        "was_connected",
        "ws",
    )

    def __init__(self, ctx: Context, index: int, start_ns: int) -> None:
        protocol = ctx.config.protocol
        self.ctx = ctx
        self.index = index
        self.start_ns = start_ns
        self.ws: Link | None = None
        self.ready = False  # subscribe sent (broadcast, churn) or open for messages (echo)
        self.task: asyncio.Task[None] | None = None
        self.tracker: SeqTracker | None = SeqTracker(0) if ctx.config.mode == "echo" else None
        self.seq = 0  # echo: the last message number sent
        self.warm_seq = 0  # echo: the last message number sent during the warm-up
        self.last_dropped: int | None = None  # broadcast: last seq of a session the server ended
        self.was_connected = False
        self.unsub_deadline: int | None = None
        self.subscribe = MessageTemplate(protocol.subscribe, ctx.channel, index)
        self.unsubscribe = MessageTemplate(protocol.unsubscribe, ctx.channel, index)
        self.echo = MessageTemplate(protocol.echo, ctx.channel, index)

    async def send_unsubscribe(self) -> None:
        ws = self.ws
        if ws is None or ws.closed or self.unsub_deadline is not None:
            return
        self.unsub_deadline = _now() + int(self.ctx.config.timeout_s * 1e9)
        with contextlib.suppress(ConnectionError, RuntimeError, aiohttp.ClientError):
            await ws.send_str(self.unsubscribe.render())

    async def send_echo(self) -> bool:
        """Send the next numbered message; False when the connection is gone."""
        ws = self.ws
        if ws is None or ws.closed:
            return False
        now = _now()
        seq = self.seq + 1
        try:
            await ws.send_str(self.echo.render(seq, now))
        except (ConnectionError, RuntimeError, aiohttp.ClientError):
            return False
        self.seq = seq
        if now < self.ctx.warm_end_ns:
            self.warm_seq = seq
        return True


async def _sleep_until(ns: int) -> None:
    delay = ns - _now()
    if delay > 0:
        await asyncio.sleep(delay / 1e9)


async def _close(ctx: Context, client: Client) -> None:
    ws, client.ws = client.ws, None
    client.ready = False
    if ws is None:
        return
    ctx.recorder.connected -= 1
    if getattr(ws, "silent", False):  # a Socket.IO link whose server stopped pinging
        ctx.note(
            "The Socket.IO server stopped pinging: connections were given up after "
            "pingInterval + pingTimeout without a ping (as Socket.IO clients do) and reconnected.",
            key="socketio-silent",
        )
    if not ws.closed:
        with contextlib.suppress(
            asyncio.TimeoutError, ConnectionError, RuntimeError, aiohttp.ClientError
        ):
            await asyncio.wait_for(ws.close(), 1.0)


# What `_document` returns for a frame that ends the connection (compared by identity).
_END: dict[str, Any] = {}


def _document(ctx: Context, msg: aiohttp.WSMessage) -> dict[str, Any] | None:
    """A data frame's JSON object; `_END` when the connection ended; None for a frame
    to pass over: a control frame, or data that is no JSON object (counted, noted)."""
    if msg.type not in _DATA:
        return _END if msg.type in _ENDED else None
    if type(msg.data) is dict:  # a Socket.IO link's message, decoded already
        return msg.data
    try:
        doc = json.loads(msg.data)
    except ValueError:
        doc = None
    if type(doc) is dict:
        return doc
    _unrecognized(ctx, msg.data)
    return None


def _unrecognized(ctx: Context, data: Any) -> None:
    ctx.recorder.unrecognized += 1
    if not isinstance(data, (str, bytes)):
        data = json.dumps(data, default=str)  # a decoded Socket.IO message
    ctx.note(
        f"The gateway sent messages PerfGate did not recognise, e.g. {excerpt(data)!r}; "
        "check the protocol fields.",
        key="unrecognized",
    )


# -- broadcast and churn --------------------------------------------------------


class _Opening:
    """What a session knows before its subscribed reply has set the count's base."""

    __slots__ = ("base_missing", "early")

    def __init__(self) -> None:
        self.early: list[int] = []  # sequence numbers that came before the subscribed reply
        self.base_missing = False  # the reply had no sequence number: count from the first event


async def subscription(ctx: Context, client: Client, ws: Link) -> str:
    """Subscribe, read events until the session ends; count it; return how it ended."""
    protocol = ctx.config.protocol
    paths = ctx.paths
    client.ws = ws
    client.ready = True
    client.unsub_deadline = None
    client.tracker = None
    opening = _Opening()
    try:
        await ws.send_str(client.subscribe.render())
    except (ConnectionError, RuntimeError, aiohttp.ClientError):
        return DROPPED
    while True:
        # Straight to the link while no unsubscribe waits for its reply: a coroutine less
        # per event, and 1,000 clients' waiting coroutines are what young-generation
        # collections walk after each event (their pauses delay every receipt behind them).
        if client.unsub_deadline is None:
            msg = await ws.receive()
        else:
            msg = await _receive(ctx, client, ws)
        if msg is None:
            return UNSUBSCRIBED
        now = _now()
        doc = _document(ctx, msg)
        if doc is None:
            continue
        if doc is _END:
            break
        kind = lookup(doc, paths.type) if paths.type else protocol.event_type
        if kind == protocol.event_type:
            _on_event(ctx, client, doc, now, opening)
        elif kind == protocol.subscribed_type:
            _on_subscribed(ctx, client, doc, opening)
        elif kind == protocol.unsubscribed_type:
            _finish(ctx, client, as_int(lookup(doc, paths.seq)))
            return UNSUBSCRIBED
        elif kind == protocol.error_type:
            message = lookup(doc, paths.message)
            ctx.note(f"The gateway answered with an error: {excerpt(str(message))}", key="error")
            if client.tracker is None:
                ctx.recorder.subscribe_errors += 1
                return REFUSED
        else:
            _unrecognized(ctx, msg.data)
    # The server (or the network) ended the session.
    if client.tracker is not None:
        client.last_dropped = client.tracker.high
    _finish(ctx, client, None)
    return DROPPED


async def _receive(ctx: Context, client: Client, ws: Link) -> aiohttp.WSMessage | None:
    """The next message once the unsubscribe is sent; None when it got no reply in time
    (the session is then counted as it stands)."""
    deadline = client.unsub_deadline
    assert deadline is not None
    try:
        return await asyncio.wait_for(ws.receive(), max(deadline - _now(), 0) / 1e9)
    except asyncio.TimeoutError:
        ctx.note(
            f"Some unsubscribe messages got no reply within {ctx.config.timeout_s:g} s; "
            "events those sessions missed at their very end are not counted.",
            key="unsub-timeout",
        )
        _finish(ctx, client, None)
        return None


def _on_event(
    ctx: Context, client: Client, doc: dict[str, Any], now: int, opening: _Opening
) -> None:
    rec = ctx.recorder
    paths = ctx.paths
    rec.received += 1
    stamp = lookup(doc, paths.time)
    if stamp is not None:
        rec.stamp(stamp, now)
    seq = as_int(lookup(doc, paths.seq))
    if seq is None:
        return
    tracker = client.tracker
    if tracker is None:
        if not opening.base_missing:
            opening.early.append(seq)
            return
        tracker = client.tracker = SeqTracker(seq - 1)
    rec.gaps += tracker.add(seq)


def _on_subscribed(ctx: Context, client: Client, doc: dict[str, Any], opening: _Opening) -> None:
    """The subscribed reply: the base the session counts from (its sequence number)."""
    base = as_int(lookup(doc, ctx.paths.seq))
    if base is None:
        opening.base_missing = True
        ctx.note(
            f"The subscribed reply carries no {ctx.config.protocol.seq_field!r}: each session "
            "counts from the first event it received.",
            key="no-base",
        )
        if opening.early:
            base = min(opening.early) - 1
    if base is None:
        return
    tracker = client.tracker = SeqTracker(base)
    if client.last_dropped is not None and ctx.config.mode == "broadcast":
        ctx.missed_while_disconnected(client.last_dropped, base)
    client.last_dropped = None
    for seq in opening.early:
        ctx.recorder.gaps += tracker.add(seq)
    opening.early.clear()


def _finish(ctx: Context, client: Client, upper: int | None) -> None:
    tracker, client.tracker = client.tracker, None
    if tracker is not None:
        if upper is not None and upper > tracker.high:
            ctx.recorder.gaps += upper - tracker.high  # the session's missing tail
        ctx.finish_session(tracker, upper)


def abandon(ctx: Context, client: Client) -> None:
    """Count the session of a client stopped before it ended (its tail is not counted)."""
    if ctx.config.mode != "echo":
        _finish(ctx, client, None)


async def broadcast_client(ctx: Context, client: Client, rng: random.Random) -> None:
    """Stay subscribed until the run ends, reconnecting after drops."""
    await _stay_connected(ctx, client, rng, subscription)


async def _stay_connected(
    ctx: Context,
    client: Client,
    rng: random.Random,
    session: Callable[[Context, Client, Link], Awaitable[str]],
) -> None:
    """`session` on every connection until the run ends; reconnect with backoff after a
    refusal, or after a drop when reconnecting is on."""
    rec = ctx.recorder
    backoff = Backoff(rng)
    await _sleep_until(client.start_ns)
    while not ctx.stopping:
        ws = await ctx.connect()
        if ws is None:
            await backoff.sleep()
            continue
        if client.was_connected:
            rec.reconnects += 1
        client.was_connected = True
        backoff.reset()
        try:
            ended = await session(ctx, client, ws)
        finally:
            await _close(ctx, client)
        if ended in (UNSUBSCRIBED, STOPPED):
            return
        if ended == DROPPED:
            rec.disconnections += 1
            if not ctx.config.reconnect:
                return
        await backoff.sleep()


async def churn_client(ctx: Context, client: Client, rng: random.Random) -> None:
    """Connect, subscribe, hold for a session, unsubscribe, close; again until the run ends."""
    rec = ctx.recorder
    backoff = Backoff(rng)
    period_ns = int(ctx.config.session_s * 1e9)
    next_start = client.start_ns
    loop = asyncio.get_running_loop()
    while not ctx.stopping:
        await _sleep_until(next_start)
        ws = await ctx.connect()
        if ws is None:
            await backoff.sleep()
            next_start = _now()
            continue
        backoff.reset()
        session_end = next_start + period_ns
        timer = loop.call_later(
            max(session_end - _now(), 0) / 1e9,
            lambda: asyncio.ensure_future(client.send_unsubscribe()),
        )
        try:
            ended = await subscription(ctx, client, ws)
        finally:
            timer.cancel()
            await _close(ctx, client)
        if ended == DROPPED:
            rec.disconnections += 1
        elif ended == REFUSED:
            await backoff.sleep()
        next_start = max(session_end, _now())


# -- echo ---------------------------------------------------------------------------


async def echo_reader(ctx: Context, client: Client, ws: Link) -> None:
    """Read echo replies until the connection ends."""
    tracker = client.tracker
    assert tracker is not None
    while True:
        msg = await ws.receive()
        now = _now()
        doc = _document(ctx, msg)
        if doc is _END:
            return
        if doc is not None:
            _on_echo(ctx, tracker, doc, now, msg.data)


def _on_echo(ctx: Context, tracker: SeqTracker, doc: dict[str, Any], now: int, data: Any) -> None:
    protocol = ctx.config.protocol
    paths = ctx.paths
    rec = ctx.recorder
    seq = as_int(lookup(doc, paths.echo_seq))
    if seq is None or (paths.type and lookup(doc, paths.type) != protocol.echo_type):
        if paths.type and lookup(doc, paths.type) == protocol.error_type:
            message = lookup(doc, paths.message)
            ctx.note(f"The gateway answered with an error: {excerpt(str(message))}", key="error")
        rec.unrecognized += 1
        ctx.note(
            f"The gateway sent messages PerfGate did not recognise as echo replies, e.g. "
            f"{excerpt(data if isinstance(data, (str, bytes)) else json.dumps(data))!r}; "
            "check echo_message= and the protocol fields.",
            key="unrecognized",
        )
        return
    rec.received += 1
    sent = as_int(lookup(doc, paths.echo_time))
    if sent is not None:
        rec.event(sent, now)
    rec.gaps += tracker.add(seq)


async def echo_client(ctx: Context, client: Client, rng: random.Random) -> None:
    """Stay connected until the run ends, reconnecting after drops; the worker sends."""
    await _stay_connected(ctx, client, rng, _echo_session)


async def _echo_session(ctx: Context, client: Client, ws: Link) -> str:
    client.ws = ws
    client.ready = True
    await echo_reader(ctx, client, ws)
    return STOPPED if ctx.stopping else DROPPED
