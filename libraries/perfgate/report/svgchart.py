"""Small inline SVG charts for log.html: lines over time and bars.

Hand-made rather than pygal: a chart is a few kilobytes of plain SVG with no
script, stylesheet or font, so a log.html holding fifty tests' charts still
opens at once, and it renders the same in every browser and offline.

Long series are reduced to at most `max_columns` pixel columns; each column
keeps its lowest and highest value in the order they happened, so no spike
or dip is lost to the reduction. Coordinates are whole pixels.

    svg = line_chart(
        [Series("p95", [(0, 12.0), (1, 15.5), (2, float("nan")), (3, 14.0)], "#1f6fb4")],
        title="Latency (ms)",
        rules=[Rule(200.0, "p95 limit")],
        shade=(0.0, 1.0),            # e.g. the warm-up
        y_format=lambda v: f"{v:g} ms",
    )
    svg = bar_chart([Bar("1 ms", 120), Bar("2 ms", 30)], title="Latency histogram")

A NaN value leaves a gap in its line. Rules (horizontal reference lines:
thresholds, targets) far above the data are listed in the legend as "above the
chart" instead of squashing the data to the bottom.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 640, 190
LEFT, RIGHT, TOP, BOTTOM = 62, 12, 24, 22
MAX_COLUMNS = 100
# A rule further above the data than this factor is not drawn, only listed.
RULE_REACH = 4.0

BLUE, GREEN, ORANGE, RED, PURPLE, GREY = (
    "#1f6fb4",
    "#2a9d3c",
    "#e07b00",
    "#c0392b",
    "#7b3fa0",
    "#888888",
)


@dataclass(frozen=True)
class Series:
    """One line: (x, y) points in x order; a NaN y leaves a gap."""

    label: str
    points: Sequence[tuple[float, float]]
    colour: str = BLUE
    dashed: bool = False
    step: bool = False  # draw as steps (values that hold until the next point)


@dataclass(frozen=True)
class Rule:
    """A horizontal reference line across the chart, such as a threshold or a target."""

    value: float
    label: str
    colour: str = RED
    dashed: bool = True


@dataclass(frozen=True)
class Marker:
    """A vertical line at `x` with a short label, such as where a run was stopped."""

    x: float
    label: str
    colour: str = GREY


@dataclass(frozen=True)
class Bar:
    """One bar; `label` is its tick text (shown for a few bars), `tooltip` its hover text."""

    label: str
    value: float
    colour: str = BLUE
    tooltip: str = ""


def format_number(value: float) -> str:
    """Short axis text: ``0``, ``2.5``, ``120``, ``5,000``, ``15k``, ``2M``."""
    if not math.isfinite(value):
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.3g}M"
    if magnitude >= 1e4:
        return f"{value / 1e3:.3g}k"
    if magnitude >= 1e3:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def format_seconds(value: float) -> str:
    """Axis text for a time in seconds: ``0 s``, ``45 s``, ``2 min``, ``1 h 5 min``."""
    if not math.isfinite(value):
        return "n/a"
    if abs(value) < 10:
        return f"{value:.3g} s"
    if abs(value) < 120:
        return f"{value:.0f} s"
    minutes = round(value / 60)
    if minutes < 120:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """About `count` round values (1, 2, 2.5 or 5 times a power of ten) spanning low..high."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low] if math.isfinite(low) else []
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


def reduce_points(
    points: Sequence[tuple[float, float]], x_low: float, x_high: float, columns: int
) -> list[tuple[float, float]]:
    """At most two points per column (its lowest and highest, in time order); NaNs kept as gaps."""
    if len(points) <= 2 * columns or x_high <= x_low:
        return list(points)
    out: list[tuple[float, float]] = []
    bucket: list[tuple[float, float]] = []
    current = None
    span = x_high - x_low
    for x, y in points:
        column = min(int((x - x_low) / span * columns), columns - 1)
        if column != current or math.isnan(y):
            out.extend(_extremes(bucket))
            bucket = []
            current = column
        if math.isnan(y):
            if not out or not math.isnan(out[-1][1]):
                out.append((x, y))
            current = None
            continue
        bucket.append((x, y))
    out.extend(_extremes(bucket))
    return out


def _extremes(bucket: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(bucket) <= 2:
        return bucket
    low = min(bucket, key=lambda p: p[1])
    high = max(bucket, key=lambda p: p[1])
    return sorted({low, high}, key=lambda p: p[0])


def _finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if math.isfinite(v)]


def _svg_open(width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11" role="img" '
        f'aria-label="{escape(title)}">',
        f'<text x="{LEFT}" y="14" font-weight="bold">{escape(title)}</text>',
    ]


