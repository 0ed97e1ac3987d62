"""Every SSE test leaves no worker behind; reference gateways come from tests/conftest.py,
Node servers from `start_server` (tests/wsload/conftest.py: GatewayManager and its reaper),
the bad servers (text/html, 404, a stream that closes at once, one that never sends an
event) from `bad_server`: a tiny aiohttp app on a free 127.0.0.1 port in a thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from aiohttp import web

# Node servers through GatewayManager and its reaper, as the WebSocket tests start them.
from wsload.conftest import StartServer, start_server

__all__ = ["StartServer", "start_server"]


@pytest.fixture
def leftover_marker() -> str:
    return "perfgate.load.sse.worker"


@pytest.fixture(autouse=True)
def _leaves_no_process(no_leftover_workers: None) -> None:
    """Every test must leave no SSE worker behind."""


async def _html(_: web.Request) -> web.Response:
    return web.Response(text="<html><body>dashboard</body></html>", content_type="text/html")


async def _closes(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(b": hello\n\n")
    return response  # the stream ends before any event


async def _silent(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    while True:  # comments only, never an event
        await response.write(b": keep-alive\n\n")
        await asyncio.sleep(0.1)


class BadServer:
    """The app in its own thread and loop; `url` is its base."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner: web.AppRunner | None = None
        self.url = ""

    def start(self) -> BadServer:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/html", _html)
        app.router.add_get("/closes", _closes)
        app.router.add_get("/silent", _silent)
        self.runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        """Stop serving (once: a test may stop it early)."""
        runner, self.runner = self.runner, None
        if runner is None:
            return
        asyncio.run_coroutine_threadsafe(runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def bad_server() -> Iterator[BadServer]:
    server = BadServer().start()
    try:
        yield server
    finally:
        server.stop()
