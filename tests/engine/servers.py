"""A small HTTP/1.1 test server on 127.0.0.1, port 0, in a thread of the test process.

Routes (the path decides the behaviour; query strings are ignored unless noted):
    /ok            200 "ok"                          /status/<code>  that status
    /close         200 with Connection: close        /json           {"id": 1, "status": "ok"}
    /badjson       {"status": "fail"}                /chunked        a chunked 200
    /slow?ms=N     200 after N ms (non-blocking)     /hang           never answers
    /reset         half a response, then a TCP RST   /eof            half a response, then FIN
    /timing        200 with Server-Timing: db;dur=2.5, app;dur=1
    /stall         200, but request number `stall_at` blocks the whole server for `stall_s`
Every request is recorded (method, path, headers, body) up to `keep` requests.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpTestServer:
    stall_at: int = 50
    stall_s: float = 0.3
    keep: int = 20000
    port: int = 0
    ssl_context: ssl.SSLContext | None = None
    connections: int = 0
    requests: int = 0
    seen: list[Seen] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _server: asyncio.AbstractServer | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self) -> HttpTestServer:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            self._server = loop.run_until_complete(
                asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.ssl_context)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            self._server.close()
            for w in list(self._writers):
                w.transport.abort()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        assert ready.wait(10), "test server did not start"
        return self

    def stop(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            return
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if line:
                        k, _, v = line.partition(":")
                        headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                self.requests += 1
                if len(self.seen) < self.keep:
                    self.seen.append(Seen(method, target, headers, body))
                if not await self._respond(method, target, writer):
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            if not writer.transport.is_closing():
                writer.close()

    async def _respond(self, method: str, target: str, writer: asyncio.StreamWriter) -> bool:
        path, _, query = target.partition("?")

        def send(status: int, body: bytes = b"ok", extra: str = "") -> None:
            head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
            writer.write(head.encode() + (b"" if method == "HEAD" else body))

        if path == "/close":
            send(200, extra="Connection: close\r\n")
            await writer.drain()
            writer.close()
            return False
        if path.startswith("/status/"):
            send(int(path.rsplit("/", 1)[1]))
        elif path == "/json":
            send(200, b'{"id": 1, "status": "ok", "items": [{"n": 2}]}')
        elif path == "/badjson":
            send(200, b'{"status": "fail"}')
        elif path == "/chunked":
            writer.write(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
            )
        elif path == "/slow":
            ms = float(dict(p.split("=") for p in query.split("&") if "=" in p).get("ms", 50))
            await asyncio.sleep(ms / 1000)
            send(200)
        elif path == "/hang":
            await asyncio.sleep(3600)
        elif path in ("/reset", "/eof"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
            await writer.drain()
            await asyncio.sleep(0.01)
            sock = writer.get_extra_info("socket")
            if path == "/reset":
                # SO_LINGER 0: close() sends RST instead of FIN.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
            else:
                writer.close()
            return False
        elif path == "/timing":
            send(200, extra='Server-Timing: db;dur=2.5, app;desc="x";dur=1\r\n')
        elif path == "/stall":
            if self.requests == self.stall_at:
                time.sleep(self.stall_s)  # blocks the whole server, like a GC pause
            send(200)
        else:
            send(200)
        await writer.drain()
        return True
