"""The chart of a memory run (on the shared renderer, `perfgate.report`), and a text sparkline.

The chart shows RSS (each sample's lowest and highest reading) and USS over
time, the warm-up shaded, every other analysis window shaded, the collections
as ticks along the top, the floors as dots, each window's floor as a ring and
the fitted trend from the first floor to the last: every figure the verdict's
reason names; and, with ``heap_snapshots=True``, each heap snapshot (or memray
attach) shaded where it held the gateway.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from perfgate.memory.result import MemoryResult
from perfgate.report.axes import format_number
from perfgate.report.linechart import Band, Dots, LineChart, Point, Series, Ticks
from perfgate.report.svg import BLUE, DARK_RED, GREEN, ORANGE, PURPLE, RED, LegendEntry

BLOCKS = "▁▂▃▄▅▆▇█"
HEIGHT = 220
WINDOW_SHADE = "#e8eef6"
PAUSE_SHADE = "#f5c99c"
VERDICT_COLOURS = {"LEAK": RED, "NO LEAK": GREEN}
UNDECIDED = "#b8860b"
# Enough columns to show a sawtooth; each column draws its lowest and highest
# reading, so no peak or floor is lost to the reduction.
MAX_COLUMNS = 300


def sparkline(values: np.ndarray | list[float], width: int = 32) -> str:
    """`▁▂▄▇`-style line of `values` (NaN ignored), `width` characters at most."""
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    if data.size == 0:
        return ""
    buckets = np.array_split(data, min(width, data.size))
    means = np.array([b.mean() for b in buckets])
    lo, hi = means.min(), means.max()
    if hi - lo <= 1e-9 * max(1.0, abs(hi)):
        return BLOCKS[0] * len(means)
    index = np.round((means - lo) / (hi - lo) * (len(BLOCKS) - 1)).astype(int)
    return "".join(BLOCKS[i] for i in index)


def _rss_points(t: np.ndarray, low: np.ndarray, high: np.ndarray) -> list[tuple[float, float]]:
    """Each sample's lowest and highest reading, so the reduction keeps both."""
    points: list[tuple[float, float]] = []
    for at, lo, hi in zip(t.tolist(), low.tolist(), high.tolist(), strict=True):
        points.append((at, lo))
        if hi != lo:
            points.append((at, hi))
    return points


def _trend(result: MemoryResult) -> list[Series]:
    """The fitted trend from the first floor to the last: the rise the reason reports."""
    leak = result.leak
    if not (math.isfinite(leak.rate_mb_per_hour) and leak.floors):
        return []
    ends = (leak.floors[0].at_s, leak.floors[-1].at_s)
    return [Series("trend", [(at, leak.trend_at(at)) for at in ends], ORANGE, dashed=True)]


def _verdict_marks(result: MemoryResult) -> dict[str, Any]:
    """Collections, floors, windows and window floors: `LineChart` options."""
    leak = result.leak
    rings = [Point(w.at_s, w.floor_mb, DARK_RED, radius=5, ring=True) for w in leak.window_floors]
    return {
        # Every other window shaded, so the windows the verdict compares are visible.
        "bands": [Band(w.start_s, w.end_s, colour=WINDOW_SHADE) for w in leak.window_floors[1::2]],
        "ticks": [Ticks("collection", leak.collections_s, PURPLE)],
        "dots": [Dots("floor", [(f.at_s, f.floor_mb) for f in leak.floors], RED)],
        "points": rings,
        "legend_extra": [LegendEntry(DARK_RED, "window floor", "ring")] if rings else [],
    }


def _pause_bands(result: MemoryResult) -> list[Band]:
    """Each heap snapshot (or memray attach) from its request to its end: the gateway paused
    somewhere in it (the notes say how long), so a load measured there is not to be trusted."""
    return [Band(start, end, colour=PAUSE_SHADE) for start, end in result.heap_pauses]


def _pause_legend(result: MemoryResult) -> list[LegendEntry]:
    """Named in the legend, not on the band: a band at the right edge has no room for a label."""
    if not result.heap_pauses:
        return []
    label = "memray attach" if result.heap_allocations else "heap snapshot"
    return [LegendEntry(PAUSE_SHADE, label, "dot")]


def render_chart(result: MemoryResult) -> str:
    """RSS and USS over time with the warm-up cut, collections, windows, floors and trend,
    and the heap snapshots' pauses."""
    t, low, high, uss = result.series()
    if t.size < 2 or t[-1] <= 0:
        return ""
    # The trend first, so the RSS line is drawn over it, not hidden under it.
    series = [
        *_trend(result),
        Series("RSS", _rss_points(t, low, high), BLUE, width=1.2),
        Series("USS", list(zip(t.tolist(), uss.tolist(), strict=True)), GREEN, width=1.0),
    ]
    warmup = result.leak.warmup_s
    marks = _verdict_marks(result)
    marks["bands"] += _pause_bands(result)
    marks["legend_extra"] += _pause_legend(result)
    # The last snapshot comes after the last reading: the axis goes on to its end.
    end = max([float(t[-1]), *(stop for _, stop in result.heap_pauses)])
    return LineChart(
        series,
        title=result.verdict,
        title_colour=VERDICT_COLOURS.get(result.verdict, UNDECIDED),
        label=f"Memory of {result.alias}: {result.verdict}",
        shade=(0.0, warmup) if warmup > 0 else None,
        x_range=(0.0, end),
        y_min=0.0,  # a size: from zero, so a few MB do not look like a cliff
        y_pad=0.08,
        y_format=lambda mb: f"{format_number(mb, 4)} MB",  # as the reason gives floors
        height=HEIGHT,
        max_columns=MAX_COLUMNS,
        **marks,
    ).render()
