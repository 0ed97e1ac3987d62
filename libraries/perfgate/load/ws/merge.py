"""The parent's side: per-second snapshots from every worker merged into a
timeline, running totals and the final `WebSocketResult`.

`perfgate.load.seconds.SecondMerge` decides when a second is complete;
this module says what closing one means. Event latency totals take only
the events published after the warm-up (workers sort them by the publish
stamp); exact event counts come from the workers' final totals. The
timeline keeps the last hour per second and older seconds in coarser rows
(`perfgate.measure.timeline`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from perfgate.load.events.figures import coarse_row, counted, row_counts, statistics, timeline_row
from perfgate.load.events.stampcount import StampCounts
from perfgate.load.generator_health import MIN_SAMPLES, health_warnings
from perfgate.load.resultjson import NAN
from perfgate.load.seconds import SecondMerge, Snapshot, per_worker
from perfgate.load.ws.config import WsProtocol
from perfgate.load.ws.result import WebSocketResult, WsTimelineRow
from perfgate.measure.histogram import Histogram
from perfgate.measure.timeline import Timeline

# A collector pause this long in a worker is worth a warning: it delays every
# receipt timestamp taken meanwhile.
GC_PAUSE_WARN_MS = 50.0
_TOTAL_KEYS = ("expected", "received", "lost", "missed_disconnected", "duplicates",
               "out_of_order", "sessions", "unclosed_sessions", "restarts")  # fmt: skip


@dataclass
class WsProgress:
    """What `on_progress` gets once a second: the row just closed and running totals."""

    row: WsTimelineRow
    elapsed_s: float
    duration_s: float
    warmup: bool
    connected: int
    target: int
    events: int  # received over the measured period so far
    lost: int  # gaps found so far (exact counts come at the end)
    disconnections: int
    connect_failures: int
    p95: float  # event latency so far, measured period, ms
    # The second's latencies of events sent after the warm-up (ns): what live export sends.
    second_latency: Histogram = field(default_factory=Histogram)
    # The second by load worker (index), measured period: CPU seconds and events received,
    # which live export sums by the machine that ran each worker (cluster runs).
    worker_cpu_s: dict[int, float] = field(default_factory=dict)
    worker_events: dict[int, float] = field(default_factory=dict)

    def metric(self, name: str, scope: str | None = None) -> float | None:
        """Running value for `stop_on`-style checks: event_latency_p95, disconnections, ..."""
        values = {
            "event_latency_p95": self.p95,
            "disconnections": float(self.disconnections),
            "events_received": float(self.events),
        }
        value = values.get(name.strip()) if scope is None else None
        return None if value is None or math.isnan(value) else value


def _hist(data: dict[str, Any] | None) -> Histogram | None:
    """A worker's histogram; None when it has no sample (merging it would add nothing)."""
    return None if data is None or not data.get("count") else Histogram.from_dict(data)


