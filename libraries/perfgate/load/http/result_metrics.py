"""The metric names a load result answers, for thresholds, getters and assertions.

Besides the engine's own (`perfgate.load.thresholds.REQUEST_METRICS`, ``rps`` of
every response and ``goodput`` of the successful ones among them,
``successes`` and the open model's ``service_p95`` etc.), a load result
answers ``target_rps`` (the open model's intended rate) and ``breaking_point``
(the load at which a ``stop_on_threshold`` run broke; if it never broke, the
highest load it reached, a lower bound; 0 when no request succeeded). Which
of them cannot pass from a failing run: `perfgate.load.http.capacity`.
"""

from __future__ import annotations

import math

from perfgate.load.http.result import LoadResult
from perfgate.load.thresholds import REQUEST_METRICS

_LATENCY = ("min", "mean", "stdev", "p50", "p75", "p90", "p95", "p99", "p99.9", "max")
SERVICE_METRICS = frozenset(f"service_{m}" for m in _LATENCY)
KNOWN_METRICS = frozenset(REQUEST_METRICS | {"successes", "target_rps", "breaking_point"}) | (
    SERVICE_METRICS
)
"""Every metric name `LoadMetrics.metric` can answer."""

LATENCY_METRICS = frozenset(_LATENCY) | SERVICE_METRICS


class LoadMetrics:
    """`result.metric(...)` plus the metrics this layer adds (see the module doc)."""

    def __init__(self, result: LoadResult) -> None:
        self.result = result

    def metric(self, name: str, scope: str | None = None) -> float | None:
        key = name.strip()
        if scope is None and key == "target_rps":
            value = self.result.target_rps
            return None if value is None or not math.isfinite(value) else float(value)
        if scope is None and key == "breaking_point":
            point = self.result.breaking_point
            return None if point is None else float(point.target)
        return self.result.metric(key, scope)

    @property
    def names(self) -> frozenset[str]:
        """The request names the result has statistics for."""
        return frozenset(self.result.by_name)
