"""What a reader gets by pointing at a chart: every labelled line's value at that x.

An invisible column per x (or per pixel column of a long series) holds an SVG
``<title>``, which every browser shows on hover with no script: ``12 s: p50
3.2 ms · p95 8.1 ms``. One element per column rather than per segment keeps an
hour-long chart a few kilobytes, and a column is easier to hit than a line.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from html import escape
from itertools import pairwise
from typing import Protocol

from perfgate.report import svg
from perfgate.report.axes import Frame, Scale

# At most this many hover columns (about 9 pixels each): enough to point at, and an hour
# of seconds stays a few kilobytes.
MAX_HOVER = 60

Point2 = tuple[float, float]
Format = Callable[[float], str]


class Labelled(Protocol):
    @property
    def label(self) -> str: ...

    @property
    def points(self) -> Sequence[Point2]: ...


def _edges(xs: Sequence[float], x: Scale, columns: int) -> list[tuple[float, float]]:
    """Each column's x span: one per x (split half-way to its neighbours) when there are at
    most `columns`, else `columns` equal spans."""
    if len(xs) > columns:
        step = (x.high - x.low) / columns
        return [(x.low + i * step, x.low + (i + 1) * step) for i in range(columns)]
    cuts = [x.low, *((a + b) / 2 for a, b in pairwise(xs)), x.high]
    return list(pairwise(cuts))


def _reading(values: Sequence[float], y_format: Format) -> str:
    low, high = min(values), max(values)
    return y_format(low) if low == high else f"{y_format(low)}–{y_format(high)}"


def _title(
    span: tuple[float, float], single: float | None, found: list[str], x_format: Format
) -> str:
    where = x_format(single) if single is not None else f"{x_format(span[0])}–{x_format(span[1])}"
    return f"{where}: {' · '.join(found)}"


def _readings(
    shown: Sequence[Labelled], spans: Sequence[tuple[float, float]], x: Scale
) -> list[dict[str, list[float]]]:
    """Each column's finite values, per series label."""
    starts = [a for a, _ in spans]
    out: list[dict[str, list[float]]] = [{} for _ in spans]
    for s in shown:
        for px, py in s.points:
            if math.isfinite(px + py) and x.contains(px):
                column = max(bisect_right(starts, px) - 1, 0)
                out[column].setdefault(s.label, []).append(py)
    return out


def hover_columns(
    series: Sequence[Labelled],
    frame: Frame,
    x: Scale,
    formats: tuple[Format, Format],
    columns: int,
) -> str:
    """The invisible hover columns of the labelled `series` ("" when none has a label);
    `formats` are the x and y formats."""
    shown = [s for s in series if s.label]
    xs = sorted({px for s in shown for px, py in s.points if math.isfinite(px + py)})
    xs = [v for v in xs if x.contains(v)]
    if not xs:
        return ""
    x_format, y_format = formats
    columns = min(columns, MAX_HOVER)
    spans = _edges(xs, x, columns)
    single = len(xs) <= columns
    widths = [svg.num(x(b) - x(a)) for a, b in spans]
    usual = max(set(widths), key=widths.count)
    marks = []
    for index, (span, values) in enumerate(zip(spans, _readings(shown, spans, x), strict=True)):
        found = [f"{label} {_reading(v, y_format)}" for label, v in values.items()]
        if not found:
            continue
        # A vertical stroke as wide as the column: shorter markup than a rectangle.
        wide = f' stroke-width="{widths[index]}"' if widths[index] != usual else ""
        text = _title(span, xs[index] if single else None, found, x_format)
        middle = (x(span[0]) + x(span[1])) / 2
        marks.append(
            f'<path d="M{svg.num(middle)} {svg.num(frame.top)}v{svg.num(frame.plot_h)}"{wide}>'
            f"<title>{escape(text)}</title></path>"
        )
    if not marks:
        return ""
    # Painted (the stroke is not "none") so the pointer finds it, yet fully transparent.
    return f'<g stroke="#000" stroke-opacity="0" stroke-width="{usual}">' + "".join(marks) + "</g>"
