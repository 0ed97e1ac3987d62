"""Per-worker recording: raw ns latencies in flat arrays, folded once a second.

The hot path only appends an int to an `array('q')` and bumps a dict
counter; once a second the worker folds each array into a `Histogram`
with one vectorised `record_array` call and ships the second's histograms
(sparse `to_dict` form) to the parent.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING, Any

import numpy as np

from perfgate.load.http.errors import NO_RESPONSE
from perfgate.load.http.servertiming import MAX_COMPONENTS, parse_server_timing
from perfgate.measure.histogram import Histogram

if TYPE_CHECKING:
    from perfgate.load.http.wire import WireRequest


class NameRecorder:
    """What one named request did during the current second."""

    __slots__ = ("errors", "latency", "name", "service", "status")

    def __init__(self, name: str) -> None:
        self.name = name
        self.latency = array("q")  # corrected (closed model: the only) latency, ns
        self.service = array("q")  # open model: time from actual send, ns
        self.status: dict[int, int] = {}
        self.errors: dict[str, int] = {}

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def response(self, req: WireRequest, status: int, body: bytes | None, latency_ns: int) -> None:
        """A response to `req`: its latency, its status, and its error if the checks fail."""
        self.latency.append(latency_ns)
        st = self.status
        st[status] = st.get(status, 0) + 1
        expect = req.expect
        # The body is kept only when a check needs it.
        if body is not None or status not in expect.status:
            kind = expect.error_kind(status, body)
            if kind is not None:
                self.error(kind)

    def drain(self, with_service: bool) -> dict[str, Any] | None:
        """This second's data as a picklable dict, or None if nothing happened; resets."""
        responses = len(self.latency)
        failures = sum(self.errors.values())
        if responses == 0 and failures == 0 and not self.status:
            return None
        out: dict[str, Any] = {
            "latency": _fold(self.latency),
            "service": _fold(self.service) if with_service else None,
            "requests": responses + sum(n for k, n in self.errors.items() if k in NO_RESPONSE),
            "errors": dict(self.errors),
            "status": dict(self.status),
        }
        self.latency = array("q")
        self.service = array("q")
        self.status = {}
        self.errors = {}
        return out


def _fold(values: array) -> dict[str, Any]:
    hist = Histogram()
    if len(values):
        hist.record_array(np.frombuffer(values, dtype=np.int64))
    return hist.to_dict()


class Recorder:
    """All recording state of one worker."""

    def __init__(self, names: list[str], open_model: bool) -> None:
        self.names = [NameRecorder(n) for n in names]
        self.open_model = open_model
        self.server_timing: dict[str, array] = {}
        self.missed = 0
        self.intended = 0

    def server_timing_header(self, value: bytes) -> None:
        for name, dur_ms in parse_server_timing(value):
            values = self.server_timing.get(name)
            if values is None:
                if len(self.server_timing) >= MAX_COMPONENTS:
                    continue
                values = self.server_timing[name] = array("q")
            values.append(int(dur_ms * 1_000_000))

    def drain(self) -> dict[str, Any]:
        names = {}
        for rec in self.names:
            data = rec.drain(self.open_model)
            if data is not None:
                names[rec.name] = data
        timing = {k: _fold(v) for k, v in self.server_timing.items() if len(v)}
        self.server_timing = {}
        out = {"names": names, "server_timing": timing, "missed": self.missed}
        out["intended"] = self.intended
        self.missed = 0
        self.intended = 0
        return out
