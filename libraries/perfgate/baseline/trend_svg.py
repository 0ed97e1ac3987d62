"""One inline SVG chart per series for the trends page, on the shared renderer
(`perfgate.report.linechart`): no scripts, no network.

The chart shows the value of every run (a dot with its details on hover, larger
and red when the run regressed), the baseline median and the regression limit
in force at each run as steps, a line where a new baseline version starts, and
the trend projected ahead (up to `MAX_PROJECTION_RUNS` runs, or to where it
crosses the limit). The page's legend (`COLOURS`) explains the colours.
"""

from __future__ import annotations

import math

from perfgate.baseline.report import format_value
from perfgate.baseline.trend_model import Series
from perfgate.report import linechart
from perfgate.report.axes import nice_ticks
from perfgate.report.linechart import Marker, Point, line_chart

WIDTH, HEIGHT = 720, 240
# How far past the last run the projection may be drawn, in runs.
MAX_PROJECTION_RUNS = 30

COLOURS = {
    "value": "#0969da",
    "regressed": "#cf222e",
    "improved": "#1a7f37",
    "baseline": "#57606a",
    "limit": "#cf222e",
    "projection": "#bc4c00",
    "version": "#8250df",
    "grid": "#d0d7de",
}
_TOOLTIPS = {"baseline": "baseline median", "limit": "regression limit"}
# Units whose values can go below zero (memory can shrink); every other one cannot.
_SIGNED = {"MB", "MB/h"}
_WHOLE = {"count", "requests"}


def valid_range(unit: str) -> tuple[float, float]:
    """The values a metric of `unit` can take: a share from 0 to 100 %, a time, rate or
    count from 0, so the axis and the projection never show a -0.008 % error rate."""
    if unit == "fraction":
        return 0.0, 1.0
    return (-math.inf, math.inf) if unit in _SIGNED else (0.0, math.inf)


def _run_ticks(low: float, high: float) -> list[float]:
    return nice_ticks(low, high, 6, whole=True)


def _projection(series: Series) -> tuple[float, float, float] | None:
    """(level at the last run, run the projection ends at, its value there); None when flat."""
    projection = series.projection
    if projection.direction == "flat":
        return None
    last = series.points[-1]
    level = projection.level if projection.level is not None else last.value
    ahead = projection.runs_to_limit if projection.runs_to_limit is not None else 5.0
    ahead = min(max(ahead, 1.0), float(MAX_PROJECTION_RUNS))
    # Stopped where it reaches a value the metric cannot take (below zero, above 100 %).
    low, high = valid_range(series.unit)
    slope = projection.slope_per_run
    bound = low if slope < 0 else high
    if math.isfinite(bound) and slope and (bound - level) / slope < ahead:
        ahead = max((bound - level) / slope, 0.0)
    return level, last.run + ahead, level + slope * ahead


def _steps(series: Series, which: str, last_end: float) -> linechart.Series:
    """The baseline (or limit) in force at each run, as horizontal steps (no risers)."""
    points: list[tuple[float, float]] = []
    runs = series.points
    for index, point in enumerate(runs):
        value = point.baseline if which == "baseline" else point.limit
        if value is None:
            continue
        start = max(point.run - 0.5, 1.0)
        end = runs[index + 1].run - 0.5 if index + 1 < len(runs) else last_end
        if points and points[-1] != (start, value):
            points.append((math.nan, math.nan))  # a new level starts a new line
        points += [(start, value), (end, value)]
    return linechart.Series(
        "", points, COLOURS[which], dashed=True, css=which, tooltip=_TOOLTIPS[which]
    )


def _run_point(series: Series, index: int) -> Point:
    p = series.points[index]
    regressed = p.verdict == "regressed"
    tip = (
        f"run {p.run} · {p.time:%Y-%m-%d %H:%M:%S} · "
        f"{format_value(p.value, series.unit)} · {p.verdict or p.event}"
        + (f" · baseline v{p.baseline_version}" if p.baseline_version else "")
        + (f" · {p.git_commit[:10]}" if p.git_commit else "")
    )
    return Point(
        p.run,
        p.value,
        COLOURS.get(p.verdict or "", COLOURS["value"]),
        radius=5 if regressed else 3.5,
        css="point regressed" if regressed else "point",
        tooltip=tip,
    )


def chart(series: Series) -> str:
    points = series.points
    last_run = points[-1].run
    projected = _projection(series)
    x_max = max(projected[1] if projected else last_run, last_run, 2)
    lines = [
        _steps(series, "baseline", float(last_run)),
        # The limit stays in force ahead, where the projection may cross it.
        _steps(series, "limit", float(x_max)),
        linechart.Series(
            "", [(p.run, p.value) for p in points], COLOURS["value"], width=2, css="values"
        ),
    ]
    caption = [
        (
            f"{f'runs 1-{last_run}' if last_run > 1 else 'run 1'} · "
            f"{points[0].time:%Y-%m-%d %H:%M} to {points[-1].time:%Y-%m-%d %H:%M} UTC",
            "",
        )
    ]
    if projected is not None:
        level, end_run, end_value = projected
        lines.append(
            linechart.Series(
                "",
                [(last_run, level), (end_run, end_value)],
                COLOURS["projection"],
                dashed=True,
                width=2,
                css="projection",
                tooltip=f"trend {series.projection.slope_per_run:+.4g} {series.unit} per run",
            )
        )
        caption.append((f"projected {end_run - last_run:.0f} runs ahead", COLOURS["projection"]))
    return line_chart(
        lines,
        label=f"{series.metric} over {len(points)} runs",
        markers=[
            Marker(p.run, f"baseline v{p.baseline_version}", COLOURS["version"])
            for p in series.version_changes
        ],
        points=[_run_point(series, i) for i in range(len(points))],
        x_range=(1.0, float(x_max)),
        y_min=None,
        y_pad=0.08,
        y_format=lambda v: format_value(v, series.unit),
        y_valid=valid_range(series.unit),
        y_whole=series.unit in _WHOLE,
        x_format=lambda run: f"run {run:.0f}",
        x_ticks=_run_ticks,
        caption=caption,
        legend=False,
        width=WIDTH,
        height=HEIGHT,
    )
