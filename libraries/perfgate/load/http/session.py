"""What a worker's drivers share: the loop, the target, the request mix,
the recorder, and how to open a connection."""

from __future__ import annotations

import asyncio
import bisect
import random
import socket
import ssl
from collections.abc import Callable
from itertools import accumulate

from perfgate.load.http import errors
from perfgate.load.http.connection import HeaderWatch, HttpConnection
from perfgate.load.http.recorder import NameRecorder, Recorder
from perfgate.load.http.wire import WireRequest
from perfgate.load.target import Target


def make_picker(requests: list[WireRequest], rng: random.Random) -> Callable[[], WireRequest]:
    """A weighted random choice, cheap per call (bisect on cumulative weights)."""
    if len(requests) == 1:
        only = requests[0]
        return lambda: only
    weights = [r.weight for r in requests]
    cumulative = list(accumulate(weights))
    total = cumulative[-1]
    rand = rng.random
    reqs = list(requests)
    last = len(reqs) - 1

    def pick() -> WireRequest:
        return reqs[min(bisect.bisect_right(cumulative, rand() * total), last)]

    return pick


class Session:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        target: Target,
        ssl_context: ssl.SSLContext | None,
        requests: list[WireRequest],
        recorder: Recorder,
        timeout_s: float,
        rng: random.Random,
    ) -> None:
        self.loop = loop
        self.target = target
        self.ssl_context = ssl_context
        self.requests = requests
        self.pick = make_picker(requests, rng)
        self.recorder = recorder
        self.recs: list[NameRecorder] = recorder.names
        self.headers = HeaderWatch(recorder)
        self.timeout_s = timeout_s
        self.timeout_ns = int(timeout_s * 1e9)
        self._dials: set[asyncio.Task[None]] = set()
        # Resolved once (see resolve()) so that reconnects don't each pay a DNS look-up.
        self.address: tuple[str, int] = (target.host, target.port)

    async def resolve(self) -> None:
        infos = await self.loop.getaddrinfo(
            self.target.host, self.target.port, type=socket.SOCK_STREAM
        )
        sockaddr = infos[0][4]
        self.address = (str(sockaddr[0]), int(sockaddr[1]))

    def dial(self, conn: HttpConnection) -> None:
        """Open `conn` in the background; its owner hears on_connected or on_failure.

        The caller marks the connection busy first; a sweep that times the
        connect out clears `busy`, and a late success is then closed quietly.
        """
        task = self.loop.create_task(self._dial(conn))
        self._dials.add(task)
        task.add_done_callback(self._dials.discard)

    async def _dial(self, conn: HttpConnection) -> None:
        t = self.target
        try:
            await asyncio.wait_for(
                self.loop.create_connection(
                    lambda: conn,
                    self.address[0],
                    self.address[1],
                    ssl=self.ssl_context,
                    server_hostname=t.host if self.ssl_context is not None else None,
                ),
                self.timeout_s,
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every connect failure is a counted error, not a crash
            kind = errors.TIMEOUT if isinstance(exc, asyncio.TimeoutError) else None
            conn.closed = True
            if conn.busy:
                conn.busy = False
                conn.owner.on_failure(conn, kind or errors.kind_of_exception(exc))
            return
        if not conn.busy or conn.closed:
            conn.close()
            return
        conn.owner.on_connected(conn)

    def cancel_dials(self) -> None:
        for task in list(self._dials):
            task.cancel()
