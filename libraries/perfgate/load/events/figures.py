"""The figures every event protocol's result has (WebSocket, SSE): connections, event
latency and the clock it stands on, exact event counts, disconnections, the load
generator's health; and how the parent's merge fills them.

`EventFigures` is a base dataclass whose fields are keyword-only, so that a
result class declares its own (URL, mode, timeline, ...) first and in any
order. Times are milliseconds, rates fractions; a statistic without samples
is NaN (null in JSON).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from perfgate.artifacts.paths import json_safe
from perfgate.itemaccess import ItemAccess
from perfgate.load.cluster.record import cluster_json
from perfgate.load.gatewaymemory import GATEWAY_MEMORY_METRICS
from perfgate.load.resultjson import NAN, number
from perfgate.measure.histogram import Histogram
from perfgate.measure.timeline import percentiles_ms

STATISTICS = ("mean", "p50", "p95", "p99", "max")
# The threshold metrics (and flat keys BaselineLibrary compares) of every event protocol.
EVENT_METRICS = frozenset(
    {
        "connection_success_rate",
        "connect_attempts",
        "connect_failures",
        *(f"connect_{k}" for k in STATISTICS),
        *(f"event_latency_{k}" for k in STATISTICS),
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
    }
)
# Result field <- the merge's run-long counter of the same meaning.
_COUNTERS = {
    "connect_failures": "connect_failures",
    "send_missed": "send_missed",
    "publish_errors": "publish_errors",
    "unrecognized_messages": "unrecognized",
    "disconnections": "disconnections",
    "reconnects": "reconnects",
}
# Result field <- the workers' exact final totals.
_TOTALS = {
    "events_expected": "expected",
    "events_received": "received",
    "events_lost": "lost",
    "events_duplicated": "duplicates",
    "events_out_of_order": "out_of_order",
}


@dataclass
class EventTimelineRow(ItemAccess):
    """One second of the run (warm-up seconds included, flagged); before the last hour of a
    long run, 10 or 60 seconds (`perfgate.measure.timeline`). `row.p95` and `row["p95"]` alike."""

    t: float  # start of the row, seconds from the start of the run
    connected: int  # open connections (streams) at the end of the row
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


# What a timeline row sums over the workers, besides the connect errors (by kind in a snapshot).
ROW_COUNTS = ("connected", "target", "connects", "disconnections", "received", "sent", "gaps")


def row_counts(snaps: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """The `ROW_COUNTS` and `connect_errors` of one second, summed over its workers' snapshots."""
    counts = {key: sum(int(snap[key]) for snap in snaps) for key in ROW_COUNTS}
    counts["connect_errors"] = sum(sum(snap["connect_errors"].values()) for snap in snaps)
    return counts


def timeline_row(
    t: float, counts: Mapping[str, int], hist: Histogram, warmup: bool, width_s: float
) -> EventTimelineRow:
    """A row from the counts of `ROW_COUNTS` (and `connect_errors`) and its latency histogram."""
    p50, p95, p99 = percentiles_ms(hist) if hist.count else (None, None, None)
    return EventTimelineRow(
        t=t,
        connected=counts["connected"],
        target=counts["target"],
        connects=counts["connects"],
        connect_errors=counts["connect_errors"],
        disconnections=counts["disconnections"],
        events=counts["received"],
        events_per_s=counts["received"] / width_s if width_s > 0 else 0.0,
        sent=counts["sent"],
        p50=p50,
        p95=p95,
        p99=p99,
        lost=counts["gaps"],
        warmup=warmup,
        width_s=width_s,
    )


def coarse_row(
    rows: Sequence[EventTimelineRow], hist: Histogram, width_s: float
) -> EventTimelineRow:
    """Seconds as one row: counts summed, the rate over its width, percentiles of all its
    events; connected clients and the ramp target as at its end, as a second's are."""
    counts = {
        "connected": rows[-1].connected,
        "target": rows[-1].target,
        "connects": sum(r.connects for r in rows),
        "connect_errors": sum(r.connect_errors for r in rows),
        "disconnections": sum(r.disconnections for r in rows),
        "received": sum(r.events for r in rows),
        "sent": sum(r.sent for r in rows),
        "gaps": sum(r.lost for r in rows),
    }
    return timeline_row(rows[0].t, counts, hist, rows[-1].warmup, width_s)


