"""How a load run reads in log.html: one summary line, a table, per-name figures and charts.

A reader who opens log.html after a failure should see what happened
without opening any other file: the verdict, every threshold with its
measured value, the load that was planned and achieved, where errors came
from, whether the generator itself was the limit, and the charts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from perfgate.load.gate import Verdict
from perfgate.load.http.charts import all_charts, run_markers
from perfgate.load.http.plan import RunPlan
from perfgate.load.http.result import LoadResult
from perfgate.load.http.result_metrics import LoadMetrics
from perfgate.load.stages import format_stages
from perfgate.load.thresholds import Threshold, format_value
from perfgate.measure.units import format_ms

_TH = '<th style="text-align:left;padding-right:1em;vertical-align:top">'
_PASS = '<b style="color:#2a9d3c">PASS</b>'
_FAIL = '<b style="color:#c0392b">FAIL</b>'


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.2f}%" if math.isfinite(fraction) else "n/a"


def summary_line(result: LoadResult, plan: RunPlan) -> str:
    """``Load 'stress' on http://...: 12,345 requests in 60.0 s, 205.7 req/s, p95 ...``."""
    return (
        f"Load '{plan.profile.name}' on {result.url}: {_n(result.requests)} requests in "
        f"{result.duration_s:.1f} s, {result.rps:,.1f} req/s ({result.goodput:,.1f} "
        f"successful), p50 {format_ms(result.p50)}, "
        f"p95 {format_ms(result.p95)}, p99 {format_ms(result.p99)}, errors "
        f"{_n(result.errors)} ({_pct(result.error_rate)}); {plan.warmup_text()} not counted."
    )


def verdict_line(verdict: Verdict) -> str:
    """Plain text for the log message under the summary."""
    if verdict.breaking_point is not None:
        return verdict.breaking_point.describe()
    if not verdict.thresholds:
        return "No thresholds given."
    if verdict.failed:
        return verdict.message()
    return f"All {len(verdict.thresholds)} threshold(s) held."


def _threshold_rows(thresholds: Sequence[Threshold], metrics: LoadMetrics) -> str:
    rows = []
    for t in thresholds:
        value = metrics.metric(t.metric, t.scope)
        measured = math.nan if value is None else value
        mark = _PASS if t.holds(measured) else _FAIL
        rows.append(
            f"<tr><td>{escape(t.text)}</td><td>{escape(format_value(measured, t.kind))}</td>"
            f"<td>{mark}</td></tr>"
        )
    return (
        "<table><tr><th>threshold</th><th>measured</th><th></th></tr>" + "".join(rows) + "</table>"
    )


def _latency(summary: object) -> str:
    keys = ("min", "p50", "p90", "p95", "p99", "p99_9", "max")
    shown = " / ".join(format_ms(float(getattr(summary, k))) for k in keys)
    mean = float(getattr(summary, "mean"))  # noqa: B009 - one line with the others
    stdev = float(getattr(summary, "stdev"))  # noqa: B009
    return f"{shown}; mean {format_ms(mean)} ± {format_ms(stdev)}"


