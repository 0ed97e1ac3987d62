"""The result of an SSE load run: flat figures Robot reads, a timeline, JSON (kind "sse").

Times are milliseconds, rates fractions. A statistic without samples is NaN
in Python and null in JSON; `metric()` returns None for it, so a threshold
on it fails rather than passes. Connection figures, first events and
disconnections cover the whole run; event latency covers the events sent
after the warm-up, loss the events numbered after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from perfgate.load.cluster.record import ClusterRun, read_cluster
from perfgate.load.events.figures import (
    EVENT_METRICS,
    STATISTICS,
    EventFigures,
    EventTimelineRow,
    result_json,
)
from perfgate.load.gatewaymemory import (
    GATEWAY_MEMORY_METRICS,
    GatewayMemory,
    GatewayMemoryFigures,
)
from perfgate.load.resultjson import NAN, defaults_to_nan, null_to_nan, saved_fields

# Metric names for thresholds and the flat keys BaselineLibrary compares.
SSE_METRICS = EVENT_METRICS | {f"first_event_{k}" for k in STATISTICS} | GATEWAY_MEMORY_METRICS


# The row every event protocol's timeline has (perfgate.load.events.figures).
SseTimelineRow = EventTimelineRow


@dataclass
class SseResult(EventFigures, GatewayMemoryFigures):
    """The run's own fields; the event figures (connections, latency, counts) are
    `EventFigures`'. `connect_*` is the time to a stream's response headers,
    `first_event_*` to its first event."""

    url: str
    method: str
    connections: int
    event_rate: float  # published per second through the trigger; 0: the server's own
    duration_s: float  # the measured period (warm-up excluded)
    warmup_s: float
    channel: str
    workers: int
    name: str = ""
    ramp_per_s: float | None = None  # streams opened per second at the start; None: at once
    first_event_mean: float = NAN
    first_event_p50: float = NAN
    first_event_p95: float = NAN
    first_event_p99: float = NAN
    first_event_max: float = NAN
    timeline: list[SseTimelineRow] = field(default_factory=list)
    # With `gateway=`: its memory sampled during the run. Files saved before it read as None.
    gateway_memory: GatewayMemory | None = None
    cluster: ClusterRun | None = None  # a run on a Dask cluster: which machine ran what
    kind: str = "sse"
    METRICS: ClassVar[frozenset[str]] = SSE_METRICS

    def to_dict(self) -> dict[str, Any]:
        return result_json(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SseResult:
        """Rebuild a result from `to_dict` output (e.g. a saved JSON file)."""
        d = null_to_nan(saved_fields(cls, data, "sse", "SSE result"), _NULLABLE)
        d["timeline"] = [SseTimelineRow(**r) for r in d.get("timeline", [])]
        memory = d.get("gateway_memory")
        if memory is not None:
            d["gateway_memory"] = GatewayMemory(**null_to_nan(memory, _MEMORY_FIGURES))
        d["cluster"] = read_cluster(d.get("cluster"))
        return cls(**d)

    def __str__(self) -> str:
        return (
            f"SseResult({self.connections} streams, first event p95 "
            f"{self.first_event_p95:.2f} ms, event p95 {self.event_latency_p95:.2f} ms, lost "
            f"{self.events_lost}/{self.events_expected}, disconnections {self.disconnections})"
        )


_NULLABLE = defaults_to_nan(SseResult)
_MEMORY_FIGURES = frozenset({"initial_mb", "final_mb", "peak_mb", "growth_mb"})
