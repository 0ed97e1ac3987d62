"""The charts of a load run in log.html: latency, throughput, errors, active clients, histogram.

The throughput chart draws every response per second and, beside it, the
successful ones (goodput): a gateway that answers 404 fast has a high rate and
no goodput.

Each is a small inline SVG from `perfgate.report` (a few KB), drawn over the
run's time axis by `perfgate.report.runchart`: the timeline's rows (seconds; 10
or 60 s before the last hour of a long run) at their middle, the warm-up
shaded; a run stopped early or a breaking point gets a vertical marker;
thresholds on the plotted figures are drawn as dashed red lines. Long series
are reduced to 100 pixel columns by `perfgate.report.linechart`, so the width
of the rows changes the picture only below that.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from perfgate.load.http.result import LoadResult
from perfgate.load.thresholds import Threshold
from perfgate.measure.timeline import width_note
from perfgate.measure.units import format_ms, format_number
from perfgate.report.axes import format_ms as axis_ms
from perfgate.report.barchart import Bar, bar_chart
from perfgate.report.linechart import Marker, Rule, Series
from perfgate.report.runchart import SMALL_HEIGHT, RunAxis
from perfgate.report.svg import BLUE, GREEN, GREY, ORANGE, RED

HISTOGRAM_BARS = 40


def _run_length(result: LoadResult) -> float:
    # The planned length even when stopped early: the empty rest shows how early.
    planned = sum(float(s.get("duration_s", 0.0)) for s in result.stages)
    last = result.timeline[-1].t + result.timeline[-1].width_s if result.timeline else 0.0
    return max(planned, min(last, planned) if planned > 0 else last, 1e-9)


def _rules(thresholds: Sequence[Threshold], metrics: set[str], scale: float = 1.0) -> list[Rule]:
    return [
        Rule(t.limit * scale, t.text)
        for t in thresholds
        if t.scope is None and t.metric in metrics and math.isfinite(t.limit)
    ]


def _axis(result: LoadResult) -> RunAxis:
    return RunAxis.middle(result.timeline, _run_length(result), result.warmup_s)


def latency_chart(
    result: LoadResult, thresholds: Sequence[Threshold] = (), markers: Sequence[Marker] = ()
) -> str:
    rows, axis = result.timeline, _axis(result)
    series = axis.percentiles(rows)
    latency_metrics = {"p50", "p75", "p90", "p95", "p99", "p99.9", "mean", "max", "min"}
    origin = " from intended send time" if result.model == "open" else ""
    return axis.latency_chart(
        series,
        title=f"Latency per second{origin}{width_note(rows)}",
        rules=_rules(thresholds, latency_metrics),
        markers=markers,
        y_format=axis_ms,
    )


def throughput_chart(
    result: LoadResult, thresholds: Sequence[Threshold] = (), markers: Sequence[Marker] = ()
) -> str:
    rows, axis = result.timeline, _axis(result)
    series = [
        axis.rate("achieved", rows, "rps", BLUE),
        axis.rate("successful", rows, "goodput", GREEN),
    ]
    if result.model == "open":
        series.append(axis.line("target", rows, "target", GREY, dashed=True))
    return axis.chart(
        series,
        title="Requests per second: all and successful (goodput)",
        rules=_rules(thresholds, {"rps", "goodput"}),
        markers=markers,
    )


def errors_chart(
    result: LoadResult, thresholds: Sequence[Threshold] = (), markers: Sequence[Marker] = ()
) -> str:
    """Error share per second in %; "" when no second had an error (the table says so)."""
    rows = result.timeline
    if not any(r.errors for r in rows):
        return ""
    axis = _axis(result)
    shares = [100.0 * r.errors / r.requests if r.requests else None for r in rows]
    kinds = ", ".join(f"{k} {n:,}" for k, n in result.errors_by_kind.items())
    return axis.chart(
        [Series("errors", axis.points(shares), RED)],
        title=(f"Errors per second, % of requests ({kinds})" if kinds else "Errors, %")
        + width_note(rows),
        rules=[Rule(r.value, r.label, ORANGE) for r in _rules(thresholds, {"error_rate"}, 100.0)],
        markers=markers,
        y_format=lambda v: f"{format_number(v)}%",
        y_valid=(0.0, 100.0),
        height=SMALL_HEIGHT,
    )


def active_chart(result: LoadResult, markers: Sequence[Marker] = ()) -> str:
    rows, axis = result.timeline, _axis(result)
    closed = result.model == "closed"
    series = [axis.line("clients" if closed else "open connections", rows, "active", BLUE)]
    if closed:
        series.append(axis.line("target", rows, "target", GREY, dashed=True))
    return axis.chart(
        series,
        title="Active clients" if closed else "Open connections",
        markers=markers,
        y_whole=True,
        height=SMALL_HEIGHT,
    )


def histogram_chart(result: LoadResult, thresholds: Sequence[Threshold] = ()) -> str:
    """Responses by latency in log-spaced bins (from `Histogram.buckets`), limits marked."""
    hist = result.latency_histogram()
    if hist is None or hist.count == 0:
        return ""
    buckets = hist.buckets()
    low = max(hist.min / 1e6, 1e-3)
    high = max(hist.max / 1e6, low * 1.0001)
    edges = np.geomspace(low, high, HISTOGRAM_BARS + 1)
    counts = np.zeros(HISTOGRAM_BARS, dtype=np.int64)
    # A bucket's values are at most its bound: place it by the bound, clipped to the max.
    bounds = np.minimum(np.array([b for b, _ in buckets]) / 1e6, high)
    index = np.clip(np.searchsorted(edges, bounds, side="left") - 1, 0, HISTOGRAM_BARS - 1)
    np.add.at(counts, index, np.array([c for _, c in buckets], dtype=np.int64))
    bars = [
        Bar(
            axis_ms(float(edges[i + 1])),
            float(counts[i]),
            BLUE,
            f"{counts[i]:,} responses from {format_ms(float(edges[i]))} to "
            f"{format_ms(float(edges[i + 1]))}",
        )
        for i in range(HISTOGRAM_BARS)
    ]
    markers = []
    for t in thresholds:
        percentile = t.scope is None and t.kind == "time" and t.metric.startswith("p")
        if percentile and low <= t.limit <= high:
            position = math.log(t.limit / low) / math.log(high / low) * HISTOGRAM_BARS
            markers.append(Marker(position, t.text, RED))
    return bar_chart(
        bars,
        title=f"Latency histogram ({hist.count:,} responses, log-spaced bins)",
        markers=markers,
        height=SMALL_HEIGHT,
    )


def all_charts(
    result: LoadResult,
    thresholds: Sequence[Threshold] = (),
    markers: Sequence[Marker] = (),
) -> list[str]:
    """Every chart that has something to show, in reading order."""
    charts = [
        latency_chart(result, thresholds, markers),
        throughput_chart(result, thresholds, markers),
        errors_chart(result, thresholds, markers),
        active_chart(result, markers),
        histogram_chart(result, thresholds),
    ]
    return [c for c in charts if c]
