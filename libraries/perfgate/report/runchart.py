"""Charts over a run's timeline, for every protocol: rows placed on a time axis from 0 to
the run's end, the warm-up shaded.

A timeline row covers `width_s` seconds from `t` (1 s, or 10 or 60 s before the
last hour of a long run); it is plotted at its middle, the last one cut at the
run's end. A field a row does not have (None) is a gap in the line. A rate is
not plotted for a last row shorter than half the one before it: a tenth of a
second's requests, divided by its width, reads as a spike that never happened.

    axis = RunAxis.middle(result.timeline, end_s=60.0, warmup_s=5.0)
    axis.chart([axis.line("p95", rows, "p95", BLUE)], title="Latency", y_format=format_ms)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from perfgate.report.linechart import Marker, Point2, Series, line_chart
from perfgate.report.svg import BLUE, GREEN, PURPLE, RED

SMALL_HEIGHT = 150
# A last row shorter than this share of the row before it is partial: no rate from it.
PARTIAL = 0.5


# Lines further apart than this factor go on a log scale.
LOG_SPREAD = 8.0


def spread(series: Sequence[Series]) -> float:
    """How many times the highest value is above the lowest typical one (the smallest of
    the lines' medians), 1 when there is nothing to compare."""
    medians = []
    top = 0.0
    for s in series:
        values = sorted(y for _, y in s.points if math.isfinite(y) and y > 0)
        if values:
            medians.append(values[len(values) // 2])
            top = max(top, values[-1])
    return top / min(medians) if medians else 1.0


class Row(Protocol):
    @property
    def t(self) -> float: ...

    @property
    def width_s(self) -> float: ...


def partial_last(rows: Sequence[Row], end_s: float) -> bool:
    """Whether the last row covers less than half the width of the one before it."""
    if len(rows) < 2:
        return False
    last, before = rows[-1], rows[-2]
    covered = min(last.t + last.width_s, end_s) - last.t
    return covered < PARTIAL * before.width_s


def midpoints(rows: Sequence[Row], end_s: float) -> list[float]:
    """The middle of each row (of its width; the first may be short, the run may end early)."""
    out = []
    for i, row in enumerate(rows):
        nxt = rows[i + 1].t if i + 1 < len(rows) else max(min(row.t + row.width_s, end_s), row.t)
        out.append((row.t + nxt) / 2)
    return out


def stop_marker(at_s: float) -> Marker:
    """The red "stopped" line of a run cut short, on every protocol's charts."""
    return Marker(at_s, "stopped", RED)


@dataclass(frozen=True)
class RunAxis:
    """Where a run's rows go on the x axis, how long the run is and its warm-up."""

    xs: Sequence[float]
    end_s: float
    warmup_s: float
    partial: bool = False  # the last row is too short to give a rate (`partial_last`)
    stopped_at: float | None = None  # a run cut short: marked on every chart of the axis

    @classmethod
    def middle(
        cls, rows: Sequence[Row], end_s: float, warmup_s: float, stopped_at: float | None = None
    ) -> RunAxis:
        """Rows at their middle: a figure over the row's width."""
        return cls(midpoints(rows, end_s), end_s, warmup_s, partial_last(rows, end_s), stopped_at)

    @classmethod
    def row_end(
        cls, rows: Sequence[Row], end_s: float, warmup_s: float, stopped_at: float | None = None
    ) -> RunAxis:
        """Rows at their end: a count taken at the end of the row. The last row ends at the
        run's end (cut there); a run cut short, whose last row is where it stopped, draws
        no line on beyond it."""
        cut = len(rows) - 1 if stopped_at is None else -1  # the row drawn at `end_s`
        xs = [end_s if i == cut else r.t + r.width_s for i, r in enumerate(rows)]
        return cls(xs, end_s, warmup_s, partial_last(rows, end_s), stopped_at)

    def points(self, values: Sequence[float | None]) -> list[Point2]:
        return [
            (x, math.nan if v is None else float(v)) for x, v in zip(self.xs, values, strict=True)
        ]

    def line(
        self, label: str, rows: Sequence[Any], field: str, colour: str, *, dashed: bool = False
    ) -> Series:
        """The series of one row field."""
        return Series(label, self.points([getattr(r, field) for r in rows]), colour, dashed)

    def rate(
        self, label: str, rows: Sequence[Any], field: str, colour: str, *, dashed: bool = False
    ) -> Series:
        """The series of a per-second rate: a partial last row left out."""
        values = [getattr(r, field) for r in rows]
        if self.partial and values:
            values[-1] = None
        return Series(label, self.points(values), colour, dashed)

    def percentiles(self, rows: Sequence[Any]) -> list[Series]:
        """The p50, p95 and p99 lines of latency rows, in the colours every latency chart uses."""
        return [
            self.line("p50", rows, "p50", GREEN),
            self.line("p95", rows, "p95", BLUE),
            self.line("p99", rows, "p99", PURPLE),
        ]

    def chart(self, series: Sequence[Series], **options: Any) -> str:
        """A line chart over the whole run with the warm-up shaded (options: `LineChart`'s)."""
        shade = (0.0, self.warmup_s) if self.warmup_s > 0 else None
        if self.stopped_at is not None:
            options["markers"] = [stop_marker(self.stopped_at), *options.get("markers", ())]
        return line_chart(series, shade=shade, x_range=(0.0, self.end_s), **options)

    def latency_chart(self, series: Sequence[Series], **options: Any) -> str:
        """A latency chart on a log scale when its lines lie far apart (p99 at 500 ms, p50 at
        2 ms), so p50 and p95 do not lie flat on zero; a linear one otherwise."""
        return self.chart(series, y_log=spread(series) > LOG_SPREAD, **options)
