"""How a load run reads in log.html: one summary line, a table, per-name figures and charts.

A reader who opens log.html after a failure should see what happened
without opening any other file: the verdict, every threshold with its
measured value, the load that was planned and achieved, where errors came
from, whether the generator itself was the limit, and the charts.
"""

from __future__ import annotations

from html import escape

from perfgate.load.cluster.record import machine_rows
from perfgate.load.gate import Verdict
from perfgate.load.http.charts import all_charts
from perfgate.load.http.plan import RunPlan
from perfgate.load.http.result import LatencySummary, LoadResult
from perfgate.load.http.result_metrics import LoadMetrics
from perfgate.load.report import (
    Row,
    count,
    percent,
    summary_table,
    verdict_line,
    warnings_html,
    with_charts,
)
from perfgate.load.stages import format_stages
from perfgate.measure.units import format_ms, format_number
from perfgate.report.linechart import Marker
from perfgate.report.runchart import stop_marker
from perfgate.report.svg import RED

__all__ = ["render_html", "render_names", "render_table", "summary_line", "verdict_line"]


def summary_line(result: LoadResult, plan: RunPlan) -> str:
    """``Load 'stress' on http://...: 12,345 requests in 60.0 s, 205.7 req/s, p95 ...``."""
    return (
        f"Load '{plan.profile.name}' on {result.url}: {count(result.requests)} requests in "
        f"{result.duration_s:.1f} s, {result.rps:,.1f} req/s ({result.goodput:,.1f} "
        f"successful), p50 {format_ms(result.p50)}, "
        f"p95 {format_ms(result.p95)}, p99 {format_ms(result.p99)}, errors "
        f"{count(result.errors)} ({percent(result.error_rate)}); {plan.warmup_text()} not counted."
    )


def _latency(summary: LoadResult | LatencySummary) -> str:
    keys = ("min", "p50", "p90", "p95", "p99", "p99_9", "max")
    shown = " / ".join(format_ms(float(getattr(summary, k))) for k in keys)
    mean = float(getattr(summary, "mean"))  # noqa: B009 - one line with the others
    stdev = float(getattr(summary, "stdev"))  # noqa: B009
    return f"{shown}; mean {format_ms(mean)} ± {format_ms(stdev)}"


def _run_rows(result: LoadResult, plan: RunPlan, verdict: Verdict) -> list[Row]:
    """What was planned, against what, and what was measured of it."""
    profile = plan.profile
    unit = "req/s" if profile.model == "open" else "clients"
    scale = f", time scale {format_number(plan.time_scale)}" if plan.time_scale != 1 else ""
    stopped = ""
    if verdict.stop is not None:
        stopped = f"; <b>stopped early</b> at {verdict.stop.at_s:.1f} s"
    elif result.stopped_early:
        stopped = "; stopped early"
    target = f" (target {result.target_rps:,.1f})" if result.target_rps is not None else ""
    return [
        (
            "Profile",
            f"{escape(profile.name)} ({profile.model} model, {unit}): "
            f"{escape(format_stages(profile.stages))}; {escape(plan.warmup_text())}{scale}",
        ),
        ("Target", f"{escape(result.url)} (requests: {escape(', '.join(plan.request_names))})"),
        (
            "Measured",
            f"{result.duration_s:.1f} s of {format_number(profile.duration_s)} s planned (warm-up of "
            f"{format_number(profile.warmup_s)} s excluded), {result.workers} worker(s){stopped}",
        ),
        (
            "Throughput",
            f"{result.rps:,.1f} req/s{target}; goodput (successful responses) "
            f"{result.goodput:,.1f} req/s",
        ),
    ]


def _response_rows(result: LoadResult) -> list[Row]:
    """Requests and their errors, latency, service time, Server-Timing."""
    kinds = ", ".join(f"{escape(k)} {count(v)}" for k, v in result.errors_by_kind.items())
    statuses = ", ".join(f"{escape(k)}: {count(v)}" for k, v in result.status_codes.items())
    origin = " from the intended send time" if result.model == "open" else ""
    rows = [
        (
            "Requests",
            f"{count(result.requests)}, errors {count(result.errors)} "
            f"({percent(result.error_rate)})"
            + (f": {kinds}" if kinds else "")
            + (f"; status {statuses}" if statuses else ""),
        ),
        (f"Latency{origin}", "min / p50 / p90 / p95 / p99 / p99.9 / max: " + _latency(result)),
    ]
    if result.service is not None and result.service.count:
        rows.append(("Service time", _latency(result.service)))
    if result.server_timing:
        timing = ", ".join(
            f"{escape(k)} {format_ms(v.mean)} (p95 {format_ms(v.p95)})"
            for k, v in result.server_timing.items()
        )
        rows.append(("Server-Timing (mean)", timing))
    return rows


def _generator_row(result: LoadResult) -> Row:
    """Whether the load generator itself was the limit."""
    health = result.health
    cpu = ", ".join(f"{c:.0f}%" for c in health.cpu_percent)
    generator = f"CPU per worker {cpu}" if cpu else "no CPU figures"
    if health.intended:
        generator += f"; sent {count(health.intended - health.missed)} of {count(health.intended)}"
    return ("Load generator", generator + warnings_html(health.warnings))


def render_table(result: LoadResult, plan: RunPlan, verdict: Verdict, json_link: str = "") -> str:
    """The figures as an HTML table (log with ``html=True``)."""
    rows = [*_run_rows(result, plan, verdict), *_response_rows(result), _generator_row(result),
            *machine_rows(result.cluster)]  # fmt: skip
    return summary_table(verdict, LoadMetrics(result).metric, rows, "perfgate-load", json_link)


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
        f"<tr><td>{escape(name)}</td><td>{count(s.requests)}</td><td>{count(s.errors)}</td>"
        f"<td>{percent(s.error_rate)}</td><td>{s.rps:,.1f}</td><td>{s.goodput:,.1f}</td>"
        f"<td>{format_ms(s.p50)}</td>"
        f"<td>{format_ms(s.p95)}</td><td>{format_ms(s.p99)}</td><td>{format_ms(s.max)}</td></tr>"
        for name, s in result.by_name.items()
    )
    return f"<table><tr>{head}</tr>{rows}</table>"


def render_html(result: LoadResult, plan: RunPlan, verdict: Verdict, json_link: str = "") -> str:
    """Table, per-name table and charts, in reading order."""
    point = verdict.breaking_point
    if point is not None and point.at_s is not None:
        markers = [Marker(point.at_s, f"broke at {point.target:,.0f} {point.unit}", RED)]
    else:
        stopped_at = verdict.stopped_at(result.timeline)
        markers = [] if stopped_at is None else [stop_marker(stopped_at)]
    return with_charts(
        [render_table(result, plan, verdict, json_link), render_names(result)],
        all_charts(result, verdict.thresholds, markers),
    )
