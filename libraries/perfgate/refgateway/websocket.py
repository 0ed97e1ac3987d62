"""WebSocket /ws: echo, channel subscriptions, publishing and JSON-RPC.

Message formats are documented in docs/refgateway.md; a WebSocket load
tool is written against them, so change them only together with it.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import WSMsgType, web

from .pubsub import Subscriber
from .state import STATE, GatewayState

_CLOSE_TIMEOUT_S = 2.0
_MAX_RPC_IN_FLIGHT = 64


async def ws_handler(request: web.Request) -> web.WebSocketResponse:
    state = request.app[STATE]
    # A short close timeout: on shutdown a client that never answers the
    # close frame must not hold the gateway for aiohttp's default 10 s.
    ws = web.WebSocketResponse(max_msg_size=state.options.max_body_bytes, timeout=_CLOSE_TIMEOUT_S)
    await ws.prepare(request)
    sub = Subscriber(state.options.ws_queue)
    loop = asyncio.get_running_loop()
    writer = loop.create_task(_write(ws, sub))
    rpc_calls = _RpcCalls(state, sub)
    state.websockets.add(ws)
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await _on_text(state, sub, rpc_calls, msg.data)
            elif msg.type == WSMsgType.BINARY:
                await sub.queue.put(msg.data)
            elif msg.type == WSMsgType.ERROR:
                break
    finally:
        state.websockets.discard(ws)
        state.hub.forget(sub)
        state.rpc.forget(sub)
        for task in (*rpc_calls.tasks, writer):
            task.cancel()
        await asyncio.gather(*rpc_calls.tasks, writer, return_exceptions=True)
    return ws


class _RpcCalls:
    """JSON-RPC calls of one socket, answered concurrently like a real gateway's.

    A slow tool call must not hold up the calls behind it; at most
    _MAX_RPC_IN_FLIGHT run at once, after which the socket is not read until
    one finishes.
    """

    def __init__(self, state: GatewayState, sub: Subscriber) -> None:
        self._state = state
        self._sub = sub
        self._slots = asyncio.Semaphore(_MAX_RPC_IN_FLIGHT)
        self.tasks: set[asyncio.Task[None]] = set()

    async def start(self, message: dict[str, Any]) -> None:
        await self._slots.acquire()
        task = asyncio.get_running_loop().create_task(self._answer(message))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _answer(self, message: dict[str, Any]) -> None:
        try:
            answer = await self._state.rpc.handle(message, self._sub)
            if answer is not None:
                await self._sub.reply(answer)
        finally:
            self._slots.release()


async def _write(ws: web.WebSocketResponse, sub: Subscriber) -> None:
    """Send queued messages in order; the only task that writes to `ws`."""
    try:
        while True:
            item = await sub.queue.get()
            if isinstance(item, bytes):
                await ws.send_bytes(item)
            else:
                await ws.send_str(item)
    except (ConnectionError, RuntimeError):
        # The peer went away or the socket is closing. Keep emptying the
        # queue so that a reply the reader is waiting to queue never blocks
        # it; the reader then sees the close and cancels this task.
        while True:
            await sub.queue.get()


async def _on_text(state: GatewayState, sub: Subscriber, rpc_calls: _RpcCalls, text: str) -> None:
    try:
        message = json.loads(text)
    except ValueError:
        message = None
    if not isinstance(message, dict):
        # Plain text (or JSON that is not an object) is echoed as it came.
        await sub.queue.put(text)
        return
    if "jsonrpc" in message:
        await rpc_calls.start(message)
        return
    kind = message.get("type")
    reply: dict[str, Any]
    try:
        if kind == "echo":
            reply = {"type": "echo", "data": message.get("data"), "ts_ns": time.time_ns()}
        elif kind == "ping":
            reply = {"type": "pong", "ts_ns": time.time_ns()}
        elif kind == "subscribe":
            channel = _channel(message)
            seq = state.hub.subscribe(sub, channel)
            reply = {"type": "subscribed", "channel": channel, "seq": seq}
        elif kind == "unsubscribe":
            channel = _channel(message)
            seq = state.hub.unsubscribe(sub, channel)
            reply = {"type": "unsubscribed", "channel": channel, "seq": seq}
        elif kind == "publish":
            channel = _channel(message)
            seq, subscribers = state.hub.publish(channel, message.get("data"))
            reply = {
                "type": "published",
                "channel": channel,
                "seq": seq,
                "subscribers": subscribers,
            }
        else:
            raise ValueError(
                f"unknown message type {str(kind)[:40]!r}; use echo, ping, subscribe, "
                "unsubscribe or publish"
            )
    except ValueError as exc:
        reply = {"type": "error", "message": str(exc) + "."}
    if "id" in message:
        reply["id"] = message["id"]
    await sub.reply(reply)


def _channel(message: dict[str, Any]) -> str:
    channel = message.get("channel")
    if not isinstance(channel, str):
        raise ValueError('this message needs a "channel" string')
    return channel
