"""Closed model: N virtual users, each sending its next request when the
previous one is answered (after an optional think time), like k6's
ramping-vus. Each user owns one keep-alive connection.

A user's latency runs from the moment it issues the request, so it
includes a reconnect when the server had closed the connection.
"""

from __future__ import annotations

import asyncio
import time

from perfgate.load.http import errors
from perfgate.load.http.connection import HttpConnection
from perfgate.load.http.session import Session

_now = time.monotonic_ns

# After a failed request a user pauses at least this long, so that a dead
# server costs a bounded number of errors per second instead of a spin.
FAILURE_PAUSE_S = 0.01


class VirtualUser:
    __slots__ = ("conn", "handle", "req", "retired", "s", "t0", "think")

    def __init__(self, session: Session, think_time_s: float) -> None:
        self.s = session
        self.think = think_time_s
        self.conn: HttpConnection | None = None
        self.req = session.requests[0]
        self.t0 = 0
        self.retired = False
        self.handle: asyncio.TimerHandle | None = None

    def issue(self) -> None:
        self.handle = None
        if self.retired:
            self._close()
            return
        s = self.s
        req = self.req = s.pick()
        now = self.t0 = _now()
        conn = self.conn
        if conn is None or conn.closed:
            conn = self.conn = HttpConnection(self, s.headers)
            conn.busy = True
            conn.sent_ns = now
            s.dial(conn)
        else:
            conn.send(req, now)

    def on_connected(self, conn: HttpConnection) -> None:
        if conn is not self.conn:
            conn.close()
            return
        conn.send(self.req, _now())

    def on_response(self, conn: HttpConnection, status: int, body: bytes | None, now: int) -> None:
        req = self.req
        self.s.recs[req.index].response(req, status, body, now - self.t0)
        if self.think:
            self.handle = self.s.loop.call_later(self.think, self.issue)
        else:
            self.issue()

    def on_failure(self, conn: HttpConnection, kind: str) -> None:
        self.s.recs[self.req.index].error(kind)
        if conn is self.conn:
            self.conn = None
        self.handle = self.s.loop.call_later(max(self.think, FAILURE_PAUSE_S), self.issue)

    def retire(self) -> None:
        """Stop after the request in flight (now, if none is)."""
        self.retired = True
        if self.conn is None or not self.conn.busy:
            if self.handle is not None:
                self.handle.cancel()
                self.handle = None
            self._close()

    @property
    def busy(self) -> bool:
        return self.conn is not None and self.conn.busy

    def _close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class ClosedDriver:
    def __init__(self, session: Session, think_time_s: float) -> None:
        self.s = session
        self.think = think_time_s
        self.users: list[VirtualUser] = []
        self.retiring: list[VirtualUser] = []

    @property
    def active(self) -> int:
        return len(self.users)

    def set_target(self, n: int) -> None:
        """Add or retire users so that `n` are active."""
        while len(self.users) < n:
            user = VirtualUser(self.s, self.think)
            self.users.append(user)
            user.issue()
        while len(self.users) > n:
            # Retire the newest first, as k6 does when ramping down.
            user = self.users.pop()
            user.retire()
            self.retiring.append(user)
        self.retiring = [u for u in self.retiring if u.busy]

    def sweep(self, now: int) -> None:
        """Fail requests that have waited longer than the timeout."""
        limit = self.s.timeout_ns
        for user in self.users + self.retiring:
            conn = user.conn
            if conn is not None and conn.busy and now - conn.sent_ns > limit:
                conn.abort()
                conn.closed = True
                user.on_failure(conn, errors.TIMEOUT)

    def stop(self) -> None:
        self.set_target(0)

    def in_flight(self) -> int:
        return sum(1 for u in self.retiring if u.busy)

    def close_all(self) -> None:
        for user in self.users + self.retiring:
            user.retired = True
            if user.handle is not None:
                user.handle.cancel()
            if user.conn is not None:
                user.conn.abort()
        self.users = []
        self.retiring = []