def render_table(result: LoadResult, plan: RunPlan, verdict: Verdict, json_link: str = "") -> str:
    """The figures as an HTML table (log with ``html=True``)."""
    metrics = LoadMetrics(result)
    profile = plan.profile
    unit = "req/s" if profile.model == "open" else "clients"
    if verdict.failed:
        head = f"{_FAIL} {escape(verdict.message())}"
    elif verdict.breaking_point is not None:
        head = escape(verdict.breaking_point.describe())
    elif verdict.thresholds:
        head = f"{_PASS} all {len(verdict.thresholds)} threshold(s) held"
    else:
        head = "no thresholds given"
    rows: list[tuple[str, str]] = [("Verdict", head)]
    if verdict.thresholds:
        rows.append(("Thresholds", _threshold_rows(verdict.thresholds, metrics)))
    scale = f", time scale {plan.time_scale:g}" if plan.time_scale != 1 else ""
    rows.append(
        (
            "Profile",
            f"{escape(profile.name)} ({profile.model} model, {unit}): "
            f"{escape(format_stages(profile.stages))}; {escape(plan.warmup_text())}{scale}",
        )
    )
    requests = ", ".join(plan.request_names)
    rows.append(("Target", f"{escape(result.url)} (requests: {escape(requests)})"))
    stopped = ""
    if verdict.stop is not None:
        stopped = f"; <b>stopped early</b> at {verdict.stop.at_s:.1f} s"
    elif result.stopped_early:
        stopped = "; stopped early"
    rows.append(
        (
            "Measured",
            f"{result.duration_s:.1f} s of {profile.duration_s:g} s planned (warm-up of "
            f"{profile.warmup_s:g} s excluded), {result.workers} worker(s){stopped}",
        )
    )
    target = f" (target {result.target_rps:,.1f})" if result.target_rps is not None else ""
    rows.append(
        (
            "Throughput",
            f"{result.rps:,.1f} req/s{target}; goodput (successful responses) "
            f"{result.goodput:,.1f} req/s",
        )
    )
    kinds = ", ".join(f"{escape(k)} {_n(v)}" for k, v in result.errors_by_kind.items())
    statuses = ", ".join(f"{escape(k)}: {_n(v)}" for k, v in result.status_codes.items())
    rows.append(
        (
            "Requests",
            f"{_n(result.requests)}, errors {_n(result.errors)} ({_pct(result.error_rate)})"
            + (f": {kinds}" if kinds else "")
            + (f"; status {statuses}" if statuses else ""),
        )
    )
    origin = " from the intended send time" if result.model == "open" else ""
    rows.append(
        (f"Latency{origin}", "min / p50 / p90 / p95 / p99 / p99.9 / max: " + _latency(result))
    )
    if result.service is not None and result.service.count:
        rows.append(("Service time", _latency(result.service)))
    if result.server_timing:
        timing = ", ".join(
            f"{escape(k)} {format_ms(v.mean)} (p95 {format_ms(v.p95)})"
            for k, v in result.server_timing.items()
        )
        rows.append(("Server-Timing (mean)", timing))
    health = result.health
    cpu = ", ".join(f"{c:.0f}%" for c in health.cpu_percent)
    generator = f"CPU per worker {cpu}" if cpu else "no CPU figures"
    if health.intended:
        generator += f"; sent {_n(health.intended - health.missed)} of {_n(health.intended)}"
    for warning in health.warnings:
        generator += f'<br><b style="color:#b8860b">WARN</b> {escape(warning)}'
    rows.append(("Load generator", generator))
    if json_link:
        rows.append(("Saved as", json_link))
    body = "".join(f"<tr>{_TH}{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="perfgate-load">{body}</table>'


def render_names(result: LoadResult) -> str:
    """Per-request-name figures; "" for a run of one request."""
    if len(result.by_name) < 2:
        return ""
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "name", "requests", "errors", "error rate", "req/s", "goodput", "p50", "p95", "p99",
            "max",
        )
    )  # fmt: skip
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{_n(s.requests)}</td><td>{_n(s.errors)}</td>"
        f"<td>{_pct(s.error_rate)}</td><td>{s.rps:,.1f}</td><td>{s.goodput:,.1f}</td>"
        f"<td>{format_ms(s.p50)}</td>"
        f"<td>{format_ms(s.p95)}</td><td>{format_ms(s.p99)}</td><td>{format_ms(s.max)}</td></tr>"
        for name, s in result.by_name.items()
    )
    return f"<table><tr>{head}</tr>{rows}</table>"


def render_html(result: LoadResult, plan: RunPlan, verdict: Verdict, json_link: str = "") -> str:
    """Table, per-name table and charts, in reading order."""
    if verdict.breaking_point is not None and verdict.breaking_point.at_s is not None:
        point = verdict.breaking_point
        markers = run_markers(result, point.at_s, f"broke at {point.target:,.0f} {point.unit}")
    elif verdict.stop is not None:
        markers = run_markers(result, verdict.stop.at_s)
    else:
        markers = []
    parts = [render_table(result, plan, verdict, json_link), render_names(result)]
    parts += [f"<div>{chart}</div>" for chart in all_charts(result, verdict.thresholds, markers)]
    return "".join(p for p in parts if p)
