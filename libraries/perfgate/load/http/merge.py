"""The parent's side: per-second snapshots from every worker merged into a
timeline and running totals, then into a `LoadResult`.

`perfgate.load.seconds.SecondMerge` decides when a second is complete;
this module says what closing one means. Warm-up seconds go into the
timeline, flagged, but not into the totals. The timeline keeps the last
hour per second and older seconds in coarser rows (`perfgate.measure.timeline`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from perfgate.load.generator_health import health_warnings
from perfgate.load.http.result import (
    GeneratorHealth,
    LatencySummary,
    LoadResult,
    NameCounts,
    Progress,
    RequestStats,
    ServerTimingStat,
    TimelineRow,
    latency_fields,
)
from perfgate.load.seconds import SecondMerge, Snapshot, per_worker
from perfgate.measure.histogram import Histogram
from perfgate.measure.timeline import Timeline, percentiles_ms


def _add_counts(into: dict[Any, int], more: dict[Any, int]) -> None:
    for k, n in more.items():
        into[k] = into.get(k, 0) + n


class Aggregator(SecondMerge[Progress, LoadResult]):
    def __init__(self, workers: int, warmup_s: float, duration_s: float, open_model: bool) -> None:
        super().__init__(workers)
        self.warmup_seconds = math.ceil(warmup_s)
        self.duration_s = duration_s
        self.open_model = open_model
        self.timeline: Timeline[TimelineRow] = Timeline(_coarse_row)
        self.latency = Histogram()
        # The running figures for progress, with the sample count they were taken at: a
        # pass over every bucket, redone only after a second that brought samples.
        self._running: tuple[int, dict[str, Any]] = (0, latency_fields(None))
        self.service = Histogram()
        self.by_name: dict[str, NameCounts] = {}
        self.server_timing: dict[str, Histogram] = {}
        self.cpu_s = [0.0] * workers
        self.worker_s = [0.0] * workers  # measured wall time each worker reported
        self.measured_s = 0.0
        self.intended = 0
        self.missed = 0
        self.requests = 0
        self.errors = 0
        self.target_sum = 0.0  # open model: sum of intended counts for target_rps

    # -- closing a second -------------------------------------------------------

    def close_second(self, second: int, snaps: list[Snapshot]) -> Progress:
        warmup = second < self.warmup_seconds
        hist = Histogram()
        requests = errors = missed = intended = active = 0
        target = cpu_s = 0.0
        by_name: dict[str, NameCounts] = {}  # the second's, for live export (perfgate.live)
        interval = max(float(s["interval_s"]) for s in snaps)
        start = min(float(s.get("t", second)) for s in snaps)
        for snap in snaps:
            missed += int(snap["missed"])
            intended += int(snap["intended"])
            active += int(snap["active"])
            target += float(snap["target"])
            if not warmup:
                cpu_s += float(snap["cpu_s"])
                self.cpu_s[int(snap["worker"])] += float(snap["cpu_s"])
                self.worker_s[int(snap["worker"])] += float(snap["interval_s"])
            for name, data in snap["names"].items():
                lat = Histogram.from_dict(data["latency"])
                hist.merge(lat)
                n_err = sum(data["errors"].values())
                requests += int(data["requests"])
                errors += n_err
                if not warmup:
                    self._take_name(name, data, lat, by_name)
            if not warmup:
                for comp, data in snap["server_timing"].items():
                    self.server_timing.setdefault(comp, Histogram()).merge(
                        Histogram.from_dict(data)
                    )
        if not warmup:
            self.latency.merge(hist)
            self.measured_s += interval
            self.requests += requests
            self.errors += errors
            self.missed += missed
            self.intended += intended
        row = _row(start, hist, interval, (requests, errors, missed), active, target, warmup)
        self.timeline.add(second, row, hist)
        progress = self._progress(row, start + interval)
        progress.second_by_name, progress.cpu_s = by_name, cpu_s
        if not warmup:
            progress.worker_cpu_s = per_worker(snaps, "cpu_s")
            progress.worker_requests = per_worker(snaps, _requests)
        return progress

    def _take_name(
        self, name: str, data: dict[str, Any], lat: Histogram, second: dict[str, NameCounts]
    ) -> None:
        """One worker's measured second of request `name` into the run's totals and the
        second's own (the same counts: what live export sends adds up to the result)."""
        for into in (
            self.by_name.setdefault(name, NameCounts()),
            second.setdefault(name, NameCounts()),
        ):
            into.latency.merge(lat)
            into.requests += int(data["requests"])
            _add_counts(into.errors, data["errors"])
            _add_counts(into.status, data["status"])
        if data.get("service") is not None:
            self.service.merge(Histogram.from_dict(data["service"]))

    def _progress(self, row: TimelineRow, elapsed_s: float) -> Progress:
        if self._running[0] != self.latency.count:
            self._running = (self.latency.count, latency_fields(self.latency))
        return Progress(
            row=row,
            elapsed_s=elapsed_s,
            duration_s=self.duration_s,
            warmup=row.warmup,
            requests=self.requests,
            errors=self.errors,
            error_rate=self.errors / self.requests if self.requests else 0.0,
            rps=self.requests / self.measured_s if self.measured_s else 0.0,
            missed=self.missed,
            **self._running[1],
        )

    # -- the result ---------------------------------------------------------------

    def result(self, base: dict[str, Any], stopped_early: bool) -> LoadResult:
        measured = self.measured_s
        status: dict[int, int] = {}
        kinds: dict[str, int] = {}
        by_name = {}
        for name, t in sorted(self.by_name.items()):
            _add_counts(status, t.status)
            _add_counts(kinds, t.errors)
            by_name[name] = _request_stats(name, t, measured)
        samples = self.latency.count
        cpu = [
            round(100.0 * c / wall, 1) if wall > 0 else 0.0
            for c, wall in zip(self.cpu_s, self.worker_s, strict=True)
        ]
        health = GeneratorHealth(cpu_percent=cpu, intended=self.intended, missed=self.missed)
        health.warnings = health_warnings(cpu, self.intended, self.missed, samples)
        result = LoadResult(
            **base,
            duration_s=measured,
            **_request_counts(self.requests, kinds, status, measured),
            target_rps=(self.intended / measured if measured > 0 else 0.0)
            if self.open_model
            else None,
            **latency_fields(self.latency),
            service=LatencySummary.from_histogram(self.service) if self.open_model else None,
            timeline=self.timeline.rows(),
            by_name=by_name,
            server_timing={
                k: ServerTimingStat(count=h.count, mean=h.mean / 1e6, p95=h.percentile(95) / 1e6)
                for k, h in sorted(self.server_timing.items())
            },
            health=health,
            suspect=bool(health.warnings),
            stopped_early=stopped_early,
            histograms={
                "latency": self.latency.to_dict(),
                "service": self.service.to_dict() if self.open_model else None,
                "by_name": {k: t.latency.to_dict() for k, t in sorted(self.by_name.items())},
            },
        )
        return result


