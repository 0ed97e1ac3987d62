"""How a WebSocket run reads in log.html: one summary line, a table and the charts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from perfgate.load.gate import Verdict
from perfgate.load.thresholds import Threshold, format_value
from perfgate.load.ws.charts import all_charts
from perfgate.load.ws.result import WebSocketResult
from perfgate.load.ws.stampcount import fine_ms
from perfgate.load.ws.stamps import UNIT_NS
from perfgate.measure.units import format_ms

_TH = '<th style="text-align:left;padding-right:1em;vertical-align:top">'
_PASS = '<b style="color:#2a9d3c">PASS</b>'
_FAIL = '<b style="color:#c0392b">FAIL</b>'


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.3g}%" if math.isfinite(fraction) else "n/a"


def summary_line(result: WebSocketResult) -> str:
    """``WebSocket broadcast on ws://...: 50 connections, ... lost 0 of 12,345 (0%) ...``."""
    what = "echo replies" if result.mode == "echo" else "events"
    return (
        f"WebSocket {result.mode} on {result.url}: {result.connections:,} connections "
        f"({_pct(result.connection_success_rate)} of {_n(result.connect_attempts)} attempts "
        f"succeeded, connect p95 {format_ms(result.connect_p95)}), {_n(result.events_received)} "
        f"{what} in {result.duration_s:.1f} s, {_latency_summary(result)}, "
        f"lost {_n(result.events_lost)} of {_n(result.events_expected)} "
        f"({_pct(result.event_loss_rate)}), disconnections {_n(result.disconnections)}."
    )


def _latency_summary(result: WebSocketResult) -> str:
    """``latency p50 .. p95 .. p99 ..``, with the server's clock and its uncertainty, or why not."""
    if not result.latency_samples:
        return f"latency not measured ({result.latency_note or 'no sample'})"
    shown = (
        f"latency p50 {format_ms(result.event_latency_p50)} p95 "
        f"{format_ms(result.event_latency_p95)} p99 {format_ms(result.event_latency_p99)}"
    )
    if result.time_format in UNIT_NS:
        shown += (
            f" (against the server's wall clock, {result.time_format}; uncertainty "
            f"{fine_ms(result.latency_uncertainty_ms)})"
        )
    return shown


def _latency_row(result: WebSocketResult) -> str:
    """The table's event latency cell."""
    if not result.latency_samples:
        return f"<b>not measured</b>: {escape(result.latency_note or 'no sample')}"
    cell = (
        "p50 / p95 / p99 / max: "
        + _latencies(result, "event_latency")
        + f" ({_n(result.latency_samples)} samples)"
    )
    if result.time_format in UNIT_NS:
        unit = fine_ms(UNIT_NS[result.time_format] / 1e6)
        cell += (
            f"<br>measured against {escape(result.latency_clock)}; uncertainty "
            f"{fine_ms(result.latency_uncertainty_ms)} (the stamp's resolution {unit} plus "
            f"{fine_ms(result.clock_drift_ms)} the wall clock moved against the monotonic "
            "clock during the run)"
        )
    if result.events_stamped_ahead:
        cell += (
            f"<br>{_n(result.events_stamped_ahead)} events stamped later than they arrived, "
            "beyond the uncertainty (not counted)"
        )
    return cell


def verdict_line(verdict: Verdict) -> str:
    if not verdict.thresholds:
        return "No thresholds given."
    if verdict.failed:
        return verdict.message()
    return f"All {len(verdict.thresholds)} threshold(s) held."


def _threshold_rows(thresholds: Sequence[Threshold], result: WebSocketResult) -> str:
    rows = []
    for t in thresholds:
        value = result.metric(t.metric, t.scope)
        measured = math.nan if value is None else value
        mark = _PASS if t.holds(measured) else _FAIL
        rows.append(
            f"<tr><td>{escape(t.text)}</td><td>{escape(format_value(measured, t.kind))}</td>"
            f"<td>{mark}</td></tr>"
        )
    return (
        "<table><tr><th>threshold</th><th>measured</th><th></th></tr>" + "".join(rows) + "</table>"
    )


def _latencies(result: WebSocketResult, prefix: str) -> str:
    keys = ("p50", "p95", "p99", "max")
    shown = " / ".join(format_ms(float(getattr(result, f"{prefix}_{k}"))) for k in keys)
    return f"{shown}; mean {format_ms(float(getattr(result, f'{prefix}_mean')))}"


