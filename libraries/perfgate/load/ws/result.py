"""The result of a WebSocket load run: flat figures Robot reads, a timeline, JSON.

Times are milliseconds, rates fractions. A statistic without samples is NaN
in Python and null in JSON; `metric()` returns None for it, so a threshold
on it fails rather than passes. Connection figures and disconnections cover
the whole run (the ramp usually happens during the warm-up); event figures
cover the events published (or sent) after the warm-up.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from perfgate.artifacts.paths import json_safe, write_json_atomic
from perfgate.itemaccess import ItemAccess
from perfgate.load.resultjson import NAN, defaults_to_nan, null_to_nan, number, saved_fields

# Metric names for thresholds and the flat keys BaselineLibrary compares.
WS_METRICS = frozenset(
    {
        "connection_success_rate",
        "connect_attempts",
        "connect_failures",
        "connect_mean",
        "connect_p50",
        "connect_p95",
        "connect_p99",
        "connect_max",
        "event_latency_mean",
        "event_latency_p50",
        "event_latency_p95",
        "event_latency_p99",
        "event_latency_max",
        "events_expected",
        "events_received",
        "events_lost",
        "events_duplicated",
        "events_out_of_order",
        "event_loss_rate",
        "events_per_s",
        "events_sent",
        "publish_errors",
        "disconnections",
        "reconnects",
        "gateway_memory_peak_mb",
        "gateway_memory_growth_mb",
    }
)


@dataclass
class WsTimelineRow(ItemAccess):
    """One second of the run (warm-up seconds included, flagged); before the last hour of a
    long run, 10 or 60 seconds (`perfgate.measure.timeline`). `row.p95` and `row["p95"]` alike."""

    t: float  # start of the row, seconds from the start of the run
    connected: int  # open connections at the end of the row
    target: int  # clients the ramp had started by then
    connects: int
    connect_errors: int
    disconnections: int
    events: int  # events (or echo replies) received in the row
    events_per_s: float  # events / width_s
    sent: int  # events published, or echo messages sent
    # Event latency of the events received in the row, ms; None when the row has none.
    p50: float | None
    p95: float | None
    p99: float | None
    lost: int  # gaps found in the row (an out-of-order arrival fills one again)
    warmup: bool = False
    width_s: float = 1.0  # seconds the row covers


@dataclass
class GatewayMemory(ItemAccess):
    """The gateway's resident memory during the run (`perfgate.memory`'s sampler);
    `memory.peak_mb` and `memory["peak_mb"]` alike."""

    source: str
    interval_s: float
    t: list[float]  # seconds from the first sample
    rss_mb: list[float]  # the highest reading of each point
    initial_mb: float
    final_mb: float
    peak_mb: float
    growth_mb: float
    notes: list[str] = field(default_factory=list)


@dataclass
class WebSocketResult:
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
    connect_attempts: int = 0
    connect_failures: int = 0
    connection_success_rate: float = NAN
    connect_errors_by_kind: dict[str, int] = field(default_factory=dict)
    connect_mean: float = NAN
    connect_p50: float = NAN
    connect_p95: float = NAN
    connect_p99: float = NAN
    connect_max: float = NAN
    event_latency_mean: float = NAN
    event_latency_p50: float = NAN
    event_latency_p95: float = NAN
    event_latency_p99: float = NAN
    event_latency_max: float = NAN
    latency_samples: int = 0
    # What `time_field` held and what the latencies stand on (perfgate.load.events.stampcount).
    time_format: str = "perfgate"
    latency_clock: str = ""
    latency_uncertainty_ms: float = NAN  # stamp resolution + clock drift; NaN: no latency
    clock_drift_ms: float = NAN  # how far the wall clock moved against the monotonic clock
    events_stamped_ahead: int = 0  # stamped later than received, beyond the uncertainty
    stamps_rejected: int = 0  # time_field values that were no send time of this run
    latency_note: str = ""  # why no latency was measured ("" when it was)
    events_expected: int = 0
    events_received: int = 0
    events_lost: int = 0
    events_missed_disconnected: int = 0
    events_duplicated: int = 0
    events_out_of_order: int = 0
    event_loss_rate: float = NAN
    events_per_s: float = 0.0  # received per second over the measured period
    events_sent: int = 0  # published (broadcast, churn) or echo messages sent, measured period
    send_missed: int = 0  # scheduled but not sent (no open connection, or too late)
    publish_errors: int = 0
    subscribe_errors: int = 0
    unrecognized_messages: int = 0
    disconnections: int = 0
    reconnects: int = 0
    sessions: int = 0
    timeline: list[WsTimelineRow] = field(default_factory=list)
    gateway_memory: GatewayMemory | None = None
    cpu_percent: list[float] = field(default_factory=list)
    gc_max_ms: list[float] = field(default_factory=list)  # per worker, measured period
    fd_limit: int | None = None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    suspect: bool = False
    stopped_early: bool = False
    histograms: dict[str, Any] = field(default_factory=dict)  # Histogram.to_dict forms
    json_path: str | None = None
    kind: str = "websocket"

    @property
    def gateway_memory_peak_mb(self) -> float:
        return self.gateway_memory.peak_mb if self.gateway_memory else NAN

    @property
    def gateway_memory_growth_mb(self) -> float:
        return self.gateway_memory.growth_mb if self.gateway_memory else NAN

    def metric(self, name: str, scope: str | None = None) -> float | None:
        """A threshold metric by name (see WS_METRICS); None when not measured."""
        key = name.strip()
        if scope is not None or key not in WS_METRICS:
            return None
        return number(getattr(self, key))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["gateway_memory_peak_mb"] = self.gateway_memory_peak_mb
        data["gateway_memory_growth_mb"] = self.gateway_memory_growth_mb
        result: dict[str, Any] = json_safe(data)
        return result

    def save_json(self, path: str | Path) -> Path:
        """Write the result as JSON atomically (temp file + rename)."""
        return write_json_atomic(path, self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WebSocketResult:
        """Rebuild a result from `to_dict` output (e.g. a saved JSON file)."""
        d = _nan_fields(saved_fields(cls, data, "websocket", "WebSocket result"))
        d["timeline"] = [WsTimelineRow(**_nan_fields(r)) for r in d.get("timeline", [])]
        if d.get("gateway_memory") is not None:
            d["gateway_memory"] = GatewayMemory(**_nan_fields(d["gateway_memory"]))
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
