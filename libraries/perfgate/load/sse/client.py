"""One SSE client of a worker: a stream, read message by message, reopened when it ends.

A stream counts as connected once the response headers say 200 and
`text/event-stream` (the connect time); its first event gives the time to
first event. When the server ends it (or the connection breaks), the
client waits the server's `retry:` time (else the run's) and reopens it
with `Last-Event-ID`, as browsers do; its sequence tracker goes on across
streams, so an event the server did not replay counts as lost, one it
replayed twice as a duplicate.

Loss is counted per client from the channel's number at subscription (a
`subscribed` message) or else from its first event, up to the run's last
number (`perfgate.load.sse.lastnumber`: the gateway's, else the highest any
client of the run had; the worker waits up to a second for the
stragglers); the warm-up's part (up to the highest it had when the warm-up
ended) is left out.
"""

from __future__ import annotations

import asyncio
import json
import time
from array import array
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from perfgate.artifacts import redact
from perfgate.load.events.context import Paths, WorkerContext
from perfgate.load.events.errors import describe_connect_error, error_kind
from perfgate.load.events.messages import as_int, excerpt, lookup
from perfgate.load.events.tracker import Counts, SeqTracker
from perfgate.load.sse.config import SseLoadConfig, fill_channel
from perfgate.load.sse.stream import Message, StreamParser

_now = time.monotonic_ns
NOT_EVENT_STREAM = "not_event_stream"


@dataclass(frozen=True)
class SsePaths(Paths):
    """The publisher's and event paths, and where a `subscribed` message holds the
    channel's number."""

    subscribed_seq: tuple[str, ...]


@dataclass
class Context(WorkerContext[SseLoadConfig]):
    """What every client of one worker shares, and what the publisher needs of it."""

    paths: SsePaths = field(init=False)
    subscribed: bool = False  # a stream began with a `subscribed` message: the server numbers
    first_event: array[int] = field(default_factory=lambda: array("q"))

    def __post_init__(self) -> None:
        super().__post_init__()
        self.paths = SsePaths.of(self.config.protocol)


class StreamClient:
    def __init__(self, ctx: Context, start_ns: int) -> None:
        self.ctx = ctx
        self.start_ns = start_ns
        self.tracker: SeqTracker | None = None
        self.floor: int | None = None  # the highest number it had when the warm-up ended
        self.last_id = ""
        self.retry_s = ctx.config.retry_s
        cfg = ctx.config
        self.url = fill_channel(cfg.url, ctx.channel)
        self.body = fill_channel(cfg.body, ctx.channel).encode() if cfg.body else None

    def end_warmup(self) -> None:
        self.floor = self.tracker.high if self.tracker is not None else None

    def counts(self, upper: int | None) -> Counts:
        """Its events after the warm-up, up to `upper` (None: the highest it received)."""
        return self.tracker.counts(upper, self.floor) if self.tracker else Counts()

    async def run(self) -> None:
        delay = (self.start_ns - _now()) / 1e9
        if delay > 0:
            await asyncio.sleep(delay)
        ctx = self.ctx
        while not ctx.stopping:
            await self._stream()
            if ctx.stopping or not ctx.config.reconnect:
                return
            await asyncio.sleep(self.retry_s)
            ctx.recorder.reconnects += 1

    async def _stream(self) -> None:
        """One stream, from the request to its end."""
        ctx, cfg, rec = self.ctx, self.ctx.config, self.ctx.recorder
        assert ctx.session is not None
        headers = stream_headers(cfg, self.last_id, self.body is not None)
        began = _now()
        try:
            response = await asyncio.wait_for(
                ctx.session.request(
                    cfg.method, self.url, data=self.body, headers=headers, ssl=ctx.ssl
                ),
                cfg.timeout_s,
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            rec.connect_failed(error_kind(exc))
            ctx.note(f"Connection failures: {describe_connect_error(self.url, exc, cfg.timeout_s)}")
            return
        async with response:
            refused = refusal(response)
            if refused:
                rec.connect_failed(refused[0])
                ctx.note(f"Connection failures: {refused[1]}")
                return
            rec.connected_in(_now() - began)
            try:
                await self._read(response, began)
            finally:
                rec.connected -= 1
        if not ctx.stopping:
            rec.disconnections += 1

    async def _read(self, response: aiohttp.ClientResponse, began: int) -> None:
        parser = StreamParser()
        first = True
        try:
            while not self.ctx.stopping:
                chunk = await response.content.readany()
                if not chunk:
                    break
                now = _now()
                for message in parser.feed(chunk):
                    if self.take(message, now) and first:
                        self.ctx.first_event.append(now - began)
                        first = False
        except (aiohttp.ClientError, ConnectionError, asyncio.TimeoutError):
            pass  # a broken stream: a disconnection, like one the server ended
        finally:
            self.last_id = parser.last_id or self.last_id
            if parser.retry_ms is not None:
                self.retry_s = parser.retry_ms / 1000

    def take(self, message: Message, now: int) -> bool:
        """Take one message; True when it was an event (it had a sequence number)."""
        paths, rec = self.ctx.paths, self.ctx.recorder
        try:
            doc: Any = json.loads(message.data)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and self._subscribed(doc):
            return False
        seq = as_int(lookup(doc, paths.seq)) if paths.seq else as_int(message.id)
        if seq is None:
            rec.unrecognized += 1
            self.ctx.note(
                f"Messages without a sequence number were not counted as events, e.g. "
                f"{excerpt(message.data, 80)!r}.",
                key="unrecognized",
            )
            return False
        rec.received += 1
        if self.tracker is None:
            self.tracker = SeqTracker(seq - 1)
        rec.gaps += max(self.tracker.add(seq), 0)
        stamp = lookup(doc, paths.time)
        if stamp is not None:
            rec.stamp(stamp, now)
        return True

    def _subscribed(self, doc: dict[str, Any]) -> bool:
        """A `subscribed` message (or a JSON-RPC answer holding one): the tracker's start."""
        found, base = subscribed_number(self.ctx, doc)
        if found:
            self.ctx.subscribed = True
            if self.tracker is None and base is not None:
                self.tracker = SeqTracker(base)
        return found


def subscribed_number(ctx: Context, doc: dict[str, Any]) -> tuple[bool, int | None]:
    """(True, the channel's number) when `doc` is a `subscribed` message or a JSON-RPC
    answer holding one (the number None if it has none); (False, None) otherwise."""
    protocol, paths = ctx.config.protocol, ctx.paths
    for where in (doc, doc.get("result")):
        if isinstance(where, dict) and lookup(where, paths.type) == protocol.subscribed_type:
            return True, as_int(lookup(where, paths.subscribed_seq))
    return False, None


def stream_headers(
    config: SseLoadConfig, last_id: str = "", json_body: bool = False
) -> dict[str, str]:
    """The request headers of a stream: the run's, and `Last-Event-ID` when resuming."""
    headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache", **config.headers}
    if json_body:
        headers.setdefault("Content-Type", "application/json")
    if last_id:
        headers["Last-Event-ID"] = last_id
    return headers


def refusal(response: aiohttp.ClientResponse) -> tuple[str, str] | None:
    """(kind, sentence) when a response is no event stream; None when it is one."""
    url = redact.url(str(response.url))
    if response.status != 200:
        return (
            f"http_{response.status}",
            f"The gateway answered HTTP {response.status} at {url} instead of an event stream; "
            "check the URL.",
        )
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind != "text/event-stream":
        return (
            NOT_EVENT_STREAM,
            f"The gateway answered {kind or 'no content type'} at {url} instead of "
            "text/event-stream; is the URL its event stream?",
        )
    return None
