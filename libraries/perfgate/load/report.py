"""The frame of a load run's summary in log.html, the same for every protocol.

A reader who opens log.html after a failure should see what happened
without opening any other file. Every run's table (logged with
``html=True``) starts with the verdict and every threshold with its measured
value, goes on with the rows its protocol gives (`perfgate.load.http.report`,
`perfgate.load.ws.report`) and ends with the link to the saved JSON; the
charts follow the table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from html import escape

from perfgate.load.gate import Verdict
from perfgate.load.thresholds import Threshold, format_value

TH = '<th style="text-align:left;padding-right:1em;vertical-align:top">'
PASS = '<b style="color:#2a9d3c">PASS</b>'
FAIL = '<b style="color:#c0392b">FAIL</b>'
WARN = '<b style="color:#b8860b">WARN</b>'
PARTIAL = '<b style="color:#b8860b">PARTIAL</b>'
# A breakpoint run's thresholds are meant to break: where they did is its finding, not a FAIL.
BROKE = '<b style="color:#57606a">broke: the breaking point</b>'

Row = tuple[str, str]  # (heading, HTML cell)
Lookup = Callable[[str, str | None], float | None]  # metric(name, scope)


def count(value: float) -> str:
    """``12,345``."""
    return f"{value:,.0f}"


def percent(fraction: float, spec: str = ".2f") -> str:
    """``0.05%`` (``n/a`` for NaN); `spec` formats the percentage."""
    return f"{fraction * 100:{spec}}%" if math.isfinite(fraction) else "n/a"


def warnings_html(warnings: Iterable[str]) -> str:
    """Each warning on its own line, flagged."""
    return "".join(f"<br>{WARN} {escape(warning)}" for warning in warnings)


def verdict_line(verdict: Verdict) -> str:
    """Plain text for the log message under the summary: a dead gateway or a load never
    answered before anything else (a breaking point of a dead target says nothing)."""
    if verdict.faults:
        return verdict.message()
    if verdict.breaking_point is not None:
        return verdict.breaking_point.describe()
    if not verdict.thresholds:
        return "No thresholds given."
    if verdict.failed:
        return verdict.message()
    return f"All {len(verdict.thresholds)} threshold(s) held."


def suspect_warning(
    subject: str, warnings: Sequence[str], verdict: Verdict, blame: str = ""
) -> str | None:
    """``<subject>: the result is suspect: <warnings>.`` and `blame`, or None: no warning,
    or the run's faults (a dead gateway, no answer) explain its figures, not the load
    generator that could not get samples from it."""
    if not warnings or verdict.faults:
        return None
    return f"{subject}: the result is suspect: {'; '.join(warnings)}.{blame}"


def _verdict_cell(verdict: Verdict) -> str:
    if verdict.failed:
        return f"{FAIL} {escape(verdict.message())}"
    if verdict.breaking_point is not None:
        return escape(verdict.breaking_point.describe())
    if verdict.thresholds:
        until = " until the run stopped" if verdict.partial else ""
        return f"{PASS} all {len(verdict.thresholds)} threshold(s) held{until}"
    return "no thresholds given"


def partial_cell(partial: str) -> str:
    """How far a run cut short got and why, said once: every figure of the table and the
    charts is of what was measured until then."""
    how = partial.removeprefix("Partial result: ")
    return f"{PARTIAL} {escape(how)} The figures and charts are of what was measured until then."


def threshold_table(
    thresholds: Sequence[Threshold], lookup: Lookup, breakpoint: bool = False
) -> str:
    """Every threshold, its measured value (n/a when not measured) and PASS or FAIL (in a
    breakpoint run that passed, a breached threshold is where it broke)."""
    rows = []
    for t in thresholds:
        value = lookup(t.metric, t.scope)
        measured = math.nan if value is None else value
        mark = PASS if t.holds(measured) else BROKE if breakpoint else FAIL
        rows.append(
            f"<tr><td>{escape(t.text)}</td><td>{escape(format_value(measured, t.kind))}</td>"
            f"<td>{mark}</td></tr>"
        )
    return (
        "<table><tr><th>threshold</th><th>measured</th><th></th></tr>" + "".join(rows) + "</table>"
    )


def summary_table(
    verdict: Verdict, lookup: Lookup, rows: Iterable[Row], css_class: str, json_link: str = ""
) -> str:
    """Verdict, thresholds, the protocol's `rows`, the saved file: one HTML table."""
    head: list[Row] = [("Verdict", _verdict_cell(verdict))]
    if verdict.partial:
        head.append(("Partial result", partial_cell(verdict.partial)))
    if verdict.thresholds:
        breakpoint = verdict.breaking_point is not None and not verdict.failed
        head.append(("Thresholds", threshold_table(verdict.thresholds, lookup, breakpoint)))
    tail: list[Row] = [("Saved as", json_link)] if json_link else []
    body = "".join(f"<tr>{TH}{k}</th><td>{v}</td></tr>" for k, v in [*head, *rows, *tail])
    return f'<table class="{css_class}">{body}</table>'


def with_charts(parts: Iterable[str], charts: Iterable[str]) -> str:
    """The tables (empty ones left out), then each chart in its own block."""
    return "".join(p for p in parts if p) + "".join(f"<div>{chart}</div>" for chart in charts)
