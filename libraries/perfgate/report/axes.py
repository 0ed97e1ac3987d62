"""Scales, ticks and axis labels: how values become pixels and short text.

A chart's plot area is a `Frame`; a `Scale` maps a value range onto one of its
edges (the y scale runs upwards, so its pixel range is reversed), linearly or on
a log scale. The y axis gets round 1-2-5 ticks (`nice_ticks`, `log_ticks`) with
grid lines, whole numbers only for counts; a time axis gets a tick every few
round steps (`time_ticks`: 5 s, 30 s, 2 min...). Numbers read as everywhere else
in PerfGate (`perfgate.measure.units.format_number`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from perfgate.measure.units import format_number
from perfgate.report import svg

__all__ = ["format_number"]  # axis text is the one number format, re-exported for charts

RIGHT, TOP, TITLE_TOP, BOTTOM, CAPTION = 12, 12, 24, 22, 14
MIN_LEFT = 62
# Head room (share of the span) above the data, so a line at the top stays visible.
HEAD_ROOM = 0.06


def format_seconds(value: float) -> str:
    """Axis text for a time in seconds: ``0 s``, ``45 s``, ``2 min``, ``1 h 5 min``."""
    if not math.isfinite(value):
        return "n/a"
    if abs(value) < 10:
        return f"{format_number(value)} s"
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
        return f"{format_number(value / 1000)} s"
    return f"{format_number(value)} ms"


def nice_ticks(low: float, high: float, count: int = 4, *, whole: bool = False) -> list[float]:
    """About `count` round values (1, 2 or 5 times a power of ten) spanning low..high;
    with `whole` (counts) no step below 1, so no tick says half an event."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low] if math.isfinite(low) else []
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    # The 1-2-5 step nearest `raw` (on a log scale): 3 to 7 ticks, none at 2.5.
    step = min((m * power for m in (1, 2, 5, 10)), key=lambda m: abs(math.log(m / raw)))
    if whole:
        step = max(step, 1.0)
    return _steps(low, high, step)


def _steps(low: float, high: float, step: float) -> list[float]:
    """Every multiple of `step` from low to high."""
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


def log_ticks(low: float, high: float) -> list[float]:
    """1, 2 and 5 times each power of ten inside low..high (just the powers of ten when
    the range spans more than two decades, so labels do not crowd)."""
    if not (0 < low < high and math.isfinite(high)):
        return []
    factors = (1.0,) if math.log10(high / low) > 2 else (1.0, 2.0, 5.0)
    ticks = []
    for power in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for factor in factors:
            value = round(factor * 10.0**power, 12)
            if low <= value <= high:
                ticks.append(value)
    return ticks


# Round steps for a time axis, in seconds: a tick every few of them.
_TIME_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600)


def time_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """About `count` ticks at round times (every 5 s, 30 s, 2 min...) from low to high."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low] if math.isfinite(low) else []
    raw = (high - low) / max(count, 1)
    if raw < 1:
        return nice_ticks(low, high, count)
    step = next((s for s in _TIME_STEPS if s >= raw), _TIME_STEPS[-1])
    return _steps(low, high, float(step))


def value_range(
    values: Sequence[float],
    *,
    floor: float | None = 0.0,
    pad: float = HEAD_ROOM,
    valid: tuple[float, float] = (-math.inf, math.inf),
) -> tuple[float, float]:
    """The y range for finite `values`: down to `floor` when given (else padded below too),
    padded above; a flat series gets a band around it; never outside the metric's `valid`
    range (no negative error rate, no success above 100 %)."""
    low, high = min(values), max(values)
    if floor is not None:
        low = min(floor, low)
    if high <= low:
        high = low + (abs(low) * 0.1 or 1.0)
    span = high - low
    low, high = (low if floor is not None else low - span * pad), high + span * pad
    low = max(low, valid[0])
    return low, max(min(high, valid[1]), low + span)


@dataclass(frozen=True)
class Scale:
    """Maps `low..high` onto the pixels `start..end` (end < start for an upward axis)."""

    low: float
    high: float
    start: float
    end: float
    log: bool = False  # a log scale (low > 0): every decade the same height

    def __call__(self, value: float) -> float:
        if self.log:
            share = math.log(max(value, self.low) / self.low) / math.log(self.high / self.low)
        else:
            share = (value - self.low) / (self.high - self.low)
        return self.start + share * (self.end - self.start)

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

    def y_scale(self, low: float, high: float, *, log: bool = False) -> Scale:
        return Scale(low, high, self.base, self.top, log)


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


def x_labels(
    frame: Frame, x: Scale, fmt: Callable[[float], str], ticks: Sequence[float] = ()
) -> list[str]:
    """The x axis labelled just below the plot: at each of `ticks` with a short tick mark,
    else at its start, middle and end; the first and last label kept inside the frame."""
    at = frame.base + CAPTION
    if not ticks:
        ticks = [x.low, (x.low + x.high) / 2, x.high]
    parts = []
    right = frame.left + frame.plot_w
    for tick in ticks:
        px = x(tick)
        anchor = "start" if px - frame.left < 12 else "end" if right - px < 12 else "middle"
        parts.append(svg.line(px, frame.base, px, frame.base + 3, svg.PLOT_EDGE))
        parts.append(svg.text(px, at, fmt(tick), anchor="" if anchor == "start" else anchor))
    return parts
