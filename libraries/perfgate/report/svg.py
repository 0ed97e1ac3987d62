"""SVG primitives for the charts: the document, text, lines, shapes, legends, escaping.

Every chart is built from these strings, so the markup is written once: plain
SVG 1.1 attributes, no script, style sheet or font, text escaped for both
element content and attributes. Shapes take pixel coordinates; polylines are
rounded to whole pixels (the long ones dominate a chart's size), other shapes
keep one decimal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

BLUE, GREEN, ORANGE, RED, PURPLE, GREY = (
    "#1f6fb4",
    "#2a9d3c",
    "#e07b00",
    "#c0392b",
    "#7b3fa0",
    "#888888",
)
DARK_RED = "#7a1f14"
PLOT_FILL, PLOT_EDGE, GRID, MUTED = "#fafafa", "#ccc", "#e4e4e4", "#666"
TITLE_Y = 14
ROW_HEIGHT = 13


def num(value: float) -> str:
    """A coordinate with at most one decimal: ``12``, ``12.5``."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _title(tooltip: str) -> str:
    return f"<title>{escape(tooltip)}</title>" if tooltip else ""


def _element(tag: str, attributes: str, tooltip: str) -> str:
    """A self-closed element, or one holding its hover text."""
    if tooltip:
        return f"<{tag} {attributes}>{_title(tooltip)}</{tag}>"
    return f"<{tag} {attributes}/>"


def _class(css: str) -> str:
    return f'class="{escape(css)}" ' if css else ""


def _dash(dash: str) -> str:
    return f' stroke-dasharray="{dash}"' if dash else ""


def document(width: int, height: int, label: str, body: Iterable[str]) -> str:
    """The whole `<svg>`; `label` is what a screen reader says for it."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" '
        f'font-size="11" role="img" aria-label="{escape(label)}">' + "".join(body) + "</svg>"
    )


def text(
    x: float, y: float, content: str, *, anchor: str = "", colour: str = "", bold: bool = False
) -> str:
    extra = f' text-anchor="{anchor}"' if anchor else ""
    extra += f' fill="{colour}"' if colour else ""
    extra += ' font-weight="bold"' if bold else ""
    return f'<text x="{num(x)}" y="{num(y)}"{extra}>{escape(content)}</text>'


def line(
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    colour: str,
    *,
    width: float = 1.0,
    dash: str = "",
) -> str:
    stroke = f' stroke-width="{width:g}"' if width != 1.0 else ""
    return (
        f'<line x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}" '
        f'stroke="{colour}"{stroke}{_dash(dash)}/>'
    )


def rect(
    x: float, y: float, w: float, h: float, fill: str, *, stroke: str = "", tooltip: str = ""
) -> str:
    edge = f' stroke="{stroke}"' if stroke else ""
    attributes = (
        f'x="{num(x)}" y="{num(y)}" width="{num(max(w, 0.0))}" height="{num(max(h, 0.0))}" '
        f'fill="{fill}"{edge}'
    )
    return _element("rect", attributes, tooltip)


def polyline(
    coords: Sequence[tuple[float, float]],
    colour: str,
    *,
    width: float = 1.5,
    dash: str = "",
    css: str = "",
    tooltip: str = "",
) -> str:
    """A line through pixel points, whole pixels, a point repeating the last one left out."""
    kept: list[str] = []
    for x, y in coords:
        point = f"{x:.0f},{y:.0f}"
        if not kept or kept[-1] != point:
            kept.append(point)
    if len(kept) == 1:
        kept.append(kept[0])  # a flat stretch inside one pixel still shows
    attributes = (
        f'{_class(css)}fill="none" stroke="{colour}" stroke-width="{width:g}"{_dash(dash)} '
        f'points="{" ".join(kept)}"'
    )
    return _element("polyline", attributes, tooltip)


def circle(
    x: float,
    y: float,
    radius: float,
    colour: str,
    *,
    ring: bool = False,
    css: str = "",
    tooltip: str = "",
) -> str:
    paint = f'fill="none" stroke="{colour}" stroke-width="1.5"' if ring else f'fill="{colour}"'
    attributes = f'{_class(css)}cx="{num(x)}" cy="{num(y)}" r="{radius:g}" {paint}'
    return _element("circle", attributes, tooltip)


def path(d: str, colour: str, *, width: float = 1.5, round_caps: bool = False) -> str:
    """Many small marks in one element (a dot is ``M x y h0`` with round caps)."""
    caps = ' stroke-linecap="round"' if round_caps else ""
    return f'<path d="{d}" stroke="{colour}" stroke-width="{width:g}"{caps}/>'


@dataclass(frozen=True)
class LegendEntry:
    """One legend item; `shape` is how its swatch is drawn: line, dash, dot, ring or tick."""

    colour: str
    label: str
    shape: str = "line"


def _swatch(x: float, baseline: float, entry: LegendEntry) -> str:
    y = baseline - 4
    if entry.shape in ("dot", "ring"):
        # Rounded squares, not circles: a chart's circles are its data points.
        size, paint = (6, f'fill="{entry.colour}"') if entry.shape == "dot" else (8, "")
        paint = paint or f'fill="none" stroke="{entry.colour}" stroke-width="1.5"'
        corner = num(x + 6 - size / 2), num(y - size / 2)
        return (
            f'<rect x="{corner[0]}" y="{corner[1]}" width="{size}" height="{size}" '
            f'rx="{size / 2:g}" {paint}/>'
        )
    if entry.shape == "tick":
        return line(x + 6, y - 5, x + 6, y + 3, entry.colour, width=1.5)
    dash = "3 2" if entry.shape == "dash" else ""
    return line(x, y, x + 12, y, entry.colour, width=2, dash=dash)


def _entry_width(entry: LegendEntry) -> int:
    return 6 * len(entry.label) + 28


def legend_row(title: str, entries: Sequence[LegendEntry], left: float, right_edge: float) -> int:
    """1 when the legend fits beside the title, else 2 (it goes on a line of its own)."""
    title_end = left + 6.5 * len(title) + 12  # bold text is a little wider
    return 1 if title_end + sum(_entry_width(e) for e in entries) <= right_edge else 2


def legend(entries: Sequence[LegendEntry], right_edge: float, row: int = 1) -> list[str]:
    """Legend entries right-aligned on the title line (row 1) or the line below it."""
    parts: list[str] = []
    baseline = TITLE_Y + (row - 1) * ROW_HEIGHT
    x = right_edge
    for entry in reversed(entries):
        x -= 6 * len(entry.label) + 4
        parts.append(text(x, baseline, entry.label))
        x -= 16
        parts.append(_swatch(x, baseline, entry))
        x -= 8
    return parts
