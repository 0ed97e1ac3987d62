"""Bar charts, such as a latency histogram: bars in order, limits marked.

    svg = bar_chart([Bar("1 ms", 120), Bar("2 ms", 30)], title="Latency histogram")

Drawn on the same frame, grid and legend as the line charts (`linechart`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from perfgate.report import svg
from perfgate.report.axes import format_number, frame_for, nice_ticks, plot_area, y_grid
from perfgate.report.linechart import HEIGHT, WIDTH, Marker, Rule
from perfgate.report.svg import LegendEntry


@dataclass(frozen=True)
class Bar:
    """One bar; `label` is its tick text (shown for a few bars), `tooltip` its hover text."""

    label: str
    value: float
    colour: str = svg.BLUE
    tooltip: str = ""


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
    values = [b.value for b in bars if math.isfinite(b.value)]
    if not values:
        return ""
    rules = [r for r in rules if math.isfinite(r.value)]
    y_high = (max([*values, *(r.value for r in rules)]) or 1.0) * 1.06
    ticks = nice_ticks(0.0, y_high, whole=True)  # bars count things
    tick_labels = [y_format(t) for t in ticks]
    shown = [m for m in markers if 0 <= m.x <= len(bars)]
    entries = [LegendEntry(r.colour, r.label, "dash" if r.dashed else "line") for r in rules]
    entries += [LegendEntry(m.colour, m.label, "dash") for m in shown]
    entries = [e for e in entries if e.label]
    frame, row = frame_for(width, height, tick_labels, title=title, legend=entries)
    y = frame.y_scale(0.0, y_high)
    slot = frame.plot_w / len(bars)
    gap = min(2.0, slot * 0.15)
    parts = [plot_area(frame), *y_grid(frame, y, ticks, tick_labels)]
    every = max(1, math.ceil(len(bars) / max(labels, 1)))
    for i, bar in enumerate(bars):
        left = frame.left + i * slot
        if math.isfinite(bar.value) and bar.value > 0:
            top = y(bar.value)
            parts.append(
                svg.rect(
                    left + gap / 2,
                    top,
                    max(slot - gap, 0.5),
                    frame.base - top,
                    bar.colour,
                    tooltip=bar.tooltip,
                )
            )
        if i % every == 0 and bar.label:
            parts.append(svg.text(left + slot / 2, height - 7, bar.label, anchor="middle"))
    right = frame.left + frame.plot_w
    for rule in rules:
        parts.append(
            svg.line(frame.left, y(rule.value), right, y(rule.value), rule.colour, dash="6 3")
        )
    for marker in shown:
        at = frame.left + marker.x * slot
        parts.append(svg.line(at, frame.top, at, frame.base, marker.colour, width=1.2, dash="6 3"))
    parts += [svg.text(frame.left, svg.TITLE_Y, title, bold=True)] if title else []
    parts += svg.legend(entries, width - frame.right, row)
    return svg.document(width, height, title, parts)
