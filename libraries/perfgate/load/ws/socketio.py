"""Socket.IO v4 over the WebSocket transport: the handshake and a link that speaks it.

The rest of the WebSocket engine sends JSON texts and reads JSON objects;
`SocketIoLink` stands between it and aiohttp's WebSocket so that it need not
know Socket.IO:

- `send_str(text)` takes an emit as its JSON array (`["subscribe", "room"]`) and
  sends `42["subscribe","room"]` (`42/ns,` in a namespace), asking for an
  acknowledgement (`421[...]`) when the event is one whose answer the engine
  reads (subscribe, unsubscribe, echo, publish: `replies`);
- `receive()` answers the server's pings (`2` -> `3`) itself and returns events
  as `{"type": name, "data": first argument}`, acknowledgements (`431[...]`) as
  `{"type": <the reply type of what was sent>, "data": first argument}` - or the
  error type when that argument is an object with an `error` key - and the
  namespace's end (`41`) or Engine.IO's close (`1`) as a closed connection.

Only the WebSocket transport (`EIO=4&transport=websocket`, no long-polling
first) and JSON events: a binary event is passed on as it came, and counted as
unrecognised.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp
from aiohttp import WSMsgType

from perfgate.artifacts import redact
from perfgate.load.events.messages import MessageTemplate, excerpt

DEFAULT_PATH = "/socket.io/"
_CLOSED = aiohttp.WSMessage(WSMsgType.CLOSED, None, None)
# Decodes an event's arguments where they start in the frame, without copying them out.
_DECODER = json.JSONDecoder()
# Engine.IO packet types (the first character of every text frame).
_OPEN, _CLOSE, _PING, _MESSAGE = "0", "1", "2", "4"
# Socket.IO packet types (the character after Engine.IO's "4").
_CONNECT, _DISCONNECT, _EVENT, _ACK, _CONNECT_ERROR = "0", "1", "2", "3", "4"


REFUSED_KIND = "socketio_refused"  # connect_errors_by_kind: the server answered 44


class SocketIoError(ConnectionError):
    """The server answered, but not as a Socket.IO v4 server: the message (a clause, "it
    answered ...") says with what."""


class SocketIoRefused(ConnectionError):
    """The server refused the namespace connect (`44`): auth, or no such namespace."""

    def __init__(self, namespace: str, reason: str) -> None:
        super().__init__(f"namespace {namespace}: {reason}")
        self.namespace = namespace
        self.reason = reason


def error_kind(exc: BaseException) -> str | None:
    """The connect_errors_by_kind key of a Socket.IO failure; None for any other error."""
    if isinstance(exc, SocketIoRefused):
        return REFUSED_KIND
    return "handshake" if isinstance(exc, SocketIoError) else None


def describe(url: str, exc: BaseException) -> str | None:
    """One sentence for a Socket.IO failure; None for any other error."""
    url = redact.url(url)
    if isinstance(exc, SocketIoRefused):
        return (
            f"the Socket.IO server at {url} refused the connection to namespace "
            f"{exc.namespace}: {exc.reason!r}; check namespace= and socketio_auth=."
        )
    if isinstance(exc, SocketIoError):
        return (
            f"the server at {url} did not open a Socket.IO session: {exc}; is it a Socket.IO v4 "
            "server (EIO=4, WebSocket transport allowed)?"
        )
    return None


@dataclass(frozen=True)
class SocketIoOptions:
    """The Socket.IO session of every connection: its namespace and the auth payload it
    sends with the namespace connect (a JSON object, or empty for none)."""

    namespace: str = "/"
    # Credentials, as a rule: never shown (redact.config logs the fields that repr shows).
    auth: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Opening:
    """What the server said when the session opened."""

    sid: str
    ping_interval_ms: int
    ping_timeout_ms: int


def engine_url(url: str) -> str:
    """The WebSocket URL of the Engine.IO endpoint: `http://h:3000` ->
    `ws://h:3000/socket.io/?EIO=4&transport=websocket` (the URL's own path and query kept)."""
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = parts.path if parts.path not in ("", "/") else DEFAULT_PATH
    query = "&".join(q for q in (parts.query, urlencode({"EIO": 4, "transport": "websocket"})) if q)
    return urlunsplit((scheme, parts.netloc, path, query, ""))


def check_namespace(namespace: str) -> str:
    """The namespace as Socket.IO writes it (`/name`), or a ValueError."""
    text = str(namespace).strip() or "/"
    if not text.startswith("/") or any(c in text for c in ",?# "):
        raise ValueError(
            f"invalid Socket.IO namespace {namespace!r}: it starts with / and has no commas, "
            "e.g. /dashboard."
        )
    return text


def check_emit(template: str, what: str) -> str:
    """The event name of an emit template (a JSON array, the event name first), or a ValueError."""
    rendered = MessageTemplate(template, "channel", 0).render(1, 1)
    try:
        emit = json.loads(rendered)
    except ValueError:
        emit = None
    if not isinstance(emit, list) or not emit or not isinstance(emit[0], str):
        raise ValueError(
            f"the Socket.IO {what} {template!r} must be an emit's JSON array, the event name "
            'first, e.g. ["subscribe", "{channel}"].'
        )
    return emit[0]


def _prefix(namespace: str) -> str:
    return "" if namespace == "/" else namespace + ","


def split_packet(text: str) -> tuple[str, str, int | None, Any]:
    """A Socket.IO packet (what follows Engine.IO's `4`): type, namespace, ack id, payload."""
    kind, pos, namespace = text[:1], 1, "/"
    if text.startswith("/", pos):
        comma = text.find(",", pos)
        end = comma if comma >= 0 else len(text)
        namespace, pos = text[pos:end], end + 1
    start = pos
    while pos < len(text) and text[pos].isdigit():
        pos += 1
    ack = int(text[start:pos]) if pos > start else None
    payload = json.loads(text[pos:]) if pos < len(text) else None
    return kind, namespace, ack, payload


async def open_session(
    ws: aiohttp.ClientWebSocketResponse[Any], options: SocketIoOptions
) -> Opening:
    """Read the Engine.IO open packet, connect to the namespace and wait for its answer.

    Raises SocketIoRefused with the server's reason for a `44` (auth or namespace
    refused) and SocketIoError when the server does not speak Engine.IO 4."""
    first = await ws.receive()
    opened = None
    if first.type == WSMsgType.TEXT and first.data.startswith(_OPEN + "{"):
        with contextlib.suppress(ValueError):
            opened = json.loads(first.data[1:])
    if not isinstance(opened, dict):
        shown = excerpt(first.data) if first.type in (WSMsgType.TEXT, WSMsgType.BINARY) else ""
        answer = repr(shown) if shown else f"a {first.type.name.lower()} frame"
        raise SocketIoError(f"it answered {answer}, not an Engine.IO open packet")
    namespace = options.namespace
    auth = json.dumps(dict(options.auth), separators=(",", ":")) if options.auth else ""
    await ws.send_str(_MESSAGE + _CONNECT + _prefix(namespace) + auth)
    while True:
        msg = await ws.receive()
        if msg.type != WSMsgType.TEXT:
            raise SocketIoError(f"it closed the connection before namespace {namespace} answered")
        data = msg.data
        if data == _PING:
            await ws.send_str("3")
            continue
        if not data.startswith(_MESSAGE):
            continue
        try:
            kind, nsp, _, payload = split_packet(data[1:])
        except ValueError:
            raise SocketIoError(f"it answered {excerpt(data)!r}, not a Socket.IO packet") from None
        if nsp != namespace:
            continue
        if kind == _CONNECT_ERROR:
            reason = payload.get("message") if isinstance(payload, dict) else payload
            raise SocketIoRefused(namespace, str(reason))
        if kind == _CONNECT:
            sid = payload.get("sid", "") if isinstance(payload, dict) else ""
            return Opening(
                str(sid), int(opened.get("pingInterval", 0)), int(opened.get("pingTimeout", 0))
            )


class SocketIoLink:
    """One Socket.IO session on one WebSocket, with the send/receive/close of a plain one.

    `replies` maps an event name to the reply type its acknowledgement becomes;
    `decoded` returns messages' data as the dictionary itself (the clients' hot
    path) rather than as JSON text (what the publisher and the pre-run check read).
    """

    __slots__ = (
        "closing",
        "decoded",
        "error_type",
        "event_head",
        "next_id",
        "pending",
        "prefix",
        "replies",
        "silence_s",
        "silent",
        "timer",
        "ws",
    )

    def __init__(
        self,
        ws: aiohttp.ClientWebSocketResponse[Any],
        namespace: str,
        replies: Mapping[str, str],
        error_type: str,
        decoded: bool = False,
        opening: Opening | None = None,
    ) -> None:
        self.ws = ws
        self.prefix = _prefix(namespace)
        # How an event without an ack id starts (`42[`, `42/dash,[`): the hot path.
        self.event_head = _MESSAGE + _EVENT + self.prefix + "["
        self.replies = replies
        self.error_type = error_type
        self.decoded = decoded
        self.pending: dict[int, str] = {}
        self.next_id = 0
        # As Socket.IO clients do: no ping within pingInterval + pingTimeout, the server is
        # gone (stalled, or a proxy lost the connection) and the connection is given up.
        silence_ms = opening.ping_interval_ms + opening.ping_timeout_ms if opening else 0
        self.silence_s = silence_ms / 1000
        self.silent = False  # given up for want of pings
        self.timer: asyncio.TimerHandle | None = None
        self.closing: asyncio.Future[bool] | None = None
        self._watch()

    @property
    def closed(self) -> bool:
        return self.ws.closed

    async def close(self) -> bool:
        if self.timer is not None:
            self.timer.cancel()
        return await self.ws.close()

    def _watch(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self.silence_s > 0:
            self.timer = asyncio.get_running_loop().call_later(self.silence_s, self._give_up)

    def _give_up(self) -> None:
        self.timer = None
        self.silent = True
        self.closing = asyncio.ensure_future(self.ws.close())  # receive() then returns CLOSING

    async def send_str(self, data: str) -> None:
        """Send an emit (its JSON array), with an ack id when its answer is read."""
        name = json.loads(data)[0]
        reply = self.replies.get(name)
        if reply is None:
            await self.ws.send_str(f"42{self.prefix}{data}")
            return
        self.next_id += 1
        self.pending[self.next_id] = reply
        await self.ws.send_str(f"42{self.prefix}{self.next_id}{data}")

    async def receive(self) -> aiohttp.WSMessage:
        """The next event or acknowledgement, as a message the engine reads."""
        ws = self.ws
        while True:
            msg = await ws.receive()
            if msg.type != WSMsgType.TEXT:
                return msg
            data = msg.data
            if self.decoded and data.startswith(self.event_head):
                doc = _event(data, len(self.event_head) - 1)
                if doc is not None:
                    return aiohttp.WSMessage(WSMsgType.TEXT, doc, None)
            head = data[:1]
            if head == _MESSAGE:
                doc = self._document(data)
                if doc is None:
                    continue
                if doc is _CLOSED:
                    return _CLOSED
                value = doc if self.decoded else json.dumps(doc)
                return aiohttp.WSMessage(WSMsgType.TEXT, value, None)
            if head == _PING:
                self._watch()
                await ws.send_str("3")
            elif head == _CLOSE:
                return _CLOSED

    def _document(self, data: str) -> Any:
        """An event or ack as the engine's document; None to pass over; _CLOSED at the end."""
        try:
            kind, _, ack, payload = split_packet(data[1:])
        except ValueError:
            return {"type": None, "raw": data}
        if kind == _EVENT and isinstance(payload, list) and payload:
            return {"type": payload[0], "data": payload[1] if len(payload) > 1 else None}
        if kind == _ACK and ack is not None:
            reply = self.pending.pop(ack, None)
            if reply is None:
                return None
            arg = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(arg, dict) and "error" in arg:
                reply = self.error_type
            return {"type": reply, "data": arg}
        if kind in (_DISCONNECT, _CONNECT_ERROR):
            return _CLOSED
        return {"type": None, "raw": data}  # binary events, and what else is not JSON events


def _event(data: str, start: int) -> dict[str, Any] | None:
    """An event's document, its arguments decoded where they start (the array at `start`);
    None when they are no JSON array of an event name and arguments (the general path
    then says what they are). Every event a client receives comes through here: a tenth of
    the client's time per event goes to the slices and the packet split this avoids."""
    try:
        payload, end = _DECODER.raw_decode(data, start)
    except ValueError:
        return None
    if end != len(data) or type(payload) is not list or not payload:
        return None
    return {"type": payload[0], "data": payload[1] if len(payload) > 1 else None}
