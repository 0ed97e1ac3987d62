"""One HTTP/1.1 keep-alive client connection on an asyncio protocol.

One request at a time (no pipelining). The httptools parser calls back
only for what the run needs: `on_message_complete` always, `on_header`
only while the worker still looks for `Server-Timing`, `on_body` only for
a request whose JSON is checked - each callback is a Python call per
response, which is what a fast client cannot afford to waste.
"""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any, Protocol

import httptools

from perfgate.load.http import errors
from perfgate.load.http.wire import WireRequest

_now = time.monotonic_ns


class Owner(Protocol):
    """Who drives a connection: a closed-model client or the open-model pool."""

    def on_response(
        self, conn: HttpConnection, status: int, body: bytes | None, now: int
    ) -> None: ...

    def on_failure(self, conn: HttpConnection, kind: str) -> None: ...

    def on_connected(self, conn: HttpConnection) -> None: ...


class HeaderWatch:
    """Worker-wide switch: look at response headers until we know whether
    the server sends Server-Timing (it usually does on every response or
    on none), then stop paying for a callback per header."""

    def __init__(self, sink: Any, probe_responses: int = 200) -> None:
        self.active = True
        self.seen = False
        self.left = probe_responses
        self.sink = sink  # has server_timing_header(bytes)

    def response_done(self) -> None:
        if not self.seen:
            self.left -= 1
            if self.left <= 0:
                self.active = False


class HttpConnection(asyncio.Protocol):
    __slots__ = (
        "_body",
        "_callbacks",
        "_head",
        "_mode",
        "_parser",
        "busy",
        "closed",
        "headers",
        "intended_ns",
        "owner",
        "request",
        "sent_ns",
        "transport",
    )

    def __init__(self, owner: Owner, headers: HeaderWatch) -> None:
        self.owner = owner
        self.headers = headers
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.busy = False  # a request is in flight (or a connect is under way)
        self.sent_ns = 0  # when the request was written (or the connect began)
        self.intended_ns = 0  # open model: when the request should have been sent
        self.request: WireRequest | None = None
        self._parser: Any = None
        self._mode = -1
        self._head = False
        self._body: list[bytes] | None = None
        self._callbacks: dict[int, SimpleNamespace] = {}

    # -- asyncio.Protocol -------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        parser = self._parser
        if parser is None:
            # Bytes nobody asked for (e.g. a 408 on an idle connection): drop
            # the connection rather than mis-attribute them to the next request.
            self._fail(errors.PROTOCOL)
            return
        try:
            parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            pass
        except httptools.HttpParserError:
            self._fail(errors.PROTOCOL)

    def eof_received(self) -> bool:
        return False  # close our side; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.transport = None
        if self.busy:
            self.busy = False
            self._parser = None
            self.owner.on_failure(self, errors.kind_of_exception(exc))

    # -- driving ----------------------------------------------------------

    def send(self, request: WireRequest, now: int) -> None:
        """Write `request`; the owner hears back through on_response/on_failure."""
        head = request.is_head
        mode = (2 if self.headers.active else 0) | (1 if request.needs_body else 0)
        if mode != self._mode or head or self._head:
            self._new_parser(mode, head)
        self.request = request
        self.busy = True
        self.sent_ns = now
        self.transport.write(request.encode())  # type: ignore[union-attr]

    def close(self) -> None:
        self.busy = False
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        """Drop the connection without telling the owner (it already knows why)."""
        self.busy = False
        self._parser = None
        if self.transport is not None:
            self.transport.abort()

    # -- parser callbacks ---------------------------------------------------

    def _new_parser(self, mode: int, head: bool) -> None:
        key = mode | (4 if head else 0)
        cb = self._callbacks.get(key)
        if cb is None:
            cb = SimpleNamespace()
            if head:
                # httptools cannot be told the request was HEAD, so it would
                # wait for a body that never comes: finish at the headers.
                cb.on_headers_complete = self._complete
            else:
                cb.on_message_complete = self._complete
            if mode & 2:
                cb.on_header = self._on_header
            if mode & 1:
                cb.on_body = self._on_body
            self._callbacks[key] = cb
        self._parser = httptools.HttpResponseParser(cb)
        self._mode = mode
        self._head = head

    def _on_header(self, name: bytes, value: bytes) -> None:
        if len(name) == 13 and name.lower() == b"server-timing":
            watch = self.headers
            watch.seen = True
            watch.sink.server_timing_header(value)

    def _on_body(self, chunk: bytes) -> None:
        if self._body is None:
            self._body = [chunk]
        else:
            self._body.append(chunk)

    def _complete(self) -> None:
        now = _now()
        if not self.busy:
            self._fail(errors.PROTOCOL)  # a response to no request
            return
        parser = self._parser
        status = parser.get_status_code()
        keep_alive = parser.should_keep_alive()
        body = None
        if self._body is not None:
            body = b"".join(self._body)
            self._body = None
        elif self._mode & 1:
            body = b""
        if self._mode & 2:
            self.headers.response_done()
        self.busy = False
        if not keep_alive:
            # The server said Connection: close (or HTTP/1.0): this
            # connection is done; the owner reconnects for the next request.
            self.closed = True
            self._parser = None
            if self.transport is not None:
                self.transport.close()
        self.owner.on_response(self, status, body, now)

    def _fail(self, kind: str) -> None:
        was_busy = self.busy
        self.abort()
        self.closed = True
        if was_busy:
            self.owner.on_failure(self, kind)