class WsAggregator(SecondMerge[WsProgress, WebSocketResult]):
    def __init__(
        self,
        workers: int,
        warmup_s: float,
        duration_s: float,
        protocol: WsProtocol | None = None,
    ) -> None:
        super().__init__(workers)
        self.stamps = StampCounts(protocol or WsProtocol())
        self.warmup_seconds = math.ceil(warmup_s)
        self.duration_s = duration_s
        self.timeline: Timeline[WsTimelineRow] = Timeline(coarse_row)
        self.latency = Histogram()
        # p95 for progress, with the sample count it was taken at: a pass over every
        # bucket, redone only after a second that brought samples.
        self._running_p95 = (0, NAN)
        self.connect = Histogram()
        self.connect_errors: dict[str, int] = {}
        self.cpu_s = [0.0] * workers
        self.wall_s = [0.0] * workers
        self.measured_s = 0.0
        self.counters: dict[str, int] = {}
        self.events_measured = 0
        self.sent_measured = 0
        self.totals: dict[int, dict[str, Any]] = {}
        self.fd_limits: list[int] = []
        self.gc_max_ms = [0.0] * workers  # longest collector pause per worker, measured period

    def add(self, snap: Snapshot) -> list[WsProgress]:
        """Take one worker-second, keeping a final snapshot's exact event totals."""
        if snap.get("final") and snap.get("totals") is not None:
            self.totals[int(snap["worker"])] = snap["totals"]
        return super().add(snap)

    def _count(self, key: str, n: int) -> None:
        self.counters[key] = self.counters.get(key, 0) + n

    def close_second(self, second: int, snaps: list[Snapshot]) -> WsProgress:
        warmup = second < self.warmup_seconds
        interval = max(float(s["interval_s"]) for s in snaps)
        start = min(float(s["t"]) for s in snaps)
        row_hist, measured = Histogram(), Histogram()
        for snap in snaps:
            self._take(snap, warmup, row_hist, measured)
        counts = row_counts(snaps)
        if not warmup:
            self.measured_s += interval
            self.events_measured += counts["received"]
            self.sent_measured += counts["sent"]
        row = timeline_row(start, counts, row_hist, warmup, interval)
        self.timeline.add(second, row, row_hist)
        if self._running_p95[0] != self.latency.count:
            self._running_p95 = (self.latency.count, self.latency.percentile(95) / 1e6)
        progress = WsProgress(
            row=row,
            elapsed_s=start + interval,
            duration_s=self.duration_s,
            warmup=warmup,
            connected=row.connected,
            target=row.target,
            events=self.events_measured,
            lost=self.counters.get("gaps", 0),
            disconnections=self.counters.get("disconnections", 0),
            connect_failures=self.counters.get("connect_failures", 0),
            p95=self._running_p95[1],
            second_latency=measured,
        )
        if not warmup:
            progress.worker_cpu_s = per_worker(snaps, "cpu_s")
            progress.worker_events = per_worker(snaps, "received")
        return progress

    def _take(self, snap: Snapshot, warmup: bool, row_hist: Histogram, second: Histogram) -> None:
        """One worker's second into the run's totals, the row's histogram and the second's
        measured latencies."""
        worker = int(snap["worker"])
        measured = _hist(snap["latency"])
        warm = _hist(snap["latency_warm"])
        for hist in (measured, warm):
            if hist is not None:
                row_hist.merge(hist)
        if measured is not None:
            self.latency.merge(measured)
            second.merge(measured)
        connect = _hist(snap["connect"])
        if connect is not None:
            self.connect.merge(connect)
        for kind, n in snap["connect_errors"].items():
            self.connect_errors[kind] = self.connect_errors.get(kind, 0) + n
        for key in ("connects", "disconnections", "reconnects", "received", "sent",
                    "publish_errors", "subscribe_errors", "unrecognized", "gaps"):  # fmt: skip
            self._count(key, int(snap[key]))
        self.stamps.add(worker, snap)
        self._count("connect_failures", sum(snap["connect_errors"].values()))
        if warmup:  # sends missed while the clients still connect are no finding
            return
        self._count("send_missed", int(snap["send_missed"]))
        self.gc_max_ms[worker] = max(self.gc_max_ms[worker], float(snap["gc_max_ms"]))
        self.cpu_s[worker] += float(snap["cpu_s"])
        self.wall_s[worker] += float(snap["interval_s"])

    # -- the result ---------------------------------------------------------------

    def result(self, base: dict[str, Any], stopped_early: bool) -> WebSocketResult:
        c = self.counters
        total = {
            key: sum(int(t.get(key) or 0) for t in self.totals.values()) for key in _TOTAL_KEYS
        }
        lat = self.latency
        conn = self.connect
        cpu = [
            round(100.0 * cs / wall, 1) if wall > 0 else 0.0
            for cs, wall in zip(self.cpu_s, self.wall_s, strict=True)
        ]
        basis = self.stamps.basis(lat.count, total["received"])
        warnings = self._warnings(cpu, basis.warnings)
        notes = self._notes() + basis.notes
        return WebSocketResult(
            **base,
            **statistics("connect", conn),
            **statistics("event_latency", lat),
            **basis.fields,
            **counted(c, total, self.measured_s, self.events_measured),
            duration_s=self.measured_s,
            connect_errors_by_kind=dict(sorted(self.connect_errors.items())),
            latency_samples=lat.count,
            events_missed_disconnected=total["missed_disconnected"],
            events_sent=self.sent_measured,
            subscribe_errors=c.get("subscribe_errors", 0),
            sessions=total["sessions"],
            timeline=self.timeline.rows(),
            cpu_percent=cpu,
            gc_max_ms=[round(p, 2) for p in self.gc_max_ms],
            fd_limit=min(self.fd_limits) if self.fd_limits else None,
            warnings=warnings,
            notes=notes,
            suspect=bool(warnings),
            stopped_early=stopped_early,
            histograms={"event_latency": lat.to_dict(), "connect": conn.to_dict()},
        )

    def _notes(self) -> list[str]:
        """The workers' notes, each once, and a word on workers that sent no totals."""
        notes: list[str] = []
        for worker_totals in self.totals.values():
            for note in worker_totals.get("notes", []):
                if note not in notes:
                    notes.append(note)
        missing = self.workers - len(self.totals)
        if missing:
            notes.append(f"{missing} worker(s) sent no final totals: event counts are incomplete.")
        return notes

    def _warnings(self, cpu: list[float], stamp_warnings: list[str]) -> list[str]:
        """What may make the figures the load generator's rather than the gateway's."""
        # Only the CPU and sample-count warnings of the HTTP engine apply here.
        # (an empty histogram counts as enough samples: its warning comes next)
        warnings = health_warnings(cpu, 0, 0, self.latency.count or MIN_SAMPLES)
        warnings += stamp_warnings
        for i, pause in enumerate(self.gc_max_ms, start=1):
            if pause >= GC_PAUSE_WARN_MS:
                warnings.append(
                    f"the load generator's garbage collector paused worker {i} for up to "
                    f"{pause:.0f} ms: latencies up to that much may be the tool's own"
                )
        send_missed = self.counters.get("send_missed", 0)
        if send_missed:
            warnings.append(
                f"{send_missed:,} scheduled messages were not sent "
                "(no open connection, or the generator fell behind)"
            )
        return warnings
