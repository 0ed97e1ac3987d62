"""What every client of one worker shares: the run's settings, clock, counters and session.

Also where finished sessions are counted. A broadcast session's counts
need the warm-up's last sequence number (`floor`), which the publisher
learns during the run and the parent passes on to every worker; sessions
that end before it is known wait in `pending`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from perfgate.load.events.context import Paths, WorkerContext
from perfgate.load.events.tracker import Counts, SeqTracker
from perfgate.load.target import make_ssl_context
from perfgate.load.ws.config import WsLoadConfig
from perfgate.load.ws.dial import Link, describe_failure, dial, failure_kind, uses_tls
from perfgate.load.ws.gcwatch import GcWatch

_now = time.monotonic_ns


@dataclass(frozen=True)
class WsPaths(Paths):
    """The publisher's and event paths, and where an echo holds its number and stamp."""

    echo_seq: tuple[str, ...]
    echo_time: tuple[str, ...]


@dataclass
class Context(WorkerContext[WsLoadConfig]):
    worker: int = field(kw_only=True)
    workers: int = field(kw_only=True)
    paths: WsPaths = field(init=False)
    gc: GcWatch = field(default_factory=GcWatch)
    floor: int | None = None
    floor_known: bool = False
    counts: Counts = field(default_factory=Counts)
    pending: list[tuple[SeqTracker, int | None]] = field(default_factory=list)
    disconnected_gaps: list[tuple[int, int]] = field(default_factory=list)
    unclosed_sessions: int = 0
    sessions: int = 0
    restarts: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        self.paths = WsPaths.of(self.config.protocol)
        if self.config.warmup_s <= 0 or self.config.mode == "echo":
            self.floor_known = True
        elif not self.config.publishes:
            # No publisher to learn the warm-up's last sequence number from.
            self.floor_known = True
            self.note(
                "PerfGate published nothing (event_rate=0): losses are counted from each "
                "subscription's start, warm-up included."
            )
        if uses_tls(self.config):
            self.ssl = make_ssl_context(self.config.verify_tls)

    # -- connections ------------------------------------------------------------

    async def connect(self) -> Link | None:
        """Open one connection (a Socket.IO session on it, if so configured), timing the
        whole connect; None (counted) when it fails."""
        assert self.session is not None
        began = _now()
        try:
            link = await dial(self.session, self.config, self.ssl, decoded=True)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            kind = failure_kind(exc)
            self.recorder.connect_failed(kind)
            self.note(
                f"Connection failures: {describe_failure(self.config.url, exc, self.config.timeout_s)}",
                key=f"connect:{kind}",
            )
            return None
        self.recorder.connected_in(_now() - began)
        return link

    # -- counting sessions ------------------------------------------------------

    def finish_session(self, tracker: SeqTracker, upper: int | None) -> None:
        """Count a finished session now if the floor is known, else later."""
        self.sessions += 1
        if upper is None:
            self.unclosed_sessions += 1
        if self.floor_known:
            self.counts.add(tracker.counts(upper, self.floor))
        else:
            self.pending.append((tracker, upper))

    def missed_while_disconnected(self, last: int, base: int) -> None:
        """Events published between a dropped session's last one and the next subscription."""
        if base < last:
            self.restarts += 1
            self.note(
                "A reconnected subscriber found the channel's sequence number lower than before "
                "(the gateway restarted?): events missed while it was disconnected are not counted.",
                key="restart",
            )
            return
        if base > last:
            self.disconnected_gaps.append((last, base))
            self.recorder.gaps += base - last

    def set_floor(self, floor: int | None) -> None:
        """The warm-up's last sequence number is known: count the sessions that waited."""
        self.floor = floor
        self.floor_known = True
        for tracker, upper in self.pending:
            self.counts.add(tracker.counts(upper, floor))
        self.pending.clear()

    def missed_disconnected(self) -> int:
        floor = self.floor if self.floor is not None else -1
        return sum(max(0, base - max(last, floor)) for last, base in self.disconnected_gaps)
