"""The parent's side of an SSE run: worker-seconds merged into a timeline, running
totals and the final `SseResult`.

`perfgate.load.seconds.SecondMerge` decides when a second is complete;
this module says what closing one means. Histograms merge exactly; event
latency totals take only events sent after the warm-up (the workers sort
them by the send stamp); exact event counts come from the workers' final
totals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from perfgate.load.events.figures import coarse_row, counted, row_counts, statistics, timeline_row
from perfgate.load.events.stampcount import StampCounts, StampFields
from perfgate.load.generator_health import MIN_SAMPLES, health_warnings
from perfgate.load.seconds import SecondMerge, Snapshot, per_worker
from perfgate.load.sse.result import SseResult, SseTimelineRow
from perfgate.measure.histogram import Histogram
from perfgate.measure.timeline import Timeline

_RUN = ("connects", "disconnections", "reconnects", "received", "sent", "publish_errors",
        "unrecognized", "gaps")  # fmt: skip
_TOTALS = ("expected", "received", "lost", "duplicates", "out_of_order")


@dataclass
class SseProgress:
    """Once a second, for the console: the row just closed, the run's clock and what went
    wrong so far (losses as found: exact counts come at the end)."""

    row: SseTimelineRow
    elapsed_s: float
    duration_s: float
    warmup: bool
    lost: int
    disconnections: int
    connect_failures: int
    # The second's latencies of events sent after the warm-up (ns): what live export sends.
    second_latency: Histogram = field(default_factory=Histogram)
    # The second by load worker (index), measured period: CPU seconds and events received,
    # which live export sums by the machine that ran each worker (cluster runs).
    worker_cpu_s: dict[int, float] = field(default_factory=dict)
    worker_events: dict[int, float] = field(default_factory=dict)


def _hist(data: dict[str, Any] | None) -> Histogram | None:
    return None if data is None or not data.get("count") else Histogram.from_dict(data)


class SseAggregator(SecondMerge[SseProgress, SseResult]):
    def __init__(self, workers: int, warmup_s: float, duration_s: float, fmt: StampFields) -> None:
        super().__init__(workers)
        self.stamps = StampCounts(fmt)
        self.warmup_seconds = math.ceil(warmup_s)
        self.duration_s = duration_s
        self.timeline: Timeline[SseTimelineRow] = Timeline(coarse_row)
        # Keyed by the result fields they give (event_latency_p95, connect_p95, first_event_p95).
        self.hists = {name: Histogram() for name in ("event_latency", "connect", "first_event")}
        self.connect_errors: dict[str, int] = {}
        self.counters: dict[str, int] = {}
        self.cpu_s = [0.0] * workers
        self.wall_s = [0.0] * workers
        self.measured_s = 0.0
        self.events_measured = 0
        self.sent_measured = 0
        self.totals: dict[int, dict[str, Any]] = {}

    def close_second(self, second: int, snaps: list[Snapshot]) -> SseProgress:
        warmup = second < self.warmup_seconds
        row_hist, measured = Histogram(), Histogram()
        for snap in snaps:
            self._take(snap, warmup, row_hist, measured)
        counts = row_counts(snaps)
        start = min(float(s["t"]) for s in snaps)
        width = max(float(s["interval_s"]) for s in snaps)
        row = timeline_row(start, counts, row_hist, warmup, width)
        self.timeline.add(second, row, row_hist)
        if not warmup:  # the measured period: its events and publishes per second
            self.measured_s += width
            self.events_measured += counts["received"]
            self.sent_measured += counts["sent"]
        c = self.counters
        progress = SseProgress(row, start + width, self.duration_s, warmup, c.get("gaps", 0),
                               c.get("disconnections", 0), c.get("connect_failures", 0),
                               measured)  # fmt: skip
        if not warmup:
            progress.worker_cpu_s = per_worker(snaps, "cpu_s")
            progress.worker_events = per_worker(snaps, "received")
        return progress

    def _take(self, snap: Snapshot, warmup: bool, row_hist: Histogram, second: Histogram) -> None:
        worker = int(snap["worker"])
        if snap.get("totals") is not None:  # a worker's last second: its exact event counts
            self.totals[worker] = snap["totals"]
        # The row's latency is of every event it received, warm-up's included; the run's
        # only of the events sent after the warm-up.
        for key, name in (("latency", "event_latency"), ("latency_warm", None),
                          ("connect", "connect"), ("first_event", "first_event")):  # fmt: skip
            hist = _hist(snap[key])
            if hist is not None and name is not None:
                self.hists[name].merge(hist)
                if name == "event_latency":
                    second.merge(hist)
            if hist is not None and key.startswith("latency"):
                row_hist.merge(hist)
        for kind, n in snap["connect_errors"].items():
            self.connect_errors[kind] = self.connect_errors.get(kind, 0) + n
        for key in _RUN:
            self.counters[key] = self.counters.get(key, 0) + int(snap[key])
        failures = sum(snap["connect_errors"].values())
        self.counters["connect_failures"] = self.counters.get("connect_failures", 0) + failures
        self.stamps.add(worker, snap)
        if not warmup:
            self.counters["send_missed"] = self.counters.get("send_missed", 0) + snap["send_missed"]
            self.cpu_s[worker] += float(snap["cpu_s"])
            self.wall_s[worker] += float(snap["interval_s"])

    def result(self, base: dict[str, Any], stopped_early: bool) -> SseResult:
        total = {k: sum(int(t.get(k) or 0) for t in self.totals.values()) for k in _TOTALS}
        lat = self.hists["event_latency"]
        cpu = [round(100.0 * cs / w, 1) if w > 0 else 0.0
               for cs, w in zip(self.cpu_s, self.wall_s, strict=True)]  # fmt: skip
        basis = self.stamps.basis(lat.count, total["received"])
        warnings = health_warnings(cpu, 0, 0, lat.count or MIN_SAMPLES) + basis.warnings
        missed = self.counters.get("send_missed", 0)
        if missed:
            warnings.append(f"{missed:,} scheduled events were not published in time")
        return SseResult(
            **base,
            **{
                k: v for name, hist in self.hists.items() for k, v in statistics(name, hist).items()
            },
            **basis.fields,
            **counted(self.counters, total, self.measured_s, self.events_measured),
            duration_s=self.measured_s,
            connect_errors_by_kind=dict(sorted(self.connect_errors.items())),
            latency_samples=lat.count,
            events_sent=self.sent_measured,
            timeline=self.timeline.rows(),
            cpu_percent=cpu,
            warnings=warnings,
            notes=self._notes() + basis.notes,
            suspect=bool(warnings),
            stopped_early=stopped_early,
            histograms={name: hist.to_dict() for name, hist in self.hists.items()},
        )

    def _notes(self) -> list[str]:
        notes: list[str] = []
        for worker_totals in self.totals.values():
            notes.extend(n for n in worker_totals.get("notes", []) if n not in notes)
        missing = self.workers - len(self.totals)
        if missing:
            notes.append(f"{missing} worker(s) sent no final totals: event counts are incomplete.")
        return notes
