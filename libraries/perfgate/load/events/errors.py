"""What went wrong with a WebSocket connection: a short kind for counts, a sentence for people."""

from __future__ import annotations

import asyncio
import errno
import ssl

import aiohttp

from perfgate.artifacts import redact

REFUSED = "refused"
TIMEOUT = "timeout"
RESET = "reset"
CLOSED = "closed"
TLS = "tls"
DNS = "dns"
HANDSHAKE = "handshake"
CONNECT = "connect"
LIMIT = "fd_limit"


class FatalRunError(RuntimeError):
    """The run cannot go on (say, the publish trigger answers 404); the message says why."""


def error_kind(exc: BaseException) -> str:
    """The kind of a failed connection attempt: refused, timeout, http_503, ..."""
    if isinstance(exc, aiohttp.WSServerHandshakeError):
        status = exc.status
        return f"http_{status}" if status and status != 101 else HANDSHAKE
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return TIMEOUT
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return DNS
    if isinstance(exc, (aiohttp.ClientSSLError, ssl.SSLError)):
        return TLS
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return CLOSED
    os_error = getattr(exc, "os_error", None) or (exc if isinstance(exc, OSError) else None)
    if isinstance(os_error, OSError):
        if isinstance(os_error, ConnectionRefusedError) or os_error.errno == errno.ECONNREFUSED:
            return REFUSED
        if isinstance(os_error, ConnectionResetError) or os_error.errno == errno.ECONNRESET:
            return RESET
        if os_error.errno in (errno.EMFILE, errno.ENFILE):
            return LIMIT
    if isinstance(exc, ConnectionResetError):
        return RESET
    return CONNECT


def describe_connect_error(url: str, exc: BaseException, timeout_s: float) -> str:
    """One sentence saying why `url` could not be opened as a WebSocket and what to do."""
    url = redact.url(url)  # the sentence is logged and kept in the result's notes
    kind = error_kind(exc)
    if isinstance(exc, aiohttp.WSServerHandshakeError):
        status = exc.status
        if status in (401, 403):
            return (
                f"the WebSocket handshake with {url} was refused with HTTP {status}; give the "
                "gateway's credentials with headers= (e.g. Authorization) or in the URL."
            )
        if status and status != 101:
            return (
                f"the WebSocket handshake with {url} was refused: the gateway answered HTTP "
                f"{status} instead of 101 Switching Protocols; is the path a WebSocket endpoint?"
            )
        return (
            f"the WebSocket handshake with {url} failed ({exc.message}); is the path a "
            "WebSocket endpoint?"
        )
    if kind == REFUSED:
        return f"cannot connect to {url}: connection refused; is the gateway running?"
    if kind == TIMEOUT:
        return (
            f"cannot connect to {url}: no handshake within {timeout_s:g} s; is the address right "
            "and the gateway running?"
        )
    if kind == DNS:
        return f"cannot connect to {url}: unknown host; check the URL."
    if kind == TLS:
        return (
            f"cannot connect to {url}: TLS failed ({exc}); for a self-signed test certificate "
            "turn TLS verification off."
        )
    return f"cannot connect to {url}: {exc or type(exc).__name__}; is the gateway running?"