@dataclass(kw_only=True)
class EventFigures:
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
    events_duplicated: int = 0
    events_out_of_order: int = 0
    event_loss_rate: float = NAN
    events_per_s: float = 0.0  # received per second over the measured period
    events_sent: int = 0  # published (or echo messages sent) over the measured period
    send_missed: int = 0  # scheduled but not sent (no open connection, or too late)
    publish_errors: int = 0
    unrecognized_messages: int = 0
    disconnections: int = 0
    reconnects: int = 0
    # The load generator: its CPU per worker, and whether it may have been the limit.
    cpu_percent: list[float] = field(default_factory=list)
    suspect: bool = False
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stopped_early: bool = False
    json_path: str | None = None
    histograms: dict[str, Any] = field(default_factory=dict)  # Histogram.to_dict forms
    # The names `metric` answers (a class's own, not a field).
    METRICS: ClassVar[frozenset[str]] = EVENT_METRICS

    def metric(self, name: str, scope: str | None = None) -> float | None:
        """A threshold metric by name (one of METRICS); None when not measured."""
        key = name.strip()
        if scope is not None or key not in self.METRICS:
            return None
        return number(getattr(self, key))


def statistics(prefix: str, hist: Histogram) -> dict[str, Any]:
    """``{prefix}_mean/_p50/_p95/_p99/_max`` in ms (NaN without samples)."""
    names = [f"{prefix}_{k}" for k in STATISTICS]
    if not hist.count:
        return dict.fromkeys(names, NAN)
    values = [hist.mean, *hist.percentiles([50, 95, 99]), hist.max]
    return {name: value / 1e6 for name, value in zip(names, values, strict=True)}


def counted(
    counters: Mapping[str, int], totals: Mapping[str, int], measured_s: float, received: int
) -> dict[str, Any]:
    """The counts of `EventFigures` from the merge's run-long `counters` (connects,
    connect_failures, disconnections, ...), the workers' exact `totals` (expected,
    received, lost, duplicates, out_of_order) and the events `received` over the
    `measured_s` seconds after the warm-up."""
    attempts = counters.get("connects", 0) + counters.get("connect_failures", 0)
    expected = totals.get("expected", 0)
    return {
        **{name: counters.get(key, 0) for name, key in _COUNTERS.items()},
        **{name: totals.get(key, 0) for name, key in _TOTALS.items()},
        "connect_attempts": attempts,
        "connection_success_rate": counters.get("connects", 0) / attempts if attempts else NAN,
        "event_loss_rate": totals.get("lost", 0) / expected if expected else NAN,
        "events_per_s": received / measured_s if measured_s > 0 else 0.0,
    }


def run_fields(config: Any, url: str, channel: str, workers: int) -> dict[str, Any]:
    """What every event result says about its run (the URL as it may be shown)."""
    ramp = config.ramp
    return {
        "url": url,
        "connections": config.connections,
        "event_rate": float(config.event_rate),
        "warmup_s": float(config.warmup_s),
        "ramp_per_s": ramp if math.isfinite(ramp) else None,
        "channel": channel,
        "workers": workers,
        "name": config.name,
    }


def result_json(result: Any) -> dict[str, Any]:
    """An event result's JSON: its fields, the gateway-memory metrics flat as the other
    metrics (thresholds, BaselineLibrary), and where it ran (`cluster`, null locally)."""
    data = asdict(result)
    for name in sorted(GATEWAY_MEMORY_METRICS):
        data[name] = getattr(result, name)
    data["cluster"] = cluster_json(result.cluster)
    saved: dict[str, Any] = json_safe(data)
    return saved
