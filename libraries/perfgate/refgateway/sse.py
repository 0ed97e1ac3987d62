"""Server-Sent Events `/sse/{channel}`: a channel's events as a `text/event-stream`.

`GET /sse/{channel}` subscribes; `POST /sse/{channel}` does the same for a
JSON-RPC request body, as streamable-HTTP gateways take one, and answers it
as the stream's first message. Every event is the WebSocket event object
(`{"type": "event", "channel", "seq", "ts_ns", "data"}`) with `id: <seq>`, so
a client that reconnects with `Last-Event-ID` gets the events it missed
that the channel still keeps (`pubsub.REPLAY_EVENTS`). The stream opens
with `retry:` and a `subscribed` message (no id) giving the channel's last
sequence number. `?close_after=N` ends the stream after N events: a
reconnect for the tests. An idle stream gets a `: keep-alive` comment every
15 s, and a stream whose client has gone ends within a second, not at the
channel's next event. Formats: docs/refgateway.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import web

from .pubsub import ChannelLimitError, Subscriber
from .state import STATE

RETRY_MS = 1000
# Proxies close a response that says nothing for a minute or so; a comment line every
# --sse-keepalive seconds (15) keeps an idle stream open through them (clients ignore it).
# How often an open stream checks that its client is still there: aiohttp does not
# cancel a handler whose client went away, and a quiet channel would keep it waiting.
CHECK_S = 1.0
# Queued on shutdown or when the client has gone: the stream ends (an event is never empty).
_END = b""
# Queued by the watcher of an idle stream: write a keep-alive comment.
_KEEPALIVE = b":"


async def sse_handler(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    channel = request.match_info["channel"]
    answer = await _rpc_answer(request) if request.method == "POST" else None
    close_after = _count(request.query.get("close_after"), "close_after")
    last_id = _count(request.headers.get("Last-Event-ID"), "Last-Event-ID")
    sub = Subscriber(state.options.ws_queue)
    try:
        seq = state.hub.subscribe(sub, channel)
    except ChannelLimitError as exc:
        raise web.HTTPConflict(text=str(exc) + ".") from None
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc) + ".") from None
    # Nothing may run between subscribing and taking the kept events: an event
    # published meanwhile would come twice.
    replay = state.hub.channels[channel].since(last_id) if last_id is not None else []
    state.sse_streams.add(sub)
    watcher: asyncio.Task[None] | None = None
    try:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        watcher = asyncio.create_task(_watch(request, sub))
        hello = {"type": "subscribed", "channel": channel, "seq": seq}
        if answer is not None:
            hello = {**answer, "result": hello}
        await response.write(f"retry: {RETRY_MS}\ndata: {json.dumps(hello)}\n\n".encode())
        await _stream(response, sub, replay, close_after)
    except (ConnectionError, RuntimeError):
        pass  # the client went away
    finally:
        if watcher is not None:
            watcher.cancel()
        state.sse_streams.discard(sub)
        state.hub.forget(sub)
    return response


async def _stream(
    response: web.StreamResponse, sub: Subscriber, replay: list[str], close_after: int | None
) -> None:
    sent = 0
    for text in replay:
        await response.write(_frame(text))
        sent += 1
    while close_after is None or sent < close_after:
        item = await sub.queue.get()
        if item == _END:
            break
        if item == _KEEPALIVE:
            await response.write(b": keep-alive\n\n")
            continue
        await response.write(_frame(item if isinstance(item, str) else item.decode()))
        sent += 1


def _frame(text: str) -> bytes:
    # Events are the hub's JSON, one line; the id is their sequence number.
    seq = json.loads(text).get("seq")
    return f"id: {seq}\ndata: {text}\n\n".encode()


def _count(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if not value.strip().isdigit():
        raise web.HTTPBadRequest(text=f"{name} must be a whole number, not {value[:40]!r}.")
    return int(value)


async def _rpc_answer(request: web.Request) -> dict[str, Any]:
    """The JSON-RPC envelope of the answer to a POSTed subscribe request."""
    try:
        body = json.loads(await request.read() or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict) or body.get("jsonrpc") != "2.0":
        raise web.HTTPBadRequest(text="POST /sse/{channel} takes a JSON-RPC 2.0 request object.")
    return {"jsonrpc": "2.0", "id": body.get("id")}


async def _watch(request: web.Request, sub: Subscriber) -> None:
    """End the stream once its client has gone; keep it alive while it is idle."""
    idle_s = 0.0
    while True:
        await asyncio.sleep(CHECK_S)
        transport = request.transport
        if transport is None or transport.is_closing():
            _end(sub)
            return
        idle_s = idle_s + CHECK_S if sub.queue.empty() else 0.0
        if idle_s >= request.app[STATE].options.sse_keepalive:
            sub.queue.put_nowait(_KEEPALIVE)  # the queue is empty: it fits
            idle_s = 0.0


def _end(sub: Subscriber) -> None:
    """Queue the stream's end, dropping what its client will never read if need be."""
    while sub.queue.full():
        with contextlib.suppress(asyncio.QueueEmpty):
            sub.queue.get_nowait()
    sub.queue.put_nowait(_END)


async def end_streams(app: web.Application) -> None:
    """On shutdown, end every open stream so that no request holds the gateway."""
    for sub in list(app[STATE].sse_streams):
        _end(sub)
