"""The charts of a WebSocket run in log.html: event latency, connected clients,
events and losses, and the gateway's memory. Small inline SVGs from
`perfgate.report.svgchart`; rows (seconds; 10 or 60 s before the last hour of a long
run) are plotted at their middle, the warm-up shaded, latency thresholds drawn
as dashed lines. A run that measured no latency gets a note instead of a
latency chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from perfgate.load.thresholds import Threshold
from perfgate.load.ws.result import NAN, WebSocketResult, WsTimelineRow
from perfgate.measure.timeline import width_note
from perfgate.report.svgchart import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    PURPLE,
    RED,
    Rule,
    Series,
    line_chart,
)

SMALL_HEIGHT = 150
_LATENCY = {"event_latency_p50", "event_latency_p95", "event_latency_p99", "event_latency_max",
            "event_latency_mean"}  # fmt: skip


def _ms(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value / 1000:.3g} s"
    return f"{value:.3g} ms"


def _run_length(result: WebSocketResult) -> float:
    planned = result.duration_s + result.warmup_s
    last = result.timeline[-1].t + result.timeline[-1].width_s if result.timeline else 0.0
    return max(planned if planned > 0 else last, 1e-9)


def _midpoints(rows: Sequence[WsTimelineRow], end_s: float) -> list[float]:
    out = []
    for i, row in enumerate(rows):
        nxt = rows[i + 1].t if i + 1 < len(rows) else max(min(row.t + row.width_s, end_s), row.t)
        out.append((row.t + nxt) / 2)
    return out


def _shade(result: WebSocketResult) -> tuple[float, float] | None:
    return (0.0, result.warmup_s) if result.warmup_s > 0 else None


def _points(xs: Sequence[float], values: Sequence[float | None]) -> list[tuple[float, float]]:
    """A row without latency (None) is a gap in the line."""
    return [(x, NAN if v is None else v) for x, v in zip(xs, values, strict=True)]


def latency_chart(result: WebSocketResult, thresholds: Sequence[Threshold] = ()) -> str:
    """The latency per row; without any latency measured, a note saying why instead."""
    rows = result.timeline
    if result.latency_samples == 0 and all(r.p95 is None for r in rows):
        why = escape(result.latency_note or "no event carried a send time")
        return f"<p><b>No latency chart</b>: event latency was not measured ({why}).</p>"
    end = _run_length(result)
    xs = _midpoints(rows, end)
    series = [
        Series("p50", _points(xs, [r.p50 for r in rows]), GREEN),
        Series("p95", _points(xs, [r.p95 for r in rows]), BLUE),
        Series("p99", _points(xs, [r.p99 for r in rows]), PURPLE),
    ]
    rules = [Rule(t.limit, t.text) for t in thresholds
             if t.metric in _LATENCY and math.isfinite(t.limit)]  # fmt: skip
    what = "Round trip" if result.mode == "echo" else "Event latency"
    return line_chart(
        series,
        title=f"{what} per second{width_note(rows)}",
        rules=rules,
        shade=_shade(result),
        x_range=(0.0, end),
        y_format=_ms,
    )


def connections_chart(result: WebSocketResult) -> str:
    rows = result.timeline
    end = _run_length(result)
    xs = [r.t + r.width_s if i + 1 < len(rows) else end for i, r in enumerate(rows)]
    series = [
        Series("connected", [(x, float(r.connected)) for x, r in zip(xs, rows, strict=True)], BLUE),
        Series(
            "ramp target",
            [(x, float(r.target)) for x, r in zip(xs, rows, strict=True)],
            GREY,
            dashed=True,
        ),
    ]
    drops = [(x, float(r.disconnections)) for x, r in zip(xs, rows, strict=True)]
    if any(d for _, d in drops):
        series.append(Series("disconnections", drops, RED))
    return line_chart(
        series,
        title=f"Connected clients (end of each second){width_note(rows)}",
        shade=_shade(result),
        x_range=(0.0, end),
        height=SMALL_HEIGHT,
    )


def events_chart(result: WebSocketResult) -> str:
    rows = result.timeline
    end = _run_length(result)
    xs = _midpoints(rows, end)
    what = "Echo replies" if result.mode == "echo" else "Events"
    return line_chart(
        [Series("received/s", [(x, r.events_per_s) for x, r in zip(xs, rows, strict=True)], BLUE)],
        title=f"{what} received per second (all clients)",
        shade=_shade(result),
        x_range=(0.0, end),
        height=SMALL_HEIGHT,
    )


def losses_chart(result: WebSocketResult) -> str:
    """Losses as they were found: gaps in the sequence numbers, missing tails at the end."""
    rows = result.timeline
    end = _run_length(result)
    xs = _midpoints(rows, end)
    return line_chart(
        [Series("lost", [(x, float(max(r.lost, 0))) for x, r in zip(xs, rows, strict=True)], RED)],
        title=f"Events lost, by the second they were found{width_note(rows)}",
        shade=_shade(result),
        x_range=(0.0, end),
        height=SMALL_HEIGHT,
    )


def memory_chart(result: WebSocketResult) -> str:
    memory = result.gateway_memory
    if memory is None or len(memory.t) < 2:
        return ""
    return line_chart(
        [Series("RSS", list(zip(memory.t, memory.rss_mb, strict=True)), ORANGE)],
        title="Gateway memory (MB)",
        y_min=None,
        x_range=(0.0, max(memory.t[-1], 1e-9)),
        height=SMALL_HEIGHT,
    )


def all_charts(result: WebSocketResult, thresholds: Sequence[Threshold] = ()) -> list[str]:
    if not result.timeline:
        return []
    charts = [
        latency_chart(result, thresholds),
        connections_chart(result),
        events_chart(result),
        losses_chart(result),
        memory_chart(result),
    ]
    return [c for c in charts if c]