def _legend(parts: list[str], items: Sequence[tuple[str, str, bool]], width: int) -> None:
    """Legend entries right-aligned on the title line: (colour, label, dashed)."""
    x = width - RIGHT
    for colour, label, dashed in reversed(items):
        text_w = 6 * len(label) + 4
        x -= text_w
        parts.append(f'<text x="{x}" y="14">{escape(label)}</text>')
        x -= 16
        dash = ' stroke-dasharray="3 2"' if dashed else ""
        parts.append(
            f'<line x1="{x}" y1="10" x2="{x + 12}" y2="10" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        x -= 8


def line_chart(
    series: Sequence[Series],
    *,
    title: str = "",
    rules: Sequence[Rule] = (),
    markers: Sequence[Marker] = (),
    shade: tuple[float, float] | None = None,
    shade_label: str = "warm-up",
    x_range: tuple[float, float] | None = None,
    y_min: float | None = 0.0,
    y_format: Callable[[float], str] = format_number,
    x_format: Callable[[float], str] = format_seconds,
    width: int = WIDTH,
    height: int = HEIGHT,
    max_columns: int = MAX_COLUMNS,
) -> str:
    """An SVG line chart; "" when there is nothing to draw (no finite point)."""
    xs = _finite([x for s in series for x, _ in s.points])
    ys = _finite([y for s in series for _, y in s.points])
    if not xs or not ys:
        return ""
    x_low, x_high = x_range if x_range is not None else (min(xs), max(xs))
    if x_high <= x_low:
        x_high = x_low + 1.0
    data_low, data_high = min(ys), max(ys)
    shown_rules = [r for r in rules if math.isfinite(r.value)]
    reach = max(abs(data_high), 1e-12) * RULE_REACH
    drawn_rules = [r for r in shown_rules if r.value <= reach]
    y_low = min([data_low, *(r.value for r in drawn_rules)])
    y_high = max([data_high, *(r.value for r in drawn_rules)])
    if y_min is not None:
        y_low = min(y_min, y_low)
    if y_high <= y_low:
        y_high = y_low + (abs(y_low) * 0.1 or 1.0)
    y_high += (y_high - y_low) * 0.06  # head room so a line at the top stays visible
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + (x - x_low) / (x_high - x_low) * plot_w

    def py(y: float) -> float:
        return TOP + (y_high - y) / (y_high - y_low) * plot_h

    parts = _svg_open(width, height, title)
    parts.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" '
        'stroke="#ccc"/>'
    )
    if shade is not None and shade[1] > shade[0]:
        sx0, sx1 = px(max(shade[0], x_low)), px(min(shade[1], x_high))
        if sx1 > sx0:
            parts.append(
                f'<rect x="{sx0:.0f}" y="{TOP}" width="{sx1 - sx0:.0f}" height="{plot_h}" '
                f'fill="#e6e6e6"/><text x="{sx0 + 3:.0f}" y="{TOP + 11}" fill="#666">'
                f"{escape(shade_label)}</text>"
            )
    for tick in nice_ticks(y_low, y_high):
        y = py(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.0f}" x2="{LEFT + plot_w}" y2="{y:.0f}" stroke="#e4e4e4"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.0f}" text-anchor="end">{escape(y_format(tick))}</text>'
        )
    base = height - 7
    parts.append(f'<text x="{LEFT}" y="{base}">{escape(x_format(x_low))}</text>')
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.0f}" y="{base}" text-anchor="middle">'
        f"{escape(x_format((x_low + x_high) / 2))}</text>"
    )
    parts.append(
        f'<text x="{LEFT + plot_w}" y="{base}" text-anchor="end">{escape(x_format(x_high))}</text>'
    )
    for marker in markers:
        if x_low <= marker.x <= x_high:
            mx = px(marker.x)
            # The label goes on the side with room, inside the plot.
            right = mx < LEFT + plot_w * 0.6
            tx, anchor = (mx + 3, "start") if right else (mx - 3, "end")
            parts.append(
                f'<line x1="{mx:.0f}" y1="{TOP}" x2="{mx:.0f}" y2="{TOP + plot_h}" '
                f'stroke="{marker.colour}" stroke-dasharray="4 3"/>'
                f'<text x="{tx:.0f}" y="{TOP + 23}" text-anchor="{anchor}" '
                f'fill="{marker.colour}">{escape(marker.label)}</text>'
            )
    for rule in drawn_rules:
        y = py(rule.value)
        dash = ' stroke-dasharray="6 3"' if rule.dashed else ""
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.0f}" x2="{LEFT + plot_w}" y2="{y:.0f}" '
            f'stroke="{rule.colour}" stroke-width="1.2"{dash}/>'
        )
    for s in series:
        points = reduce_points(s.points, x_low, x_high, max_columns)
        for run in _runs(points, s.step):
            coords = " ".join(f"{px(x):.0f},{py(y):.0f}" for x, y in run)
            dash = ' stroke-dasharray="4 2"' if s.dashed else ""
            if len(run) == 1:
                x, y = run[0]
                parts.append(f'<circle cx="{px(x):.0f}" cy="{py(y):.0f}" r="2" fill="{s.colour}"/>')
            else:
                parts.append(
                    f'<polyline fill="none" stroke="{s.colour}" stroke-width="1.5"{dash} '
                    f'points="{coords}"/>'
                )
    legend = [(s.colour, s.label, s.dashed) for s in series if s.label]
    legend += [(r.colour, r.label, r.dashed) for r in drawn_rules if r.label]
    legend += [
        (r.colour, f"{r.label} (above the chart)", r.dashed)
        for r in shown_rules
        if r not in drawn_rules
    ]
    _legend(parts, legend, width)
    parts.append("</svg>")
    return "".join(parts)


