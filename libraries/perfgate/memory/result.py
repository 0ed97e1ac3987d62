"""The outcome of watching a target's memory: figures, series and leak verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

import numpy as np

from perfgate.artifacts.paths import json_safe
from perfgate.memory.display import BYTES_PER_MB, SECONDS_PER_HOUR
from perfgate.memory.leak import LEAK, LeakAnalysis, LeakCriteria, analyse_leak
from perfgate.memory.mapping import MappingGrowth
from perfgate.memory.sample import MemorySample
from perfgate.memory.series import SampleSeries


@dataclass(repr=False)
class MemoryResult:
    """What a memory monitor saw. Sizes are binary MB, times seconds from the first sample.

    Robot reads the attributes directly: `${mem.verdict}`, `${mem.peak_mb}`.
    """

    target: str
    source: str
    alias: str
    interval_s: float
    started_at: str
    duration_s: float
    samples: int
    initial_mb: float
    final_mb: float
    min_mb: float
    max_mb: float
    mean_mb: float
    peak_mb: float
    peak_at_s: float
    growth_mb: float
    growth_pct: float
    initial_uss_mb: float | None
    final_uss_mb: float | None
    peak_uss_mb: float | None
    open_files_initial: int | None
    open_files_final: int | None
    open_files_max: int | None
    threads_initial: int | None
    threads_final: int | None
    threads_max: int | None
    processes_max: int
    ols_slope_mb_per_hour: float
    ols_r_squared: float
    leak: LeakAnalysis
    points: tuple[MemorySample, ...]
    stride: int = 1
    notes: list[str] = field(default_factory=list)
    mapping_growth: list[MappingGrowth] = field(default_factory=list)
    sampling_ms_mean: float = math.nan
    requests: int | None = None
    bytes_per_request: float | None = None
    json_path: str | None = None
    collector: str | None = None
    # What grew between the heap snapshots of `heap_snapshots=True` (issue 18):
    # the one-line summary a LEAK's reason ends with, and the comparison's rows.
    heap_growth: str | None = None
    heap_comparison: dict[str, Any] | None = None
    # A Python gateway's instead (memray): what the window allocated and still
    # holds, in one line and by site (AllocationProfile.to_dict).
    allocation_growth: str | None = None
    heap_allocations: dict[str, Any] | None = None
    # When each snapshot or memray attach held the gateway: [start_s, end_s]
    # from the start of the run, drawn on the chart.
    heap_pauses: list[list[float]] = field(default_factory=list)
    kind: str = "memory"

    @property
    def verdict(self) -> str:
        """`LEAK`, `NO LEAK` or `INCONCLUSIVE`."""
        return self.leak.verdict

    @property
    def reason(self) -> str:
        if self.heap_growth and self.leak.verdict == LEAK:
            return f"{self.leak.reason} Heap snapshots: {self.heap_growth}."
        if self.allocation_growth and self.leak.verdict == LEAK:
            return f"{self.leak.reason} Allocation sites: {self.allocation_growth}."
        return self.leak.reason

    @property
    def leak_rate_mb_per_hour(self) -> float:
        """Theil-Sen slope of the window floors after warm-up (NaN if too few samples)."""
        return self.leak.rate_mb_per_hour

    @property
    def leak_rate_ci_mb_per_hour(self) -> tuple[float, float]:
        return self.leak.rate_ci_mb_per_hour

    @property
    def criteria(self) -> LeakCriteria:
        return self.leak.criteria

    def series(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Seconds from start, RSS floor, RSS high and USS (NaN where unknown) per point, in MB."""
        if not self.points:
            empty = np.array([], dtype=float)
            return empty, empty, empty, empty
        t0 = self.points[0].mono_ns
        t = np.array([(p.mono_ns - t0) / 1e9 for p in self.points])
        low = np.array([p.rss for p in self.points], dtype=float) / BYTES_PER_MB
        high = np.array([p.rss_high for p in self.points], dtype=float) / BYTES_PER_MB
        uss = (
            np.array([math.nan if p.uss is None else p.uss for p in self.points], dtype=float)
            / BYTES_PER_MB
        )
        return t, low, high, uss

    def with_criteria(self, criteria: LeakCriteria) -> MemoryResult:
        """The same run judged against other criteria."""
        t, low, high, _ = self.series()
        judged = replace(self, leak=analyse_leak(t, low, high, criteria, self.collector))
        return judged.with_requests(self.requests)

    def with_requests(self, requests: int | None) -> MemoryResult:
        """Attach the request count of the load that ran meanwhile: bytes per request
        is the floor's trend growth over the monitored time shared among them."""
        if requests is None:
            return replace(self, requests=None, bytes_per_request=None)
        if isinstance(requests, bool) or not isinstance(requests, int) or requests < 0:
            raise ValueError(f"a request count must be a whole number >= 0, got {requests!r}.")
        rate = self.leak.rate_mb_per_hour
        per_request = None
        if requests > 0 and math.isfinite(rate):
            per_request = rate * BYTES_PER_MB * self.duration_s / SECONDS_PER_HOUR / requests
        return replace(self, requests=requests, bytes_per_request=per_request)

    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-safe (NaN becomes null), series included."""
        t, low, high, uss = self.series()
        data: dict[str, Any] = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name not in ("leak", "points", "mapping_growth")
        }
        data.update(
            verdict=self.verdict,
            reason=self.reason,
            leak_rate_mb_per_hour=self.leak_rate_mb_per_hour,
            leak_rate_ci_mb_per_hour=list(self.leak_rate_ci_mb_per_hour),
            leak=self.leak.to_dict(),
            mapping_growth=[
                {"name": g.name, "before": g.before, "after": g.after, "growth": g.growth}
                for g in self.mapping_growth
            ],
            series={
                "t_s": [round(x, 3) for x in t.tolist()],
                "rss_mb": [round(x, 3) for x in low.tolist()],
                "rss_high_mb": [round(x, 3) for x in high.tolist()],
                "uss_mb": [None if math.isnan(x) else round(x, 3) for x in uss.tolist()],
            },
        )
        return json_safe(data)

    def __repr__(self) -> str:
        # Robot logs return values with repr(); thousands of points would bury the log.
        return (
            f"MemoryResult(alias={self.alias!r}, verdict={self.verdict!r}, "
            f"peak_mb={self.peak_mb:.1f}, growth_mb={self.growth_mb:.1f}, "
            f"leak_rate_mb_per_hour={self.leak_rate_mb_per_hour:.2f}, samples={self.samples})"
        )

    __str__ = __repr__


def build_result(
    series: SampleSeries,
    *,
    target: str,
    source: str,
    alias: str,
    interval_s: float,
    criteria: LeakCriteria,
    notes: list[str] | None = None,
    mapping_growth: list[MappingGrowth] | None = None,
    collector: str | None = None,
) -> MemoryResult:
    first, last, peak, lowest = series.first, series.last, series.peak, series.lowest
    if first is None or last is None or peak is None or lowest is None:
        raise ValueError("a memory result needs at least one sample; the monitor took none.")
    points = tuple(series.points())
    t0 = first.mono_ns
    t = np.array([(p.mono_ns - t0) / 1e9 for p in points])
    low = np.array([p.rss for p in points], dtype=float) / BYTES_PER_MB
    high = np.array([p.rss_high for p in points], dtype=float) / BYTES_PER_MB
    ols = series.least_squares()
    growth = last.rss - first.rss
    return MemoryResult(
        target=target,
        source=source,
        alias=alias,
        interval_s=interval_s,
        started_at=datetime.fromtimestamp(first.wall, timezone.utc).isoformat(),
        duration_s=(last.mono_ns - t0) / 1e9,
        samples=series.count,
        initial_mb=first.rss / BYTES_PER_MB,
        final_mb=last.rss / BYTES_PER_MB,
        min_mb=lowest.rss / BYTES_PER_MB,
        max_mb=peak.rss / BYTES_PER_MB,
        mean_mb=series.mean_rss / BYTES_PER_MB,
        peak_mb=peak.rss / BYTES_PER_MB,
        peak_at_s=(peak.mono_ns - t0) / 1e9,
        growth_mb=growth / BYTES_PER_MB,
        growth_pct=100.0 * growth / first.rss if first.rss else math.nan,
        initial_uss_mb=first.uss_mb,
        final_uss_mb=last.uss_mb,
        peak_uss_mb=None if series.peak_uss is None else series.peak_uss / BYTES_PER_MB,
        open_files_initial=first.open_files,
        open_files_final=last.open_files,
        open_files_max=series.max_open_files,
        threads_initial=first.threads,
        threads_final=last.threads,
        threads_max=series.max_threads,
        processes_max=series.max_processes,
        ols_slope_mb_per_hour=ols.slope_mb_per_hour,
        ols_r_squared=ols.r_squared,
        leak=analyse_leak(t, low, high, criteria, collector),
        points=points,
        stride=series.stride,
        notes=list(notes or []),
        mapping_growth=list(mapping_growth or []),
        collector=collector,
    )
