"""Scales, ticks and axis labels: how values become pixels and short text.

A chart's plot area is a `Frame`; a `Scale` maps a value range onto one of its
edges (the y scale runs upwards, so its pixel range is reversed). The y axis
gets round ticks (`nice_ticks`) with grid lines; the x axis is labelled at its
start, middle and end, which is what a reader needs of a run's time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from perfgate.report import svg

RIGHT, TOP, TITLE_TOP, BOTTOM, CAPTION = 12, 12, 24, 22, 14
MIN_LEFT = 62
# Head room (share of the span) above the data, so a line at the top stays visible.
HEAD_ROOM = 0.06


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


def format_ms(value: float) -> str:
    """Axis text for milliseconds: ``0``, ``2.5 ms``, ``120 ms``, ``1.5 s``."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value / 1000:.3g} s"
    return f"{value:.3g} ms"


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


def value_range(
    values: Sequence[float], *, floor: float | None = 0.0, pad: float = HEAD_ROOM
) -> tuple[float, float]:
    """The y range for finite `values`: down to `floor` when given (else padded below too),
    padded above; a flat series gets a band around it."""
    low, high = min(values), max(values)
    if floor is not None:
        low = min(floor, low)
    if high <= low:
        high = low + (abs(low) * 0.1 or 1.0)
    span = high - low
    return (low if floor is not None else low - span * pad), high + span * pad


@dataclass(frozen=True)
class Scale:
    """Maps `low..high` onto the pixels `start..end` (end < start for an upward axis)."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Frame:
    """The chart's size and its plot area's margins, in pixels."""

    width: int
    height: int
    left: float
    top: float
    bottom: float
    right: float = RIGHT

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def base(self) -> float:
        """The plot's lower edge."""
        return self.top + self.plot_h

    def x_scale(self, low: float, high: float) -> Scale:
        return Scale(low, high, self.left, self.left + self.plot_w)

    def y_scale(self, low: float, high: float) -> Scale:
        return Scale(low, high, self.base, self.top)


def frame_for(
    width: int,
    height: int,
    y_labels: Sequence[str],
    *,
    title: str = "",
    legend: Sequence[svg.LegendEntry] = (),
    caption: bool = False,
) -> tuple[Frame, int]:
    """A frame whose left margin fits the longest y label, whose head fits the title and the
    legend (on a second line when they do not fit side by side) and whose foot fits a
    caption; and the legend's line (1 or 2)."""
    left = max(MIN_LEFT, 6 * max((len(s) for s in y_labels), default=0) + 10)
    bottom = BOTTOM + (CAPTION if caption else 0)
    row = svg.legend_row(title, legend, left, width - RIGHT) if legend else 1
    top = TITLE_TOP + (row - 1) * svg.ROW_HEIGHT if title or legend else TOP
    return Frame(width, height, left, top, bottom), row


def plot_area(frame: Frame) -> str:
    return svg.rect(
        frame.left, frame.top, frame.plot_w, frame.plot_h, svg.PLOT_FILL, stroke=svg.PLOT_EDGE
    )


def y_grid(frame: Frame, y: Scale, ticks: Sequence[float], labels: Sequence[str]) -> list[str]:
    """A grid line and its label at each tick."""
    right = frame.left + frame.plot_w
    parts = []
    for tick, label in zip(ticks, labels, strict=True):
        at = y(tick)
        parts.append(svg.line(frame.left, at, right, at, svg.GRID))
        parts.append(svg.text(frame.left - 4, at + 4, label, anchor="end"))
    return parts


def x_labels(frame: Frame, x: Scale, fmt: Callable[[float], str]) -> list[str]:
    """The x axis labelled at its start, middle and end, just below the plot."""
    at = frame.base + CAPTION
    middle = frame.left + frame.plot_w / 2
    return [
        svg.text(frame.left, at, fmt(x.low)),
        svg.text(middle, at, fmt((x.low + x.high) / 2), anchor="middle"),
        svg.text(frame.left + frame.plot_w, at, fmt(x.high), anchor="end"),
    ]
