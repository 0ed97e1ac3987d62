"""One worker's counters for the second in progress, drained into a snapshot each second.

Latencies are appended as integer nanoseconds to arrays and folded into
histograms once a second (`Histogram.record_array`), as in the HTTP engine.
An event published before the end of the warm-up goes to the warm-up
histogram even if it arrives after it, so the measured figures cover
exactly the events published in the measured period.
"""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np

from perfgate.histogram import Histogram


def _fold(values: array[int]) -> dict[str, Any] | None:
    if not values:
        return None
    hist = Histogram()
    hist.record_array(np.frombuffer(values, dtype=np.int64))
    return hist.to_dict()


class WsRecorder:
    def __init__(self, warm_end_ns: int) -> None:
        self.warm_end_ns = warm_end_ns
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
        self.clock_errors = 0
        self.unrecognized = 0

    def event(self, sent_ns: int, now_ns: int) -> None:
        delay = now_ns - sent_ns
        if delay < 0:
            # Not the same monotonic clock: the timestamp came from elsewhere.
            self.clock_errors += 1
            return
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
        snap = {
            "latency": _fold(self.latency),
            "latency_warm": _fold(self.latency_warm),
            "connect": _fold(self.connect),
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
            "clock_errors": self.clock_errors,
            "unrecognized": self.unrecognized,
            "connected": self.connected,
        }
        self._reset()
        return snap
