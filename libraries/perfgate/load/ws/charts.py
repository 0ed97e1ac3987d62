"""The charts of a WebSocket run in log.html: event latency, connected clients,
events and losses, and the gateway's memory. Small inline SVGs from
`perfgate.report`, drawn over the run's time axis by `perfgate.report.runchart`:
rows (seconds; 10 or 60 s before the last hour of a long run) at their middle
(counts taken at the end of a row at its end), the warm-up shaded, latency
thresholds drawn as dashed lines. A run that measured no latency gets a note
instead of a latency chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from perfgate.load.gatewaymemory import memory_chart as gateway_memory_chart
from perfgate.load.thresholds import Threshold
from perfgate.load.ws.result import WebSocketResult
from perfgate.measure.timeline import width_note
from perfgate.report.axes import format_ms
from perfgate.report.linechart import Rule, Series
from perfgate.report.runchart import SMALL_HEIGHT, RunAxis
from perfgate.report.svg import BLUE, GREY, RED

_LATENCY = {"event_latency_p50", "event_latency_p95", "event_latency_p99", "event_latency_max",
            "event_latency_mean"}  # fmt: skip


def _run_length(result: WebSocketResult) -> float:
    planned = result.duration_s + result.warmup_s
    last = result.timeline[-1].t + result.timeline[-1].width_s if result.timeline else 0.0
    return max(planned if planned > 0 else last, 1e-9)


def _axis(result: WebSocketResult, stopped_at: float | None) -> RunAxis:
    return RunAxis.middle(result.timeline, _run_length(result), result.warmup_s, stopped_at)


def latency_chart(
    result: WebSocketResult, thresholds: Sequence[Threshold] = (), stopped_at: float | None = None
) -> str:
    """The latency per row; without any latency measured, a note saying why instead."""
    rows = result.timeline
    if result.latency_samples == 0 and all(r.p95 is None for r in rows):
        why = escape(result.latency_note or "no event carried a send time")
        return f"<p><b>No latency chart</b>: event latency was not measured ({why}).</p>"
    axis = _axis(result, stopped_at)
    series = axis.percentiles(rows)
    rules = [Rule(t.limit, t.text) for t in thresholds
             if t.metric in _LATENCY and math.isfinite(t.limit)]  # fmt: skip
    what = "Round trip" if result.mode == "echo" else "Event latency"
    return axis.latency_chart(
        series, title=f"{what} per second{width_note(rows)}", rules=rules, y_format=format_ms
    )


def connections_chart(result: WebSocketResult, stopped_at: float | None = None) -> str:
    rows = result.timeline
    axis = RunAxis.row_end(rows, _run_length(result), result.warmup_s, stopped_at)
    series = [
        axis.line("connected", rows, "connected", BLUE),
        axis.line("ramp target", rows, "target", GREY, dashed=True),
    ]
    if any(r.disconnections for r in rows):
        series.append(axis.line("disconnections", rows, "disconnections", RED))
    return axis.chart(
        series,
        title=f"Connected clients (end of each second){width_note(rows)}",
        height=SMALL_HEIGHT,
        y_whole=True,
    )


def events_chart(result: WebSocketResult, stopped_at: float | None = None) -> str:
    rows, axis = result.timeline, _axis(result, stopped_at)
    what = "Echo replies" if result.mode == "echo" else "Events"
    return axis.chart(
        [axis.rate("received/s", rows, "events_per_s", BLUE)],
        title=f"{what} received per second (all clients)",
        height=SMALL_HEIGHT,
    )


def losses_chart(result: WebSocketResult, stopped_at: float | None = None) -> str:
    """Losses as they were found: gaps in the sequence numbers, missing tails at the end."""
    rows, axis = result.timeline, _axis(result, stopped_at)
    return axis.chart(
        [Series("lost", axis.points([max(r.lost, 0) for r in rows]), RED)],
        title=f"Events lost, by the second they were found{width_note(rows)}",
        height=SMALL_HEIGHT,
        y_whole=True,
    )


def memory_chart(result: WebSocketResult) -> str:
    return gateway_memory_chart(result.gateway_memory, _run_length(result), result.warmup_s)


def all_charts(
    result: WebSocketResult, thresholds: Sequence[Threshold] = (), stopped_at: float | None = None
) -> list[str]:
    """Every chart that has something to show; where a run cut short stopped
    (`Verdict.stopped_at`) marked on each chart over the run's time axis."""
    if not result.timeline:
        return []
    charts = [
        latency_chart(result, thresholds, stopped_at),
        connections_chart(result, stopped_at),
        events_chart(result, stopped_at),
        losses_chart(result, stopped_at),
        memory_chart(result),
    ]
    return [c for c in charts if c]
