"""The broadcast publisher (WebSocket and SSE runs): events on the run's channel at `event_rate`, on schedule.

It runs in worker 0, over its own WebSocket (the `publish` template) or
through an HTTP trigger (`publish_url`, the `publish_body` template), and
stamps every event with `time.monotonic_ns()` as it sends it: subscribers
in any worker on this host read the same clock, so receipt time minus
that stamp is the fan-out latency.

It also finds the warm-up's last sequence number (`floor`): the highest
`seq` the gateway acknowledged for an event sent before the warm-up ended.
Losses are counted above it only.

A failure before any event got through ends the run with one sentence
(a wrong trigger URL must not yield a run of nothing but errors); later
failures are counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Protocol
from urllib.parse import quote

import aiohttp
from aiohttp import WSMsgType

from perfgate.artifacts import redact
from perfgate.load.events.errors import FatalRunError, describe_connect_error
from perfgate.load.events.messages import MessageTemplate, as_int, excerpt, lookup
from perfgate.load.stages import Stage, arrival_times
from perfgate.load.target import make_ssl_context

_now = time.monotonic_ns
MAX_HTTP_IN_FLIGHT = 64
_RECONNECT_S = 0.2


class Context(Protocol):
    """What the publisher needs of a worker's shared state (WebSocket's or SSE's).

    `config` has the run's `url`, `headers`, `timeout_s`, `verify_tls`, `max_lag_s`,
    `duration_s`, `event_rate`, `publish_url` and a `protocol` with `publish`,
    `publish_body`, `published_type` and `error_type`; `recorder` counts `sent`,
    `send_missed` and `publish_errors`; `paths` holds the compiled `type`, `id`, `seq`
    and `message` field paths.
    """

    config: Any
    channel: str
    recorder: Any
    start_ns: int
    stopping: bool
    session: aiohttp.ClientSession | None
    ssl: ssl.SSLContext | bool

    @property
    def paths(self) -> Any: ...

    @property
    def warm_end_ns(self) -> int: ...

    def note(self, text: str, key: str | None = None) -> None: ...


def trigger_url(publish_url: str, channel: str) -> str:
    """The HTTP trigger with `{channel}` filled in (URL-quoted)."""
    return publish_url.replace("{channel}", quote(channel, safe=""))


async def paced(ctx: Context, times: Iterator[float], send: Callable[[], Awaitable[None]]) -> None:
    """Call `send` at each scheduled time (seconds from the start); too late ones are missed."""
    lag_ns = int(ctx.config.max_lag_s * 1e9)
    rec = ctx.recorder
    for t in times:
        due = ctx.start_ns + int(t * 1e9)
        delay = due - _now()
        if delay > 0:
            await asyncio.sleep(delay / 1e9)
        if ctx.stopping:
            return
        if _now() - due > lag_ns:
            rec.send_missed += 1
            continue
        await send()


class Publisher:
    def __init__(self, ctx: Context, connect: Callable[[], Awaitable[Any]] | None = None) -> None:
        protocol = ctx.config.protocol
        self.ctx = ctx
        # How its WebSocket opens (raising what failed): a plain one, unless the protocol
        # has a session layer on it (Socket.IO: load/ws/dial.py) with the same send/receive.
        self.connect = connect or self._plain_connect
        self.n = 0
        self.delivered = False  # an event got through: later failures are counted, not fatal
        self.fatal: str | None = None
        self.warm_pending: set[int] = set()
        self.warm_high: int | None = None
        self.warm_unnumbered = 0
        self.ws: aiohttp.ClientWebSocketResponse[Any] | None = None
        self.reader: asyncio.Task[None] | None = None
        self.order: deque[int] = deque()  # publishes awaiting a WebSocket reply
        self.in_flight = 0  # HTTP publishes awaiting an answer
        self.posts: set[asyncio.Task[None]] = set()
        self.message = MessageTemplate(protocol.publish, ctx.channel)
        self.body = MessageTemplate(protocol.publish_body, ctx.channel)
        self.url = (
            trigger_url(ctx.config.publish_url, ctx.channel) if ctx.config.publish_url else ""
        )
        self.headers = {"Content-Type": "application/json", **dict(ctx.config.headers)}
        https = self.url.startswith("https:")
        self.ssl: ssl.SSLContext | bool = make_ssl_context(ctx.config.verify_tls) if https else True

    # -- the warm-up boundary ---------------------------------------------------------

    def _sent(self, n: int, when: int) -> None:
        self.ctx.recorder.sent += 1
        if when < self.ctx.warm_end_ns:
            self.warm_pending.add(n)

    def _acked(self, n: int | None, seq: int | None) -> None:
        self.delivered = True
        if n is not None and n in self.warm_pending:
            self.warm_pending.discard(n)
            if seq is None:
                self.warm_unnumbered += 1
            else:
                self.warm_high = seq if self.warm_high is None else max(self.warm_high, seq)

    def _failed(self, n: int | None, why: str) -> None:
        self.ctx.recorder.publish_errors += 1
        if n is not None:
            self.warm_pending.discard(n)
        if not self.delivered and self.fatal is None:
            self.fatal = why
        self.ctx.note(f"Publishing failed: {why}.", key="publish:" + why[:40])

    def floor_ready(self) -> bool:
        """True once the warm-up is over and every event sent in it was answered."""
        return _now() >= self.ctx.warm_end_ns and not self.warm_pending

    def floor(self) -> int | None:
        """The warm-up's last sequence number (None: no event was published in it)."""
        if self.warm_pending or self.warm_unnumbered:
            self.ctx.note(
                "The gateway did not confirm every event of the warm-up with a sequence number: "
                "losses are counted from each subscription's start, warm-up included.",
                key="floor",
            )
        return self.warm_high

    def check_fatal(self) -> None:
        if self.fatal is not None:
            raise FatalRunError(self.fatal[0].upper() + self.fatal[1:] + ".")

    # -- running ------------------------------------------------------------------------

    async def run(self) -> None:
        cfg = self.ctx.config
        times = arrival_times([Stage(cfg.duration_s, cfg.event_rate)], cfg.event_rate, phase=0.5)
        await paced(self.ctx, times, self._publish_http if self.url else self._publish_ws)

    async def finish(self, grace_s: float) -> None:
        """Wait (bounded) for answers to the events still unanswered, then close."""
        deadline = _now() + int(grace_s * 1e9)
        while (self.in_flight or self.order) and _now() < deadline:
            if not self.url and (self.ws is None or self.ws.closed):
                break
            await asyncio.sleep(0.005)
        ws, self.ws = self.ws, None
        if ws is not None and not ws.closed:
            with contextlib.suppress(
                asyncio.TimeoutError, ConnectionError, RuntimeError, aiohttp.ClientError
            ):
                await asyncio.wait_for(ws.close(), 1.0)
        if self.reader is not None:
            self.reader.cancel()

    # -- over WebSocket -----------------------------------------------------------------

    async def _plain_connect(self) -> aiohttp.ClientWebSocketResponse[Any]:
        ctx = self.ctx
        assert ctx.session is not None
        return await asyncio.wait_for(
            ctx.session.ws_connect(
                ctx.config.url, headers=dict(ctx.config.headers), max_msg_size=0, ssl=ctx.ssl
            ),
            ctx.config.timeout_s,
        )

    async def _connect(self) -> Any:
        ctx = self.ctx
        try:
            ws = await self.connect()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            why = describe_connect_error(ctx.config.url, exc, ctx.config.timeout_s)
            self._failed(None, "the publisher " + why.rstrip("."))
            return None
        self.order.clear()
        if self.reader is not None:
            self.reader.cancel()
        self.reader = asyncio.ensure_future(self._read_replies(ws))
        return ws

    async def _publish_ws(self) -> None:
        ws = self.ws
        if ws is None or ws.closed:
            ws = self.ws = await self._connect()
            if ws is None:
                self.ctx.recorder.send_missed += 1
                await asyncio.sleep(_RECONNECT_S)
                return
        self.n += 1
        n = self.n
        now = _now()
        try:
            await ws.send_str(self.message.render(n, now))
        except (ConnectionError, RuntimeError, aiohttp.ClientError) as exc:
            self._failed(n, f"the publish message could not be sent ({exc or 'closed'})")
            return
        self.order.append(n)
        self._sent(n, now)

    async def _read_replies(self, ws: aiohttp.ClientWebSocketResponse[Any]) -> None:
        """Match `published` (or `error`) replies to publishes, by id or else in order."""
        protocol = self.ctx.config.protocol
        paths = self.ctx.paths
        while True:
            msg = await ws.receive()
            if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
                    break
                continue
            try:
                doc: Any = json.loads(msg.data)
            except ValueError:
                continue
            if not isinstance(doc, dict):
                continue
            kind = lookup(doc, paths.type) if paths.type else protocol.published_type
            if kind not in (protocol.published_type, protocol.error_type):
                continue  # e.g. an event, should the gateway send them to publishers too
            n = as_int(lookup(doc, paths.id))
            if n is None or n not in self.order:
                n = self.order[0] if self.order else None
            if n is not None:
                self.order.remove(n)
            if kind == protocol.error_type:
                message = lookup(doc, paths.message)
                self._failed(n, f"the gateway refused a publish: {excerpt(str(message))}")
            else:
                self._acked(n, as_int(lookup(doc, paths.seq)))
        for n in self.order:
            self._failed(n, "the gateway closed the publisher's connection before answering")
        self.order.clear()

    # -- over HTTP ------------------------------------------------------------------------

    async def _publish_http(self) -> None:
        if self.in_flight >= MAX_HTTP_IN_FLIGHT:
            self.ctx.recorder.send_missed += 1
            return
        self.n += 1
        self.in_flight += 1
        task = asyncio.ensure_future(self._post(self.n))
        self.posts.add(task)  # a reference, so the task is not collected mid-flight
        task.add_done_callback(self.posts.discard)

    async def _post(self, n: int) -> None:
        ctx = self.ctx
        assert ctx.session is not None
        url = self.url
        now = _now()
        self._sent(n, now)
        try:
            async with ctx.session.post(
                url,
                data=self.body.render(n, now),
                headers=self.headers,
                ssl=self.ssl,
                timeout=aiohttp.ClientTimeout(total=ctx.config.timeout_s),
            ) as response:
                text = await response.text()
                status = response.status
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            detail = describe_connect_error(url, exc, ctx.config.timeout_s).rstrip(".")
            self._failed(n, f"the publish trigger failed: {detail}")
            return
        finally:
            self.in_flight -= 1
        if status >= 400:
            self._failed(
                n,
                f"the publish trigger {redact.url(url)} answered HTTP {status}; check publish_url=",
            )
            return
        seq = None
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            seq = as_int(lookup(doc, self.ctx.paths.seq))
        self._acked(n, seq)