def _requests(snap: Snapshot) -> int:
    """A worker-second's requests, every name's."""
    return sum(int(data["requests"]) for data in snap["names"].values())


def _coarse_row(rows: Sequence[TimelineRow], hist: Histogram, width_s: float) -> TimelineRow:
    """Seconds as one row: counts summed, the rate over its width, percentiles of all its
    responses; clients, connections and target as at its end, as a second's are."""
    counts = (
        sum(r.requests for r in rows),
        sum(r.errors for r in rows),
        sum(r.missed for r in rows),
    )
    last = rows[-1]
    return _row(rows[0].t, hist, width_s, counts, last.active, last.target, last.warmup)


def _row(
    t: float,
    hist: Histogram,
    width_s: float,
    counts: tuple[int, int, int],
    active: int,
    target: float,
    warmup: bool,
) -> TimelineRow:
    """A timeline row: `counts` are requests, errors and missed sends over `width_s`."""
    requests, errors, missed = counts
    p50, p95, p99 = percentiles_ms(hist)
    return TimelineRow(
        t=t,
        rps=requests / width_s if width_s > 0 else 0.0,
        p50=p50,
        p95=p95,
        p99=p99,
        requests=requests,
        errors=errors,
        active=active,
        target=target,
        missed=missed,
        warmup=warmup,
        width_s=width_s,
        goodput=(requests - errors) / width_s if width_s > 0 else 0.0,
    )


def _request_stats(name: str, t: NameCounts, measured: float) -> RequestStats:
    return RequestStats(
        name=name,
        **_request_counts(t.requests, t.errors, t.status, measured),
        **latency_fields(t.latency),
    )


def _request_counts(
    requests: int, kinds: dict[str, int], status: dict[int, int], measured: float
) -> dict[str, Any]:
    """The counts and rates a run and each request name report alike."""
    n_err = sum(kinds.values())
    return {
        "requests": requests,
        "successes": requests - n_err,
        "errors": n_err,
        "error_rate": n_err / requests if requests else 0.0,
        "rps": requests / measured if measured > 0 else 0.0,
        "goodput": (requests - n_err) / measured if measured > 0 else 0.0,
        "errors_by_kind": dict(sorted(kinds.items())),
        "status_codes": {str(k): v for k, v in sorted(status.items())},
    }
