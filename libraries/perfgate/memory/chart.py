"""A small inline SVG chart of a memory run, and a text sparkline.

Hand-made rather than pygal: a chart here is a few kilobytes with no script
or stylesheet, so a log.html with fifty of them still opens at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape

import numpy as np

from perfgate.memory.display import format_duration
from perfgate.memory.result import MemoryResult

BLOCKS = "▁▂▃▄▅▆▇█"
WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 22, 26
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


def _verdict_marks(
    result: MemoryResult, x: Callable[[float], float], y: Callable[[float], float]
) -> list[str]:
    """Collections, floors, window floors and the trend: every figure the reason names."""
    leak = result.leak
    parts = []
    # One tick per few pixels: an 8-hour soak has hundreds of collections.
    ticks = sorted({round(x(at) / 4) * 4 for at in leak.collections_s})
    if ticks:
        path = "".join(f"M{tx} {TOP}v7" for tx in ticks)
        parts.append(f'<path d="{path}" stroke="#7b3fa0" stroke-width="1.5"/>')
    if leak.floors:
        dots = "".join(f"M{x(f.at_s):.0f} {y(f.floor_mb):.0f}h0" for f in leak.floors)
        parts.append(f'<path d="{dots}" stroke="#c0392b" stroke-width="5" stroke-linecap="round"/>')
    for floor in leak.window_floors:
        parts.append(
            f'<circle cx="{x(floor.at_s):.1f}" cy="{y(floor.floor_mb):.1f}" r="5" fill="none" '
            'stroke="#7a1f14" stroke-width="1.5"/>'
        )
    if math.isfinite(leak.rate_mb_per_hour) and leak.floors:
        # From the first floor to the last: the rise the reason reports.
        x0, x1 = leak.floors[0].at_s, leak.floors[-1].at_s
        parts.append(
            f'<line x1="{x(x0):.1f}" y1="{y(leak.trend_at(x0)):.1f}" x2="{x(x1):.1f}" '
            f'y2="{y(leak.trend_at(x1)):.1f}" stroke="#e07b00" stroke-width="1.5" '
            'stroke-dasharray="6 3"/>'
        )
    return parts


def render_chart(result: MemoryResult) -> str:
    """RSS and USS over time with the warm-up cut, collections, windows, floors and trend."""
    t, low, high, uss = result.series()
    if t.size < 2 or t[-1] <= 0:
        return ""
    duration = float(t[-1])
    leak = result.leak
    finite_uss = uss[~np.isnan(uss)]
    y_lo = float(min(low.min(), finite_uss.min() if finite_uss.size else low.min()))
    y_hi = float(high.max())
    pad = max((y_hi - y_lo) * 0.08, 0.5)
    y_lo, y_hi = y_lo - pad, y_hi + pad
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(sec: float) -> float:
        return LEFT + sec / duration * plot_w

    def y(mb: float) -> float:
        return TOP + (y_hi - mb) / (y_hi - y_lo) * plot_h

    columns = np.minimum((t / duration * MAX_COLUMNS).astype(int), MAX_COLUMNS - 1)
    rss_path: list[str] = []
    uss_path: list[str] = []
    for col in np.unique(columns):
        members = np.flatnonzero(columns == col)
        at = float(t[members].mean())
        lo_i, hi_i = members[np.argmin(low[members])], members[np.argmax(high[members])]
        # Draw the column's low and high in the order they happened.
        ends = [(int(lo_i), low[lo_i]), (int(hi_i), high[hi_i])]
        for i, value in sorted(ends, key=lambda end: end[0]):
            rss_path.append(f"{x(float(t[i])):.1f},{y(float(value)):.1f}")
        col_uss = uss[members]
        col_uss = col_uss[~np.isnan(col_uss)]
        if col_uss.size:
            uss_path.append(f"{x(at):.1f},{y(float(col_uss.mean())):.1f}")

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" '
        'stroke="#ccc"/>',
    ]
    # Every other window shaded, so the windows the verdict compares are visible.
    for window in leak.window_floors[1::2]:
        parts.append(
            f'<rect x="{x(window.start_s):.1f}" y="{TOP}" '
            f'width="{x(window.end_s) - x(window.start_s):.1f}" height="{plot_h}" '
            'fill="#e8eef6"/>'
        )
    for frac in (0.0, 0.5, 1.0):
        mb = y_lo + frac * (y_hi - y_lo)
        parts.append(
            f'<text x="{LEFT - 4}" y="{y(mb) + 4:.1f}" text-anchor="end">{mb:.0f} MB</text>'
        )
    parts.append(f'<text x="{LEFT}" y="{HEIGHT - 8}">0</text>')
    parts.append(
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end">'
        f"{escape(format_duration(duration))}</text>"
    )
    if leak.warmup_s > 0:
        wx = x(leak.warmup_s)
        parts.append(
            f'<line x1="{wx:.1f}" y1="{TOP}" x2="{wx:.1f}" y2="{TOP + plot_h}" stroke="#888" '
            'stroke-dasharray="4 3"/>'
            f'<text x="{wx + 3:.1f}" y="{TOP + 12}" fill="#666">warm-up</text>'
        )
    parts.append(
        f'<polyline fill="none" stroke="#1f6fb4" stroke-width="1.2" points="{" ".join(rss_path)}"/>'
    )
    if uss_path:
        parts.append(
            f'<polyline fill="none" stroke="#2a9d3c" stroke-width="1" '
            f'points="{" ".join(uss_path)}"/>'
        )
    parts.extend(_verdict_marks(result, x, y))
    legend = [("#1f6fb4", "RSS"), ("#2a9d3c", "USS"), ("#c0392b", "floor")]
    legend += [("#7a1f14", "window floor"), ("#7b3fa0", "collection"), ("#e07b00", "trend")]
    lx = LEFT
    for colour, label in legend:
        parts.append(
            f'<rect x="{lx}" y="6" width="10" height="10" fill="{colour}"/>'
            f'<text x="{lx + 14}" y="15">{label}</text>'
        )
        lx += 24 + 7 * len(label)
    verdict_colour = {"LEAK": "#c0392b", "NO LEAK": "#2a9d3c"}.get(result.verdict, "#b8860b")
    parts.append(
        f'<text x="{WIDTH - RIGHT}" y="15" text-anchor="end" font-weight="bold" '
        f'fill="{verdict_colour}">{escape(result.verdict)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
