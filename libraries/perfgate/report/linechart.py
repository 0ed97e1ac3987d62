"""Line charts: series over x, with bands, reference lines, markers and marked points.

The one renderer behind every time chart in log.html (load, WebSocket, memory)
and the trends page. Hand-made rather than pygal: a chart is a few kilobytes of
plain SVG with no script, style sheet or font, so a log.html holding fifty
tests' charts still opens at once, and it renders the same in every browser.

Long series are reduced to at most `max_columns` pixel columns; each column
keeps its lowest and highest value in the order they happened, so no spike or
dip is lost to the reduction (`reduce_points`, the only reduction there is).

    svg = line_chart(
        [Series("p95", [(0, 12.0), (1, 15.5), (2, float("nan")), (3, 14.0)], BLUE)],
        title="Latency (ms)",
        rules=[Rule(200.0, "p95 limit")],
        shade=(0.0, 1.0),            # e.g. the warm-up
        y_format=format_ms,
    )

A NaN value leaves a gap in its line. Rules (horizontal reference lines:
thresholds, targets) far above the data are listed in the legend as "above the
chart" instead of squashing the data to the bottom. Besides lines a chart can
hold shaded `Band`s, vertical `Marker`s, `Point`s (circles, with hover text),
`Dots` (many small dots in one element) and `Ticks` (short strokes along the
top edge, such as collections).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from perfgate.report import svg
from perfgate.report.axes import (
    HEAD_ROOM,
    Frame,
    Scale,
    format_number,
    format_seconds,
    frame_for,
    log_ticks,
    nice_ticks,
    plot_area,
    time_ticks,
    value_range,
    x_labels,
    y_grid,
)
from perfgate.report.hover import hover_columns
from perfgate.report.svg import GREY, RED, LegendEntry

WIDTH, HEIGHT = 640, 190
MAX_COLUMNS = 100
# A rule further above the data than this factor is not drawn, only listed.
RULE_REACH = 4.0
SHADE = "#e6e6e6"
# Collection ticks closer than this many pixels are drawn as one.
TICK_SPACING = 4
TICK_DEPTH = 8  # collection ticks hang this far into the plot
LABEL_LINE = 12  # one line of band or marker labels at the plot's top

Point2 = tuple[float, float]


@dataclass(frozen=True)
class Series:
    """One line: (x, y) points in x order; a NaN y leaves a gap."""

    label: str
    points: Sequence[Point2]
    colour: str = svg.BLUE
    dashed: bool = False
    step: bool = False  # draw as steps (values that hold until the next point)
    width: float = 1.5
    css: str = ""  # a class for the page that embeds the chart
    tooltip: str = ""


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
class Band:
    """A shaded stretch of x from `start` to `end`, such as the warm-up; label optional."""

    start: float
    end: float
    label: str = ""
    colour: str = SHADE


@dataclass(frozen=True)
class Point:
    """One marked value: a dot (or a ring) with hover text."""

    x: float
    y: float
    colour: str
    radius: float = 3.5
    ring: bool = False
    css: str = ""
    tooltip: str = ""


@dataclass(frozen=True)
class Dots:
    """Many small dots drawn as one element, such as the floors of a memory run."""

    label: str
    points: Sequence[Point2]
    colour: str


@dataclass(frozen=True)
class Ticks:
    """Short strokes along the top edge at each x, such as garbage collections."""

    label: str
    xs: Sequence[float]
    colour: str


def reduce_points(
    points: Sequence[Point2], x_low: float, x_high: float, columns: int
) -> list[Point2]:
    """At most two points per column (its lowest and highest, in time order); NaNs kept as gaps."""
    if len(points) <= 2 * columns or x_high <= x_low:
        return list(points)
    out: list[Point2] = []
    bucket: list[Point2] = []
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


def _extremes(bucket: list[Point2]) -> list[Point2]:
    if len(bucket) <= 2:
        return bucket
    low = min(bucket, key=lambda p: p[1])
    high = max(bucket, key=lambda p: p[1])
    return sorted({low, high}, key=lambda p: p[0])


def _runs(points: Sequence[Point2], step: bool) -> list[list[Point2]]:
    """The points split at NaN values; as steps when `step`."""
    runs: list[list[Point2]] = []
    current: list[Point2] = []
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


def _finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if math.isfinite(v)]


def _round_down(value: float) -> float:
    """The 1, 2 or 5 times a power of ten at or below `value` (> 0): a log axis's bottom."""
    power = 10 ** math.floor(math.log10(value))
    return max(m * power for m in (1, 2, 5) if m * power <= value * (1 + 1e-9))


