"""Series of one metric over runs, and where their trend is heading.

The projection uses the runs since the latest baseline version (a new
baseline resets what "normal" means): a Theil-Sen slope, robust to the odd
outlier run, and a Mann-Kendall test (Kendall's tau against run order) so
that a wobble is not announced as a trend. When the trend heads towards the
regression limit, the crossing is given in runs and, from the recent pace of
runs, as a date.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

import numpy as np
from scipy.stats import kendalltau, theilslopes

from perfgate.baseline.history import HistoryEntry
from perfgate.baseline.metric_table import DEFAULT_METRICS, METRICS, Direction

TREND_ALPHA = 0.05
MIN_TREND_POINTS = 4


@dataclass(frozen=True)
class Point:
    run: int  # 1-based position in the series
    time: datetime
    value: float
    event: str
    verdict: str | None
    baseline: float | None
    limit: float | None
    baseline_version: int | None
    git_commit: str | None


@dataclass(frozen=True)
class Projection:
    direction: str  # "worse", "better" or "flat"
    slope_per_run: float
    p_value: float | None
    points_used: int
    level: float | None  # the trend line's value at the latest run
    limit: float | None
    runs_to_limit: float | None
    eta: datetime | None
    beyond_limit: bool


@dataclass(frozen=True)
class Series:
    environment: str
    baseline: str
    test: str | None
    metric: str
    unit: str
    metric_direction: Direction
    points: list[Point]
    projection: Projection
    fingerprints: int

    @property
    def regressions(self) -> list[Point]:
        return [p for p in self.points if p.verdict == "regressed"]

    @property
    def version_changes(self) -> list[Point]:
        """Points where a new baseline version took effect (the first run on it)."""
        changes: list[Point] = []
        previous: int | None = None
        for point in self.points:
            if point.baseline_version is not None and point.baseline_version != previous:
                if previous is not None or point.event in ("recorded", "updated"):
                    changes.append(point)
                previous = point.baseline_version
        return changes


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def build_series(entries: Iterable[HistoryEntry], last: int | None = None) -> list[Series]:
    """One series per (environment, baseline, test, metric), oldest run first."""
    groups: dict[tuple[str, str, str | None], list[HistoryEntry]] = {}
    for entry in entries:
        groups.setdefault((entry.environment, entry.baseline, entry.test), []).append(entry)
    series: list[Series] = []
    for (environment, baseline, test), group in sorted(
        groups.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or "")
    ):
        group.sort(key=lambda entry: parse_time(entry.time))
        if last is not None:
            group = group[-last:]
        fingerprints = len({str(e.fingerprint.get("digest")) for e in group})
        for metric in _metrics_of(group):
            points = _points(group, metric)
            if not points:
                continue
            spec = METRICS.get(metric)
            direction: Direction = spec.direction if spec else "lower"
            series.append(
                Series(
                    environment=environment,
                    baseline=baseline,
                    test=test,
                    metric=metric,
                    unit=spec.unit if spec else "",
                    metric_direction=direction,
                    points=points,
                    projection=project(points, direction),
                    fingerprints=fingerprints,
                )
            )
    return series


def _metrics_of(group: list[HistoryEntry]) -> list[str]:
    compared: list[str] = []
    for entry in group:
        for metric in entry.verdicts:
            if metric not in compared:
                compared.append(metric)
    if compared:
        return compared
    kind = group[-1].kind
    return [m for m in DEFAULT_METRICS.get(kind, ()) if any(m in e.values for e in group)]


def _points(group: list[HistoryEntry], metric: str) -> list[Point]:
    points: list[Point] = []
    for entry in group:
        if metric not in entry.values:
            continue
        verdict = entry.verdicts.get(metric, {})
        points.append(
            Point(
                run=len(points) + 1,
                time=parse_time(entry.time),
                value=entry.values[metric],
                event=entry.event,
                verdict=verdict.get("verdict"),
                baseline=_number(verdict.get("baseline")),
                limit=_number(verdict.get("limit")),
                baseline_version=entry.baseline_version,
                git_commit=entry.git_commit,
            )
        )
    return points


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def project(points: list[Point], direction: Direction) -> Projection:
    """Trend of the runs on the current baseline version, and when it would cross the limit."""
    recent = _since_latest_version(points)
    limit = next((p.limit for p in reversed(points) if p.limit is not None), None)
    latest = points[-1].value
    sign = 1.0 if direction == "lower" else -1.0
    beyond = limit is not None and sign * (latest - limit) > 0
    if len(recent) < MIN_TREND_POINTS:
        return Projection("flat", 0.0, None, len(recent), None, limit, None, None, beyond)
    x = np.array([p.run for p in recent], dtype=float)
    y = np.array([p.value for p in recent], dtype=float)
    if np.all(y == y[0]):
        return Projection("flat", 0.0, 1.0, len(recent), float(y[0]), limit, None, None, beyond)
    slope, intercept, _, _ = theilslopes(y, x)
    level = float(intercept + slope * x[-1])
    p_value = float(kendalltau(x, y).pvalue)
    if not (p_value < TREND_ALPHA) or slope == 0:
        return Projection(
            "flat", float(slope), p_value, len(recent), level, limit, None, None, beyond
        )
    heading = "worse" if sign * slope > 0 else "better"
    runs_to_limit: float | None = None
    eta: datetime | None = None
    if heading == "worse" and limit is not None and not beyond:
        runs = (limit - level) / slope
        if runs > 0:
            runs_to_limit = float(runs)
            pace = _pace(recent)
            if pace is not None:
                eta = recent[-1].time + pace * runs_to_limit
    return Projection(
        heading, float(slope), p_value, len(recent), level, limit, runs_to_limit, eta, beyond
    )


def _since_latest_version(points: list[Point]) -> list[Point]:
    version = points[-1].baseline_version
    recent: list[Point] = []
    for point in reversed(points):
        if point.baseline_version != version:
            break
        recent.append(point)
    return recent[::-1]


def _pace(points: list[Point]) -> timedelta | None:
    """Median time between consecutive runs; None when runs carry no usable times."""
    gaps = [(b.time - a.time).total_seconds() for a, b in pairwise(points) if b.time > a.time]
    if not gaps:
        return None
    return timedelta(seconds=float(np.median(gaps)))
