"""How a WebSocket run reads in log.html: one summary line, a table and the charts."""

from __future__ import annotations

from functools import partial
from html import escape

from perfgate.load.cluster.record import machine_rows
from perfgate.load.events.stampcount import fine_ms
from perfgate.load.events.stamps import UNIT_NS
from perfgate.load.gate import Verdict
from perfgate.load.gatewaymemory import memory_row
from perfgate.load.report import Row, count, summary_table, verdict_line, warnings_html, with_charts
from perfgate.load.report import percent as _percent
from perfgate.load.ws.charts import all_charts
from perfgate.load.ws.result import WebSocketResult
from perfgate.measure.units import format_ms, format_number

__all__ = ["render_html", "render_table", "summary_line", "verdict_line"]

percent = partial(_percent, spec=".3g")  # loss rates are small: three significant digits


def summary_line(result: WebSocketResult) -> str:
    """``WebSocket broadcast on ws://...: 50 connections, ... lost 0 of 12,345 (0%) ...``."""
    what = "echo replies" if result.mode == "echo" else "events"
    return (
        f"WebSocket {result.mode} on {result.url}: {result.connections:,} connections "
        f"({percent(result.connection_success_rate)} of {count(result.connect_attempts)} attempts "
        f"succeeded, connect p95 {format_ms(result.connect_p95)}), {count(result.events_received)} "
        f"{what} in {result.duration_s:.1f} s, {_latency_summary(result)}, "
        f"lost {count(result.events_lost)} of {count(result.events_expected)} "
        f"({percent(result.event_loss_rate)}), disconnections {count(result.disconnections)}."
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
        + f" ({count(result.latency_samples)} samples)"
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
            f"<br>{count(result.events_stamped_ahead)} events stamped later than they arrived, "
            "beyond the uncertainty (not counted)"
        )
    return cell


def _latencies(result: WebSocketResult, prefix: str) -> str:
    keys = ("p50", "p95", "p99", "max")
    shown = " / ".join(format_ms(float(getattr(result, f"{prefix}_{k}"))) for k in keys)
    return f"{shown}; mean {format_ms(float(getattr(result, f'{prefix}_mean')))}"


def _run_row(result: WebSocketResult) -> Row:
    ramp = "all at once" if result.ramp_per_s is None else f"{result.ramp_per_s:,.4g} connections/s"
    rate_unit = "messages/s over all connections" if result.mode == "echo" else "events/s"
    engine = ""
    if result.engine == "socket.io":
        engine = f"; Socket.IO, namespace {escape(result.namespace)}"
    return (
        "Run",
        f"{escape(result.mode)} on {escape(result.url)}, channel {escape(result.channel)}: "
        f"{result.connections:,} connections (ramp {ramp}), {format_number(result.event_rate)} "
        f"{rate_unit}; {result.duration_s:.1f} s measured after a {format_number(result.warmup_s)} s "
        f"warm-up; {result.workers} worker(s)"
        + engine
        + ("; stopped early" if result.stopped_early else ""),
    )


def _connection_rows(result: WebSocketResult) -> list[Row]:
    kinds = ", ".join(f"{escape(k)} {count(v)}" for k, v in result.connect_errors_by_kind.items())
    return [
        (
            "Connections",
            f"{count(result.connect_attempts)} attempts, "
            f"{percent(result.connection_success_rate)} succeeded"
            + (f" (failures: {kinds})" if kinds else "")
            + f"; disconnections {count(result.disconnections)}, "
            f"reconnects {count(result.reconnects)}",
        ),
        ("Connection time", "p50 / p95 / p99 / max: " + _latencies(result, "connect")),
    ]


def _events_row(result: WebSocketResult) -> Row:
    sent = "sent" if result.mode == "echo" else "published"
    events = (
        f"expected {count(result.events_expected)}, received {count(result.events_received)}, "
        f"<b>lost {count(result.events_lost)}</b> ({percent(result.event_loss_rate)}), "
        f"duplicated {count(result.events_duplicated)}, out of order "
        f"{count(result.events_out_of_order)}; {count(result.events_sent)} {sent}, "
        f"{result.events_per_s:,.1f} received/s"
    )
    if result.events_missed_disconnected:
        events += (
            f"; {count(result.events_missed_disconnected)} of the lost were published while "
            "their subscriber was disconnected"
        )
    if result.publish_errors:
        events += f"; publish errors {count(result.publish_errors)}"
    return ("Events", events)


def _gateway_and_generator_rows(result: WebSocketResult) -> list[Row]:
    rows = []
    if result.gateway_memory is not None:
        rows.append(memory_row(result.gateway_memory))
    cpu = ", ".join(f"{c:.0f}%" for c in result.cpu_percent) or "n/a"
    generator = f"CPU per worker {cpu}"
    if result.gc_max_ms:
        pauses = ", ".join(f"{p:.1f} ms" for p in result.gc_max_ms)
        generator += f"; longest garbage-collector pause per worker {pauses}"
    if result.fd_limit is not None:
        generator += f"; open-files limit {result.fd_limit:,}"
    rows.append(("Load generator", generator + warnings_html(result.warnings)))
    return rows + [("Note", escape(note)) for note in result.notes]


def render_table(result: WebSocketResult, verdict: Verdict, json_link: str = "") -> str:
    """The figures as an HTML table (log with ``html=True``)."""
    origin = "round trip" if result.mode == "echo" else "publish to receipt"
    rows = [
        _run_row(result),
        *_connection_rows(result),
        (f"Event latency ({origin})", _latency_row(result)),
        _events_row(result),
        *_gateway_and_generator_rows(result),
        *machine_rows(result.cluster),
    ]
    return summary_table(verdict, result.metric, rows, "perfgate-websocket", json_link)


def render_html(result: WebSocketResult, verdict: Verdict, json_link: str = "") -> str:
    """The table and the charts, in reading order."""
    return with_charts(
        [render_table(result, verdict, json_link)],
        all_charts(result, verdict.thresholds, verdict.stopped_at(result.timeline)),
    )