@dataclass
class LineChart:
    """What one line chart shows; `render()` gives the SVG ("" with no finite point)."""

    series: Sequence[Series]
    title: str = ""
    title_colour: str = ""
    label: str = ""  # what a screen reader says; the title when empty
    rules: Sequence[Rule] = ()
    markers: Sequence[Marker] = ()
    shade: tuple[float, float] | None = None
    shade_label: str = "warm-up"
    bands: Sequence[Band] = ()
    points: Sequence[Point] = ()
    dots: Sequence[Dots] = ()
    ticks: Sequence[Ticks] = ()
    x_range: tuple[float, float] | None = None
    y_min: float | None = 0.0  # the y axis reaches down to it; None: from the data, padded
    y_pad: float = HEAD_ROOM
    y_log: bool = False  # a log scale, so lines far apart can all be read (latency)
    y_whole: bool = False  # a count: whole-number ticks only
    y_valid: tuple[float, float] = (-math.inf, math.inf)  # values the metric can take
    hover: bool = True  # each x's values of the labelled lines on hover (`report.hover`)
    y_format: Callable[[float], str] = format_number
    x_format: Callable[[float], str] | None = format_seconds  # None: no x labels
    x_ticks: Callable[[float, float], list[float]] = time_ticks  # where the x labels go
    caption: Sequence[tuple[str, str]] = ()  # (text, colour): left and right, below the axis
    legend: bool = True
    legend_extra: Sequence[LegendEntry] = ()  # for marks without a label of their own
    width: int = WIDTH
    height: int = HEIGHT
    max_columns: int = MAX_COLUMNS
    _parts: list[str] = field(default_factory=list, init=False, repr=False)

    def render(self) -> str:
        xs = _finite([x for s in self.series for x, _ in s.points])
        ys = _finite([y for s in self.series for _, y in s.points])
        if not xs or not ys:
            return ""
        x_low, x_high = self.x_range if self.x_range is not None else (min(xs), max(xs))
        x_high = x_high if x_high > x_low else x_low + 1.0
        drawn, above = self._placed_rules(max(ys))
        ys += [p.y for p in self.points] + [y for d in self.dots for _, y in d.points]
        values = _finite([*ys, *(r.value for r in drawn)])
        entries = self._legend(drawn, above) if self.legend else []
        # The plot's height does not depend on the tick labels, its left edge does.
        y_low, y_high, log = self._y_range(values, self._frame(["0"], entries)[0].plot_h)
        ticks = log_ticks(y_low, y_high) if log else self._linear_ticks(y_low, y_high)
        labels = [self.y_format(t) for t in ticks]
        frame, row = self._frame(labels, entries)
        x, y = frame.x_scale(x_low, x_high), frame.y_scale(y_low, y_high, log=log)
        self._parts = [plot_area(frame)]
        self._draw_bands(frame, x)
        self._parts += y_grid(frame, y, ticks, labels)
        self._draw_rules(frame, y, drawn)
        self._draw_markers(frame, x)
        self._draw_series(x, y)
        if self.hover:
            x_text = self.x_format or format_number
            self._parts.append(
                hover_columns(self.series, frame, x, (x_text, self.y_format), self.max_columns)
            )
        self._draw_marks(frame, x, y)
        self._draw_labels(frame, x)
        self._parts += svg.legend(entries, self.width - frame.right, row)
        return svg.document(self.width, self.height, self.label or self.title, self._parts)

    def _frame(self, labels: Sequence[str], entries: Sequence[LegendEntry]) -> tuple[Frame, int]:
        return frame_for(
            self.width,
            self.height,
            labels,
            title=self.title,
            legend=entries,
            caption=bool(self.caption),
        )

    def _strip(self) -> float:
        """Pixels at the plot's top kept free of data for the band and marker labels (below
        the collection ticks), so no line crosses a label."""
        lines = int(self._band_labels()) + int(any(m.label for m in self.markers))
        if not lines:
            return 0.0
        return lines * LABEL_LINE + (TICK_DEPTH if any(t.xs for t in self.ticks) else 0) + 3

    def _band_labels(self) -> bool:
        return bool(self.shade is not None and self.shade_label) or any(b.label for b in self.bands)

    def _y_range(self, values: Sequence[float], plot_h: float) -> tuple[float, float, bool]:
        """The y axis's low and high end and whether it is a log scale; the data stays below
        the label strip."""
        # The share of the plot's height the data may use.
        share = max(plot_h - self._strip(), plot_h / 2) / plot_h
        positive = [v for v in values if v > 0]
        if self.y_log and positive and max(positive) > min(positive):
            # A step below the lowest value, so a flat p50 does not lie on the axis.
            low = _round_down(min(positive) / 1.5)
            high = max(positive) * (max(positive) / low) ** self.y_pad
            return low, low * (high / low) ** (1 / share), True
        low, high = value_range(values, floor=self.y_min, pad=self.y_pad, valid=self.y_valid)
        return low, low + (high - low) / share, False

    def _linear_ticks(self, low: float, high: float) -> list[float]:
        """Round ticks inside the metric's valid range (no 110 % when the strip reaches it)."""
        ticks = nice_ticks(low, high, whole=self.y_whole)
        return [t for t in ticks if self.y_valid[0] <= t <= self.y_valid[1]]

    def _placed_rules(self, data_high: float) -> tuple[list[Rule], list[Rule]]:
        """The rules drawn, and those too far above the data (only listed)."""
        shown = [r for r in self.rules if math.isfinite(r.value)]
        reach = max(abs(data_high), 1e-12) * RULE_REACH
        return [r for r in shown if r.value <= reach], [r for r in shown if r.value > reach]

    def _draw_bands(self, frame: Frame, x: Scale) -> None:
        bands = list(self.bands)
        if self.shade is not None:
            bands.insert(0, Band(*self.shade, self.shade_label))
        for band in bands:
            start, end = x(max(band.start, x.low)), x(min(band.end, x.high))
            if end <= start:
                continue
            self._parts.append(svg.rect(start, frame.top, end - start, frame.plot_h, band.colour))
            if band.label:
                self._parts.append(
                    svg.text(start + 3, self._label_y(frame, 0), band.label, colour=svg.MUTED)
                )

    def _label_y(self, frame: Frame, line: int) -> float:
        """The baseline of the strip's `line`-th label line, below any collection ticks."""
        below_ticks = TICK_DEPTH if any(t.xs for t in self.ticks) else 0
        return frame.top + below_ticks + 10 + line * LABEL_LINE

    def _draw_rules(self, frame: Frame, y: Scale, rules: Sequence[Rule]) -> None:
        for rule in rules:
            at = y(rule.value)
            dash = "6 3" if rule.dashed else ""
            self._parts.append(
                svg.line(
                    frame.left, at, frame.left + frame.plot_w, at, rule.colour, width=1.2, dash=dash
                )
            )

    def _draw_markers(self, frame: Frame, x: Scale) -> None:
        # Below a band's label when there is one, so the two never overlap.
        label_y = self._label_y(frame, int(self._band_labels()))
        for marker in self.markers:
            if not x.contains(marker.x):
                continue
            at = x(marker.x)
            # The label goes on the side with room, inside the plot.
            right = at < frame.left + frame.plot_w * 0.6
            self._parts.append(svg.line(at, frame.top, at, frame.base, marker.colour, dash="4 3"))
            self._parts.append(
                svg.text(
                    at + 3 if right else at - 3,
                    label_y,
                    marker.label,
                    anchor="start" if right else "end",
                    colour=marker.colour,
                )
            )

    def _draw_series(self, x: Scale, y: Scale) -> None:
        for s in self.series:
            points = reduce_points(s.points, x.low, x.high, self.max_columns)
            for run in _runs(points, s.step):
                if len(run) == 1:
                    self._parts.append(svg.circle(x(run[0][0]), y(run[0][1]), 2, s.colour))
                    continue
                self._parts.append(
                    svg.polyline(
                        [(x(a), y(b)) for a, b in run],
                        s.colour,
                        width=s.width,
                        dash="4 2" if s.dashed else "",
                        css=s.css,
                        tooltip=s.tooltip,
                    )
                )

    def _draw_marks(self, frame: Frame, x: Scale, y: Scale) -> None:
        for ticks in self.ticks:
            spots = sorted({round(x(at) / TICK_SPACING) * TICK_SPACING for at in ticks.xs})
            if spots:
                d = "".join(f"M{s} {svg.num(frame.top)}v7" for s in spots)
                self._parts.append(svg.path(d, ticks.colour))
        for dots in self.dots:
            if dots.points:
                d = "".join(f"M{x(a):.0f} {y(b):.0f}h0" for a, b in dots.points)
                self._parts.append(svg.path(d, dots.colour, width=5, round_caps=True))
        for p in self.points:
            self._parts.append(
                svg.circle(
                    x(p.x), y(p.y), p.radius, p.colour, ring=p.ring, css=p.css, tooltip=p.tooltip
                )
            )

    def _draw_labels(self, frame: Frame, x: Scale) -> None:
        if self.x_format is not None:
            self._parts += x_labels(frame, x, self.x_format, self.x_ticks(x.low, x.high))
        for (text, colour), anchor in zip(self.caption, ("start", "end"), strict=False):
            at = frame.left if anchor == "start" else frame.left + frame.plot_w
            self._parts.append(svg.text(at, self.height - 7, text, anchor=anchor, colour=colour))
        if self.title:
            self._parts.append(
                svg.text(frame.left, svg.TITLE_Y, self.title, bold=True, colour=self.title_colour)
            )

    def _legend(self, drawn: Sequence[Rule], above: Sequence[Rule]) -> list[LegendEntry]:
        def shape(dashed: bool) -> str:
            return "dash" if dashed else "line"

        entries = [LegendEntry(s.colour, s.label, shape(s.dashed)) for s in self.series if s.label]
        entries += [
            LegendEntry(d.colour, d.label, "dot") for d in self.dots if d.label and d.points
        ]
        entries += [LegendEntry(t.colour, t.label, "tick") for t in self.ticks if t.label and t.xs]
        entries += [LegendEntry(r.colour, r.label, shape(r.dashed)) for r in drawn if r.label]
        entries += [
            LegendEntry(r.colour, f"{r.label} (above the chart)", shape(r.dashed))
            for r in above
            if r.label
        ]
        return entries + list(self.legend_extra)


def line_chart(series: Sequence[Series], **options: Any) -> str:
    """An SVG line chart (options: the fields of `LineChart`); "" when nothing is finite."""
    return LineChart(series, **options).render()
