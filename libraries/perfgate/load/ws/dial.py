"""Opening one connection of a run: a plain WebSocket, or a Socket.IO session on one.

Everything that connects (the clients, the pre-run check) goes through `dial`,
so a Socket.IO run times, counts and describes its connections exactly as a
plain one does: the time to connect is the whole Socket.IO connect (upgrade,
Engine.IO open packet, namespace connect and its `40` answer), and a refused
namespace is a connection failure with the server's reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
from typing import Any, Protocol

import aiohttp

from perfgate.load.events.errors import describe_connect_error, error_kind
from perfgate.load.ws import socketio
from perfgate.load.ws.config import WsLoadConfig, WsProtocol

try:  # aiohttp >= 3.10 takes the close timeout as an object
    from aiohttp import ClientWSTimeout

    _WS_TIMEOUT: Any = ClientWSTimeout(ws_receive=None, ws_close=1.0)
except ImportError:  # pragma: no cover - older aiohttp takes seconds
    _WS_TIMEOUT = 1.0


class Link(Protocol):
    """What the engine uses of a connection: aiohttp's WebSocket, or a `SocketIoLink`."""

    @property
    def closed(self) -> bool: ...

    async def send_str(self, data: str) -> None: ...

    async def receive(self) -> Any: ...

    async def close(self) -> bool: ...


async def dial(
    session: aiohttp.ClientSession,
    config: WsLoadConfig,
    ssl_context: ssl.SSLContext | bool,
    *,
    decoded: bool = False,
) -> Link:
    """One connection to `config.url`, open within `config.timeout_s`; raises what failed."""
    upgraded: list[bool] = []
    try:
        return await asyncio.wait_for(
            _open(session, config, ssl_context, decoded, upgraded), config.timeout_s
        )
    except asyncio.TimeoutError:
        if upgraded:  # a WebSocket that never said a word of Socket.IO: say so
            raise socketio.SocketIoError(f"it sent nothing within {config.timeout_s:g} s") from None
        raise


async def _open(
    session: aiohttp.ClientSession,
    config: WsLoadConfig,
    ssl_context: ssl.SSLContext | bool,
    decoded: bool,
    upgraded: list[bool],
) -> Link:
    options = config.socketio
    ws = await session.ws_connect(
        socketio.engine_url(config.url) if options else config.url,
        headers=dict(config.headers),
        autoping=True,
        max_msg_size=0,
        ssl=ssl_context,
        timeout=_WS_TIMEOUT,
    )
    if options is None:
        return ws
    upgraded.append(True)
    try:
        opening = await socketio.open_session(ws, options)
    except BaseException:
        # A refused namespace (or a timeout, or a cancelled run) leaves no socket open.
        await asyncio.shield(ws.close())
        raise
    protocol = config.protocol
    return socketio.SocketIoLink(
        ws, options.namespace, replies(protocol), protocol.error_type, decoded, opening
    )


@functools.lru_cache(maxsize=8)
def replies(protocol: WsProtocol) -> dict[str, str]:
    """Socket.IO: the event names whose acknowledgement the engine reads, and as what."""
    answered = {
        protocol.subscribe: protocol.subscribed_type,
        protocol.unsubscribe: protocol.unsubscribed_type,
        protocol.echo: protocol.echo_type,
        protocol.publish: protocol.published_type,
    }
    names = {}
    for template, reply in answered.items():
        # validate() checked the templates the run sends; the others need no answer.
        with contextlib.suppress(ValueError):
            names[socketio.check_emit(template, "message")] = reply
    return names


def uses_tls(config: WsLoadConfig) -> bool:
    """wss:// - or, for Socket.IO, https:// too."""
    return config.url.startswith(("wss:", "https:"))


def failure_kind(exc: BaseException) -> str:
    """The connect_errors_by_kind key of a failed connection."""
    return socketio.error_kind(exc) or error_kind(exc)


def describe_failure(url: str, exc: BaseException, timeout_s: float) -> str:
    """One sentence saying why `url` could not be opened and what to do."""
    return socketio.describe(url, exc) or describe_connect_error(url, exc, timeout_s)
