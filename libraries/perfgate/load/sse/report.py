"""How an SSE run reads in log.html: one summary line, a table (the frame:
`perfgate.load.report`) and the charts (`perfgate.load.sse.charts`)."""

from __future__ import annotations

from functools import partial
from html import escape

from perfgate.load.cluster.record import machine_rows
from perfgate.load.events.stampcount import fine_ms
from perfgate.load.gate import Verdict
from perfgate.load.gatewaymemory import memory_row
from perfgate.load.report import Row, count, summary_table, verdict_line, warnings_html, with_charts
from perfgate.load.report import percent as _percent
from perfgate.load.sse.charts import all_charts
from perfgate.load.sse.result import SseResult
from perfgate.measure.units import format_ms, format_number

__all__ = ["render_html", "render_table", "summary_line", "verdict_line"]

percent = partial(_percent, spec=".3g")  # loss rates are small: three significant digits


def _times(result: SseResult, prefix: str) -> str:
    shown = " / ".join(
        format_ms(float(getattr(result, f"{prefix}_{k}"))) for k in ("p50", "p95", "p99", "max")
    )
    return f"p50 / p95 / p99 / max: {shown}"


def _latency(result: SseResult) -> str:
    """``p50 .. p95 .. p99 ..`` (with the server's clock when it is the one), or why none."""
    if not result.latency_samples:
        return f"not measured ({result.latency_note or 'no sample'})"
    shown = " ".join(
        f"{k} {format_ms(getattr(result, f'event_latency_{k}'))}" for k in ("p50", "p95", "p99")
    )
    if result.time_format == "perfgate":
        return shown
    uncertainty = fine_ms(result.latency_uncertainty_ms)
    return f"{shown} (the server's {result.time_format} clock, uncertainty {uncertainty})"


def summary_line(result: SseResult) -> str:
    """``SSE on http://...: 50 streams, first event p95 ..., latency ..., lost 0 of 1,234 ...``."""
    return (
        f"SSE on {result.url}: {result.connections:,} streams "
        f"({percent(result.connection_success_rate)} of {count(result.connect_attempts)} attempts "
        f"succeeded, first event p95 {format_ms(result.first_event_p95)}), "
        f"{count(result.events_received)} events in {result.duration_s:.1f} s, latency "
        f"{_latency(result)}, lost {count(result.events_lost)} of "
        f"{count(result.events_expected)} ({percent(result.event_loss_rate)}), disconnections "
        f"{count(result.disconnections)}, reconnects {count(result.reconnects)}."
    )


def _rows(result: SseResult) -> list[Row]:
    kinds = ", ".join(f"{escape(k)} {count(v)}" for k, v in result.connect_errors_by_kind.items())
    published = (
        f"{format_number(result.event_rate)} events/s published"
        if result.event_rate
        else "server's events"
    )
    events = (
        f"expected {count(result.events_expected)}, received {count(result.events_received)}, "
        f"<b>lost {count(result.events_lost)}</b> ({percent(result.event_loss_rate)}), "
        f"duplicated {count(result.events_duplicated)}, out of order "
        f"{count(result.events_out_of_order)}; {count(result.events_sent)} published, "
        f"{result.events_per_s:,.1f} received/s"
        + (f"; publish errors {count(result.publish_errors)}" if result.publish_errors else "")
    )
    cpu = ", ".join(f"{c:.0f}%" for c in result.cpu_percent) or "n/a"
    return [
        (
            "Run",
            f"{escape(result.method)} {escape(result.url)}, channel {escape(result.channel)}: "
            f"{result.connections:,} streams ({_ramp(result)}), {published}; "
            f"{result.duration_s:.1f} s measured "
            f"after a {format_number(result.warmup_s)} s warm-up; {result.workers} worker(s)"
            + ("; stopped early" if result.stopped_early else ""),
        ),
        (
            "Streams",
            f"{count(result.connect_attempts)} attempts, "
            f"{percent(result.connection_success_rate)} succeeded"
            + (f" (failures: {kinds})" if kinds else "")
            + f"; disconnections {count(result.disconnections)}, reconnects "
            f"{count(result.reconnects)}",
        ),
        ("Stream open (headers)", _times(result, "connect")),
        ("Time to first event", _times(result, "first_event")),
        ("Event latency (publish to receipt)", escape(_latency(result))),
        ("Events", events),
        *([memory_row(result.gateway_memory)] if result.gateway_memory else []),
        ("Load generator", f"CPU per worker {cpu}" + warnings_html(result.warnings)),
        *[("Note", escape(note)) for note in result.notes],
    ]


def _ramp(result: SseResult) -> str:
    return "all at once" if result.ramp_per_s is None else f"{result.ramp_per_s:,.4g} opened/s"


def render_table(result: SseResult, verdict: Verdict, json_link: str = "") -> str:
    """The figures as an HTML table (log with ``html=True``)."""
    rows = [*_rows(result), *machine_rows(result.cluster)]
    return summary_table(verdict, result.metric, rows, "perfgate-sse", json_link)


def render_html(result: SseResult, verdict: Verdict, json_link: str = "") -> str:
    """The table and the charts, in reading order."""
    return with_charts(
        [render_table(result, verdict, json_link)],
        all_charts(result, verdict.thresholds, verdict.stopped_at(result.timeline)),
    )