def _runs(points: Sequence[tuple[float, float]], step: bool) -> list[list[tuple[float, float]]]:
    """The points split at NaN values; as steps when `step`."""
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for x, y in points:
        if not (math.isfinite(x) and math.isfinite(y)):
            if current:
                runs.append(current)
            current = []
            continue
        if step and current:
            current.append((x, current[-1][1]))
        current.append((x, y))
    if current:
        runs.append(current)
    return runs


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str = "",
    y_format: Callable[[float], str] = format_number,
    rules: Sequence[Rule] = (),
    markers: Sequence[Marker] = (),
    labels: int = 6,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """An SVG bar chart, bars in the order given; at most `labels` tick labels; "" if empty.

    A marker's `x` counts bars from the left edge: 0 is the left edge of the
    first bar, 2.5 the middle of the third (e.g. where a latency limit falls
    in a histogram).
    """
    values = _finite([b.value for b in bars])
    if not values:
        return ""
    y_high = max([*values, *(r.value for r in rules if math.isfinite(r.value))])
    y_high = (y_high or 1.0) * 1.06
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    slot = plot_w / len(bars)
    gap = min(2.0, slot * 0.15)

    def py(y: float) -> float:
        return TOP + (y_high - y) / y_high * plot_h

    parts = _svg_open(width, height, title)
    parts.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" '
        'stroke="#ccc"/>'
    )
    for tick in nice_ticks(0.0, y_high):
        y = py(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.0f}" x2="{LEFT + plot_w}" y2="{y:.0f}" stroke="#e4e4e4"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.0f}" text-anchor="end">{escape(y_format(tick))}</text>'
        )
    every = max(1, math.ceil(len(bars) / max(labels, 1)))
    for i, bar in enumerate(bars):
        x = LEFT + i * slot
        if math.isfinite(bar.value) and bar.value > 0:
            top = py(bar.value)
            tip = f"<title>{escape(bar.tooltip)}</title>" if bar.tooltip else ""
            parts.append(
                f'<rect x="{x + gap / 2:.1f}" y="{top:.1f}" width="{max(slot - gap, 0.5):.1f}" '
                f'height="{TOP + plot_h - top:.1f}" fill="{bar.colour}">{tip}</rect>'
            )
        if i % every == 0 and bar.label:
            parts.append(
                f'<text x="{x + slot / 2:.0f}" y="{height - 7}" text-anchor="middle">'
                f"{escape(bar.label)}</text>"
            )
    for rule in rules:
        if math.isfinite(rule.value):
            y = py(rule.value)
            parts.append(
                f'<line x1="{LEFT}" y1="{y:.0f}" x2="{LEFT + plot_w}" y2="{y:.0f}" '
                f'stroke="{rule.colour}" stroke-dasharray="6 3"/>'
            )
    for marker in markers:
        if 0 <= marker.x <= len(bars):
            mx = LEFT + marker.x * slot
            parts.append(
                f'<line x1="{mx:.0f}" y1="{TOP}" x2="{mx:.0f}" y2="{TOP + plot_h}" '
                f'stroke="{marker.colour}" stroke-dasharray="6 3" stroke-width="1.2"/>'
            )
    legend = [(r.colour, r.label, r.dashed) for r in rules if r.label]
    legend += [(m.colour, m.label, True) for m in markers if m.label and 0 <= m.x <= len(bars)]
    _legend(parts, legend, width)
    parts.append("</svg>")
    return "".join(parts)
