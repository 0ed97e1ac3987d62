"""Open model: requests arrive on a schedule (a target rate following the
stages), whether or not earlier ones were answered, like wrk2 and k6's
ramping-arrival-rate.

Latency is measured from each request's *intended* send time, so a stall
of the server (or of the generator) shows in the percentiles instead of
silently thinning the load - the coordinated-omission correction. The
service time (from the actual write) is kept beside it.

Connections come from a pool that grows on demand up to a cap. An arrival
that finds no free connection waits in a FIFO backlog; one that could not
be sent within `max_lag_s` of its intended time is dropped and counted as
missed, which marks the result: the generator did not deliver the load.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterator

from perfgate.load.http import errors
from perfgate.load.http.connection import HttpConnection
from perfgate.load.http.session import Session
from perfgate.load.http.wire import WireRequest

_now = time.monotonic_ns


class OpenDriver:
    def __init__(
        self,
        session: Session,
        arrivals: Iterator[float],
        start_ns: int,
        max_connections: int,
        max_lag_s: float,
    ) -> None:
        self.s = session
        self.arrivals = arrivals
        self.start_ns = start_ns
        self.max_connections = max(1, max_connections)
        self.max_lag_ns = int(max_lag_s * 1e9)
        self.conns: set[HttpConnection] = set()
        self.idle: list[HttpConnection] = []
        self.connecting = 0
        self.backlog: deque[tuple[int, WireRequest]] = deque()
        self.next_ns: int | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.stopped = False

    @property
    def active(self) -> int:
        return len(self.conns)

    def start(self) -> None:
        self._advance()
        self._schedule()

    # -- schedule -----------------------------------------------------------

    def _advance(self) -> None:
        t = next(self.arrivals, None)
        self.next_ns = None if t is None else self.start_ns + int(t * 1e9)

    def _schedule(self) -> None:
        if self.next_ns is None or self.stopped:
            self.timer = None
            return
        delay = (self.next_ns - _now()) / 1e9
        self.timer = self.s.loop.call_later(max(delay, 0.0), self._tick)

    def _tick(self) -> None:
        now = _now()
        lag = self.max_lag_ns
        rec = self.s.recorder
        while self.next_ns is not None and self.next_ns <= now:
            intended = self.next_ns
            rec.intended += 1
            if now - intended > lag:
                rec.missed += 1  # the generator itself fell behind the schedule
            else:
                self._dispatch(intended, now)
            self._advance()
        self._expire(now)
        self._schedule()

    def _dispatch(self, intended: int, now: int) -> None:
        req = self.s.pick()
        idle = self.idle
        while idle:
            conn = idle.pop()
            if conn.closed:
                self.conns.discard(conn)
                continue
            conn.intended_ns = intended
            conn.send(req, now)
            return
        self.backlog.append((intended, req))
        self._grow(now)

    def _grow(self, now: int) -> None:
        while len(self.conns) < self.max_connections and self.connecting < len(self.backlog):
            conn = HttpConnection(self, self.s.headers)
            conn.busy = True
            conn.sent_ns = now
            self.conns.add(conn)
            self.connecting += 1
            self.s.dial(conn)

    def _expire(self, now: int) -> None:
        backlog = self.backlog
        lag = self.max_lag_ns
        while backlog and now - backlog[0][0] > lag:
            backlog.popleft()
            self.s.recorder.missed += 1

    def _feed(self, conn: HttpConnection, now: int) -> None:
        """Give a free connection the oldest waiting request, or park it."""
        backlog = self.backlog
        lag = self.max_lag_ns
        while backlog:
            intended, req = backlog.popleft()
            if now - intended > lag:
                self.s.recorder.missed += 1
                continue
            conn.intended_ns = intended
            conn.send(req, now)
            return
        self.idle.append(conn)

    # -- connection owner -----------------------------------------------------

    def on_connected(self, conn: HttpConnection) -> None:
        self.connecting -= 1
        conn.busy = False
        if self.stopped and not self.backlog:
            conn.close()
            self.conns.discard(conn)
            return
        self._feed(conn, _now())

    def on_response(self, conn: HttpConnection, status: int, body: bytes | None, now: int) -> None:
        req = conn.request
        assert req is not None
        rec = self.s.recs[req.index]
        rec.service.append(now - conn.sent_ns)
        rec.response(req, status, body, now - conn.intended_ns)
        if conn.closed:
            # The server said Connection: close.
            self.conns.discard(conn)
            if self.backlog:
                self._grow(now)
        elif self.stopped and not self.backlog:
            conn.close()
            self.conns.discard(conn)
        else:
            self._feed(conn, now)

    def on_failure(self, conn: HttpConnection, kind: str) -> None:
        self.conns.discard(conn)
        if conn.request is None:
            # The connect failed: charge it to the oldest request waiting for it,
            # so that a dead server shows up as errors at the arrival rate.
            self.connecting -= 1
            # With an empty backlog its requests already expired as missed.
            if self.backlog:
                _, req = self.backlog.popleft()
                self.s.recs[req.index].error(kind)
        else:
            self.s.recs[conn.request.index].error(kind)
        if self.backlog:
            self._grow(_now())

    # -- run control ----------------------------------------------------------

    def sweep(self, now: int) -> None:
        limit = self.s.timeout_ns
        for conn in list(self.conns):
            if conn.busy and now - conn.sent_ns > limit:
                conn.abort()
                conn.closed = True
                self.on_failure(conn, errors.TIMEOUT)
        self._expire(now)

    def stop(self) -> None:
        """Schedule nothing more; what waits in the backlog may still go out in the grace."""
        self.stopped = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        for conn in self.idle:
            conn.close()
            self.conns.discard(conn)
        self.idle = []

    def in_flight(self) -> int:
        return len(self.backlog) + sum(1 for c in self.conns if c.busy and c.request is not None)

    def close_all(self) -> None:
        self.stop()
        # Intended during the run but never sent, even in the grace: missed.
        self.s.recorder.missed += len(self.backlog)
        self.backlog.clear()
        for conn in list(self.conns):
            conn.abort()
        self.conns.clear()