def render_table(result: WebSocketResult, verdict: Verdict, json_link: str = "") -> str:
    if verdict.failed:
        head = f"{_FAIL} {escape(verdict.message())}"
    elif verdict.thresholds:
        head = f"{_PASS} all {len(verdict.thresholds)} threshold(s) held"
    else:
        head = "no thresholds given"
    rows: list[tuple[str, str]] = [("Verdict", head)]
    if verdict.thresholds:
        rows.append(("Thresholds", _threshold_rows(verdict.thresholds, result)))
    ramp = "all at once" if result.ramp_per_s is None else f"{result.ramp_per_s:,.4g} connections/s"
    rate_unit = "messages/s over all connections" if result.mode == "echo" else "events/s"
    rows.append(
        (
            "Run",
            f"{escape(result.mode)} on {escape(result.url)}, channel {escape(result.channel)}: "
            f"{result.connections:,} connections (ramp {ramp}), {result.event_rate:g} "
            f"{rate_unit}; {result.duration_s:.1f} s measured after a {result.warmup_s:g} s "
            f"warm-up; {result.workers} worker(s)"
            + ("; stopped early" if result.stopped_early else ""),
        )
    )
    kinds = ", ".join(f"{escape(k)} {_n(v)}" for k, v in result.connect_errors_by_kind.items())
    rows.append(
        (
            "Connections",
            f"{_n(result.connect_attempts)} attempts, {_pct(result.connection_success_rate)} "
            f"succeeded"
            + (f" (failures: {kinds})" if kinds else "")
            + f"; disconnections {_n(result.disconnections)}, reconnects {_n(result.reconnects)}",
        )
    )
    rows.append(("Connection time", "p50 / p95 / p99 / max: " + _latencies(result, "connect")))
    origin = "round trip" if result.mode == "echo" else "publish to receipt"
    rows.append((f"Event latency ({origin})", _latency_row(result)))
    sent = "sent" if result.mode == "echo" else "published"
    events = (
        f"expected {_n(result.events_expected)}, received {_n(result.events_received)}, "
        f"<b>lost {_n(result.events_lost)}</b> ({_pct(result.event_loss_rate)}), duplicated "
        f"{_n(result.events_duplicated)}, out of order {_n(result.events_out_of_order)}; "
        f"{_n(result.events_sent)} {sent}, {result.events_per_s:,.1f} received/s"
    )
    if result.events_missed_disconnected:
        events += (
            f"; {_n(result.events_missed_disconnected)} of the lost were published while "
            "their subscriber was disconnected"
        )
    if result.publish_errors:
        events += f"; publish errors {_n(result.publish_errors)}"
    rows.append(("Events", events))
    if result.gateway_memory is not None:
        m = result.gateway_memory
        rows.append(
            (
                "Gateway memory",
                f"{m.initial_mb:.1f} -> {m.final_mb:.1f} MB (peak {m.peak_mb:.1f} MB, growth "
                f"{m.growth_mb:+.1f} MB), {escape(m.source)}, every {m.interval_s:g} s",
            )
        )
    cpu = ", ".join(f"{c:.0f}%" for c in result.cpu_percent) or "n/a"
    generator = f"CPU per worker {cpu}"
    if result.gc_max_ms:
        pauses = ", ".join(f"{p:.1f} ms" for p in result.gc_max_ms)
        generator += f"; longest garbage-collector pause per worker {pauses}"
    if result.fd_limit is not None:
        generator += f"; open-files limit {result.fd_limit:,}"
    for warning in result.warnings:
        generator += f'<br><b style="color:#b8860b">WARN</b> {escape(warning)}'
    rows.append(("Load generator", generator))
    for note in result.notes:
        rows.append(("Note", escape(note)))
    if json_link:
        rows.append(("Saved as", json_link))
    body = "".join(f"<tr>{_TH}{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="perfgate-websocket">{body}</table>'


def render_html(result: WebSocketResult, verdict: Verdict, json_link: str = "") -> str:
    """The table and the charts, in reading order."""
    parts = [render_table(result, verdict, json_link)]
    parts += [f"<div>{chart}</div>" for chart in all_charts(result, verdict.thresholds)]
    return "".join(parts)
