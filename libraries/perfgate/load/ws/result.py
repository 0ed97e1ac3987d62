"""The result of a WebSocket load run: flat figures Robot reads, a timeline, JSON.

Times are milliseconds, rates fractions. A statistic without samples is NaN
in Python and null in JSON; `metric()` returns None for it, so a threshold
on it fails rather than passes. Connection figures and disconnections cover
the whole run (the ramp usually happens during the warm-up); event figures
cover the events published (or sent) after the warm-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from perfgate.artifacts.paths import write_json_atomic
from perfgate.load.cluster.record import ClusterRun, read_cluster
from perfgate.load.events.figures import EVENT_METRICS, EventFigures, EventTimelineRow, result_json
from perfgate.load.gatewaymemory import (
    GATEWAY_MEMORY_METRICS,
    GatewayMemory,
    GatewayMemoryFigures,
)
from perfgate.load.resultjson import defaults_to_nan, null_to_nan, saved_fields

# Metric names for thresholds and the flat keys BaselineLibrary compares.
WS_METRICS = EVENT_METRICS | GATEWAY_MEMORY_METRICS


# The row every event protocol's timeline has (perfgate.load.events.figures).
WsTimelineRow = EventTimelineRow


@dataclass
class WebSocketResult(EventFigures, GatewayMemoryFigures):
    url: str
    mode: str
    connections: int
    event_rate: float
    duration_s: float  # the measured period (warm-up excluded)
    warmup_s: float
    ramp_per_s: float | None  # None: all at once
    channel: str
    workers: int
    name: str = ""
    # What the run spoke: "websocket", or "socket.io" in `namespace` (never its auth payload).
    # Files saved before these fields read as plain WebSocket runs.
    engine: str = "websocket"
    namespace: str = ""  # "" for a plain WebSocket run
    events_missed_disconnected: int = 0
    subscribe_errors: int = 0
    sessions: int = 0
    timeline: list[WsTimelineRow] = field(default_factory=list)
    gateway_memory: GatewayMemory | None = None
    gc_max_ms: list[float] = field(default_factory=list)  # per worker, measured period
    fd_limit: int | None = None
    cluster: ClusterRun | None = None  # a run on a Dask cluster: which machine ran what
    kind: str = "websocket"
    METRICS: ClassVar[frozenset[str]] = WS_METRICS

    def save_json(self, path: str | Path) -> Path:
        """Write the result as JSON atomically (temp file + rename)."""
        return write_json_atomic(path, self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return result_json(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WebSocketResult:
        """Rebuild a result from `to_dict` output (e.g. a saved JSON file)."""
        d = _nan_fields(saved_fields(cls, data, "websocket", "WebSocket result"))
        d["timeline"] = [WsTimelineRow(**_nan_fields(r)) for r in d.get("timeline", [])]
        if d.get("gateway_memory") is not None:
            d["gateway_memory"] = GatewayMemory(**_nan_fields(d["gateway_memory"]))
        d["cluster"] = read_cluster(d.get("cluster"))
        return cls(**d)

    def __str__(self) -> str:
        latency = (
            f"event p95 {self.event_latency_p95:.2f} ms"
            if self.latency_samples
            else "event latency not measured"
        )
        return (
            f"WebSocketResult({self.mode}, {self.connections} connections, "
            f"{latency}, lost {self.events_lost}/"
            f"{self.events_expected}, disconnections {self.disconnections})"
        )


# The statistics: saved as null when not measured, like the gateway memory figures (`_mb`).
_NULLABLE = defaults_to_nan(WebSocketResult)


def _nan_fields(d: dict[str, Any]) -> dict[str, Any]:
    return null_to_nan(d, lambda k: k in _NULLABLE or k.endswith("_mb"))
