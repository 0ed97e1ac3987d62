"""One inline SVG chart per series, hand-made so the report needs no scripts or network."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from perfgate.baseline.report import format_value
from perfgate.baseline.trend_model import Series

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 72, 24, 18, 40
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


def chart(series: Series) -> str:
    points = series.points
    projection = series.projection
    last_run = points[-1].run
    proj_end_run: float | None = None
    proj_end_value: float | None = None
    level = projection.level if projection.level is not None else points[-1].value
    if projection.direction != "flat":
        ahead = projection.runs_to_limit if projection.runs_to_limit is not None else 5.0
        ahead = min(max(ahead, 1.0), float(MAX_PROJECTION_RUNS))
        proj_end_run = last_run + ahead
        proj_end_value = level + projection.slope_per_run * ahead

    values = [p.value for p in points]
    values += [p.baseline for p in points if p.baseline is not None]
    values += [p.limit for p in points if p.limit is not None]
    if proj_end_value is not None:
        values.append(proj_end_value)
    low, high = min(values), max(values)
    # A flat series still needs a visible band around its line.
    pad = (high - low) * 0.08 if high != low else (abs(high) * 0.1 or 1.0)
    low, high = low - pad, high + pad
    x_max = max(proj_end_run or last_run, last_run, 2)

    def x(run: float) -> float:
        return LEFT + (run - 1) / (x_max - 1) * (WIDTH - LEFT - RIGHT)

    def y(value: float) -> float:
        return TOP + (high - value) / (high - low) * (HEIGHT - TOP - BOTTOM)

    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{escape(series.metric)} over {len(points)} runs">'
    ]
    for i in range(5):
        value = low + (high - low) * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{COLOURS["grid"]}" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11">'
            f"{escape(format_value(value, series.unit))}</text>"
        )
    span = f"runs 1-{last_run}" if last_run > 1 else "run 1"
    parts.append(
        f'<text x="{LEFT}" y="{HEIGHT - 8}" font-size="11">{span} · '
        f"{points[0].time:%Y-%m-%d %H:%M} to {points[-1].time:%Y-%m-%d %H:%M} UTC</text>"
    )
    if proj_end_run is not None:
        parts.append(
            f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" font-size="11" text-anchor="end" '
            f'fill="{COLOURS["projection"]}">projected {proj_end_run - last_run:.0f} runs ahead'
            "</text>"
        )
    for point in series.version_changes:
        parts.append(
            f'<line class="version" x1="{x(point.run):.1f}" x2="{x(point.run):.1f}" y1="{TOP}" '
            f'y2="{HEIGHT - BOTTOM}" stroke="{COLOURS["version"]}" stroke-dasharray="2 3"/>'
            f'<text x="{x(point.run) + 3:.1f}" y="{TOP + 10}" font-size="11" '
            f'fill="{COLOURS["version"]}">baseline v{point.baseline_version}</text>'
        )
    parts.append(_step_line(series, "baseline", x, y, float(last_run)))
    # The limit stays in force ahead, where the projection may cross it.
    parts.append(_step_line(series, "limit", x, y, float(x_max)))
    if proj_end_run is not None and proj_end_value is not None:
        parts.append(
            f'<line class="projection" x1="{x(last_run):.1f}" y1="{y(level):.1f}" '
            f'x2="{x(proj_end_run):.1f}" y2="{y(proj_end_value):.1f}" '
            f'stroke="{COLOURS["projection"]}" stroke-width="2" stroke-dasharray="6 4">'
            f"<title>trend {projection.slope_per_run:+.4g} {escape(series.unit)} per run</title>"
            "</line>"
        )
    coordinates = " ".join(f"{x(p.run):.1f},{y(p.value):.1f}" for p in points)
    parts.append(
        f'<polyline class="values" points="{coordinates}" fill="none" '
        f'stroke="{COLOURS["value"]}" stroke-width="2"/>'
    )
    for p in points:
        colour = COLOURS.get(p.verdict or "", COLOURS["value"])
        css = "point regressed" if p.verdict == "regressed" else "point"
        radius = 5 if p.verdict == "regressed" else 3.5
        tip = (
            f"run {p.run} · {p.time:%Y-%m-%d %H:%M:%S} · "
            f"{format_value(p.value, series.unit)} · {p.verdict or p.event}"
            + (f" · baseline v{p.baseline_version}" if p.baseline_version else "")
            + (f" · {p.git_commit[:10]}" if p.git_commit else "")
        )
        parts.append(
            f'<circle class="{css}" cx="{x(p.run):.1f}" cy="{y(p.value):.1f}" r="{radius}" '
            f'fill="{colour}"><title>{escape(tip)}</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _step_line(
    series: Series,
    which: str,
    x: Callable[[float], float],
    y: Callable[[float], float],
    last_end: float,
) -> str:
    """The baseline (or limit) in force at each run, as horizontal steps."""
    segments: list[str] = []
    points = series.points
    for index, point in enumerate(points):
        value = point.baseline if which == "baseline" else point.limit
        if value is None:
            continue
        start = max(point.run - 0.5, 1.0)
        end = points[index + 1].run - 0.5 if index + 1 < len(points) else last_end
        segments.append(f"M{x(start):.1f},{y(value):.1f} H{x(end):.1f}")
    if not segments:
        return ""
    dash = "4 4" if which == "baseline" else "8 4"
    title = "baseline median" if which == "baseline" else "regression limit"
    return (
        f'<path class="{which}" d="{" ".join(segments)}" fill="none" '
        f'stroke="{COLOURS[which]}" stroke-width="1.5" stroke-dasharray="{dash}">'
        f"<title>{title}</title></path>"
    )
