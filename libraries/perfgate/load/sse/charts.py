"""The charts of an SSE run in log.html: event latency, open streams (with
disconnections), events received and lost per second, and the gateway's
memory (with `gateway=`). Small
inline SVGs from `perfgate.report`, over the run's time axis
(`perfgate.report.runchart`), the warm-up shaded, latency thresholds dashed."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from perfgate.load.gatewaymemory import memory_chart
from perfgate.load.sse.result import SseResult
from perfgate.load.thresholds import Threshold
from perfgate.measure.timeline import width_note
from perfgate.report.axes import format_ms
from perfgate.report.linechart import Rule, Series
from perfgate.report.runchart import SMALL_HEIGHT, RunAxis
from perfgate.report.svg import BLUE, GREY, RED


def _end(result: SseResult) -> float:
    rows = result.timeline
    last = rows[-1].t + rows[-1].width_s if rows else 0.0
    return max(result.duration_s + result.warmup_s, last, 1e-9)


def latency_chart(
    result: SseResult, thresholds: Sequence[Threshold] = (), stopped_at: float | None = None
) -> str:
    """Publish-to-receipt latency per row, or a note saying why there is none."""
    rows = result.timeline
    if not result.latency_samples and all(r.p95 is None for r in rows):
        why = escape(result.latency_note or "no event carried a send time")
        return f"<p><b>No latency chart</b>: event latency was not measured ({why}).</p>"
    axis = RunAxis.middle(rows, _end(result), result.warmup_s, stopped_at)
    rules = [Rule(t.limit, t.text) for t in thresholds
             if t.metric.startswith("event_latency_") and math.isfinite(t.limit)]  # fmt: skip
    return axis.latency_chart(
        axis.percentiles(rows),
        title=f"Event latency per second{width_note(rows)}",
        rules=rules,
        y_format=format_ms,
    )


def streams_chart(result: SseResult, stopped_at: float | None = None) -> str:
    rows = result.timeline
    axis = RunAxis.row_end(rows, _end(result), result.warmup_s, stopped_at)
    # Disconnections drawn only when there were any: a flat zero line says nothing.
    drawn = [("open streams", "connected", BLUE), ("disconnections", "disconnections", RED)]
    series = [axis.line(label, rows, key, colour) for label, key, colour in drawn
              if key == "connected" or any(r.disconnections for r in rows)]  # fmt: skip
    series.append(axis.line("ramp target", rows, "target", GREY, dashed=True))
    return axis.chart(
        series, title=f"Open streams{width_note(rows)}", height=SMALL_HEIGHT, y_whole=True
    )


def events_chart(result: SseResult, stopped_at: float | None = None) -> str:
    rows = result.timeline
    axis = RunAxis.middle(rows, _end(result), result.warmup_s, stopped_at)
    return axis.chart(
        [
            axis.rate("received/s", rows, "events_per_s", BLUE),
            Series("lost (found)", axis.points([max(r.lost, 0) for r in rows]), RED),
        ],
        title=f"Events received per second and losses found (all streams){width_note(rows)}",
        height=SMALL_HEIGHT,
    )


def all_charts(
    result: SseResult, thresholds: Sequence[Threshold] = (), stopped_at: float | None = None
) -> list[str]:
    """Every chart that has something to show; where a run cut short stopped
    (`Verdict.stopped_at`) marked on each chart over the run's time axis."""
    if not result.timeline:
        return []
    charts = [
        latency_chart(result, thresholds, stopped_at),
        streams_chart(result, stopped_at),
        events_chart(result, stopped_at),
    ]
    memory = memory_chart(result.gateway_memory, _end(result), result.warmup_s)
    return [c for c in [*charts, memory] if c]
