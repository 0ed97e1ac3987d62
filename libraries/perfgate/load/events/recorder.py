"""One worker's event counters (WebSocket, SSE) for the second in progress, drained each second.

Latencies are appended as integer nanoseconds to arrays and folded into
histograms once a second (`Histogram.record_array`), as in the HTTP engine.
An event published before the end of the warm-up goes to the warm-up
histogram even if it arrives after it, so the measured figures cover
exactly the events published in the measured period.

An event's stamp (`time_field`) is read as its `time_format` says
(`perfgate.load.events.stamps`). A stamp from before the run began - or, for
PerfGate's own stamp, later than its receipt - is not a send time of this
run: it is counted as rejected (one example kept for the message), never
as a latency; so is one more than a day ahead of its receipt (another unit). A server's wall-clock stamp later than its receipt by more
than one unit of the stamp is counted as `ahead` (its size kept), within
one unit it is a latency of 0.
"""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np

from perfgate.load.events.messages import as_int
from perfgate.load.events.stamps import UNIT_NS, stamp_ns, wall_offset_ns
from perfgate.measure.histogram import Histogram


def fold(values: array[int]) -> dict[str, Any] | None:
    if not values:
        return None
    hist = Histogram()
    hist.record_array(np.frombuffer(values, dtype=np.int64))
    return hist.to_dict()


# A stamp further ahead of its receipt than this is no clock difference but another unit.
MAX_AHEAD_NS = 86_400 * 1_000_000_000


def _example(value: Any) -> Any:
    """A rejected stamp as it may go into a message: numbers as they are, text shortened."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "..."


class EventRecorder:
    def __init__(
        self,
        warm_end_ns: int,
        start_ns: int = 0,
        time_format: str = "perfgate",
        stamp_shift_ns: int = 0,
    ) -> None:
        self.warm_end_ns = warm_end_ns
        self.start_ns = start_ns
        # PerfGate's own stamps from a publisher on another machine: its monotonic clock
        # moved onto this machine's by the offset a cluster measured (0 on one machine).
        self.stamp_shift_ns = stamp_shift_ns
        self.unit_ns = UNIT_NS.get(time_format, 0)  # 0: PerfGate's own (monotonic) stamp
        # Wall clock minus monotonic clock, read again every second; its range is the drift.
        self.offset_ns = wall_offset_ns()
        self.offset_range = (self.offset_ns, self.offset_ns)
        self.rejected_example: Any = None
        self._reset()
        self.connected = 0  # open connections right now (not reset each second)

    def _reset(self) -> None:
        self.latency: array[int] = array("q")
        self.latency_warm: array[int] = array("q")
        self.connect: array[int] = array("q")
        self.connects = 0
        self.connect_errors: dict[str, int] = {}
        self.disconnections = 0
        self.reconnects = 0
        self.received = 0
        self.gaps = 0
        self.subscribe_errors = 0
        self.sent = 0  # echo messages or publishes sent
        self.send_missed = 0  # scheduled but not sent (no open connection, or too late)
        self.publish_errors = 0
        self.ahead: array[int] = array("q")  # ns by which a stamp was later than its receipt
        self.stamps_rejected = 0
        self.unrecognized = 0

    def stamp(self, value: Any, now_ns: int) -> None:
        """An event's `time_field` value, received at `now_ns` (monotonic)."""
        if self.unit_ns:
            wall = stamp_ns(value, self.unit_ns)
            sent = None if wall is None else wall - self.offset_ns
        else:
            sent = as_int(value)
            sent = None if sent is None else sent + self.stamp_shift_ns
        if sent is None:
            self._reject(value)
        else:
            self.event(sent, now_ns, value)

    def _reject(self, value: Any) -> None:
        self.stamps_rejected += 1
        if self.rejected_example is None:
            self.rejected_example = _example(value)

    def event(self, sent_ns: int, now_ns: int, raw: Any = None) -> None:
        """A send time on the monotonic clock and its receipt."""
        delay = now_ns - sent_ns
        if sent_ns < self.start_ns or (delay < 0 and not self.unit_ns) or delay < -MAX_AHEAD_NS:
            self._reject(sent_ns if raw is None else raw)
            return
        if delay < 0:
            if -delay > self.unit_ns:
                if sent_ns >= self.warm_end_ns:
                    self.ahead.append(-delay)
                return
            delay = 0  # within the stamp's resolution
        if sent_ns >= self.warm_end_ns:
            self.latency.append(delay)
        else:
            self.latency_warm.append(delay)

    def connected_in(self, elapsed_ns: int) -> None:
        self.connect.append(elapsed_ns)
        self.connects += 1
        self.connected += 1

    def connect_failed(self, kind: str) -> None:
        self.connect_errors[kind] = self.connect_errors.get(kind, 0) + 1

    def drain(self) -> dict[str, Any]:
        """This second's figures; counters start again from zero."""
        self.offset_ns = wall_offset_ns()
        low, high = self.offset_range
        self.offset_range = (min(low, self.offset_ns), max(high, self.offset_ns))
        snap = {
            "latency": fold(self.latency),
            "latency_warm": fold(self.latency_warm),
            "connect": fold(self.connect),
            "connects": self.connects,
            "connect_errors": self.connect_errors,
            "disconnections": self.disconnections,
            "reconnects": self.reconnects,
            "received": self.received,
            "gaps": self.gaps,
            "subscribe_errors": self.subscribe_errors,
            "sent": self.sent,
            "send_missed": self.send_missed,
            "publish_errors": self.publish_errors,
            "ahead": fold(self.ahead),
            "stamps_rejected": self.stamps_rejected,
            "rejected_example": self.rejected_example,
            "clock_drift_ns": self.offset_range[1] - self.offset_range[0],
            "unrecognized": self.unrecognized,
            "connected": self.connected,
        }
        self._reset()
        return snap
