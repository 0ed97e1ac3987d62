"""How a memory result reads in log.html and on disk."""

from __future__ import annotations

import math
import os
from dataclasses import replace
from html import escape

from perfgate.artifacts.paths import artifact_path, write_json_atomic
from perfgate.measure.units import format_bytes, format_number
from perfgate.memory.chart import render_chart
from perfgate.memory.display import BYTES_PER_MB, format_duration
from perfgate.memory.heap.compare import HeapComparison
from perfgate.memory.heap.report import allocation_html, comparison_html
from perfgate.memory.heap.sampling import AllocationProfile
from perfgate.memory.leak import LEAK
from perfgate.memory.result import MemoryResult


def summary_line(result: MemoryResult) -> str:
    """One line of plain figures: verdict, start and end, peak, floor trend, samples.

    Plain text only: the line also ends up in report.html's Message column,
    where block characters of a sparkline render as black boxes.
    """
    rate = result.leak_rate_mb_per_hour
    rate_text = f", floor trend {_signed(rate)} MB/h" if math.isfinite(rate) else ""
    return (
        f"Memory '{result.alias}' {result.verdict}: "
        f"{_fmt(result.initial_mb)} -> {_fmt(result.final_mb, ' MB')}, peak "
        f"{_fmt(result.peak_mb, ' MB')} at {format_duration(result.peak_at_s)}{rate_text}, "
        f"{result.samples:,} samples over {format_duration(result.duration_s)}."
    )


def failure_message(result: MemoryResult) -> str:
    """The keyword's message, led by plain words: how much memory grew, how fast, against
    which limit. A LEAK's statistics (CI, Mann-Kendall, window floors) stay in the log's
    table; other verdicts keep their reason, which says what run would decide."""
    if result.verdict != LEAK:
        return f"{summary_line(result)} {result.reason}"
    limit = result.criteria.max_rate_mb_per_hour
    message = (
        f"Memory '{result.alias}' LEAK: grew {format_number(result.growth_mb)} MB in "
        f"{format_duration(result.duration_s)}, about {_plain_rate(result)}, limit "
        f"{format_number(limit)} MB/h; the lowest readings kept rising after the warm-up, "
        "the statistics are in the log."
    )
    if result.heap_growth:
        message += f" Heap snapshots: {result.heap_growth}."
    elif result.allocation_growth:
        message += f" Allocation sites: {result.allocation_growth}."
    return message


def _plain_rate(result: MemoryResult) -> str:
    """The floor trend in the unit that reads best: MB/min once it is 10 MB/min or more."""
    rate = result.leak_rate_mb_per_hour
    if not math.isfinite(rate):
        rate = result.growth_mb / max(result.duration_s, 1e-9) * 3600
    if abs(rate) >= 600:
        return f"{format_number(rate / 60)} MB/min"
    return f"{format_number(rate)} MB/h"


def _fmt(value: float | int | None, unit: str = "", digits: int = 3) -> str:
    """A figure as every PerfGate table shows it (`format_number`: thousands separators,
    `digits` significant digits), counts whole."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    return f"{format_number(value, digits)}{unit}"


def _signed(value: float) -> str:
    """A change with its sign: ``+3,618``, ``-0.52``, ``0``."""
    text = format_number(value)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def render_table(result: MemoryResult) -> str:
    """The figures as an HTML table (Robot's log shows it with `html=True`)."""
    rows = _figure_rows(result)
    if result.requests is not None:
        rows.append(
            (
                "Per request",
                f"{_per_request(result.bytes_per_request)} over {result.requests:,} requests",
            )
        )
    for note in result.notes:
        rows.append(("Note", escape(note)))
    if result.json_path:
        rows.append(("Saved as", escape(result.json_path)))
    body = "".join(
        f'<tr><th style="text-align:left;padding-right:1em">{k}</th><td>{v}</td></tr>'
        for k, v in rows
    )
    return f'<table class="perfgate-memory">{body}</table>'


def _per_request(value: float | None) -> str:
    """Bytes a request, in the size unit that reads best (``105.6 KiB``, ``512 B``)."""
    return "n/a" if value is None else format_bytes(value)


def _figure_rows(result: MemoryResult) -> list[tuple[str, str]]:
    """(label, HTML) of the figures every result has."""
    leak = result.leak
    low, high = leak.rate_ci_mb_per_hour
    return [
        ("Target", escape(result.target)),
        ("Verdict", f"<b>{escape(result.verdict)}</b>: {escape(result.reason)}"),
        (
            "RSS initial / final / mean",
            f"{_fmt(result.initial_mb, ' MB')} / {_fmt(result.final_mb, ' MB')} / "
            f"{_fmt(result.mean_mb, ' MB')}",
        ),
        (
            "RSS min / peak",
            f"{_fmt(result.min_mb, ' MB')} / {_fmt(result.peak_mb, ' MB')} at "
            f"{format_duration(result.peak_at_s)}",
        ),
        ("Growth", f"{_fmt(result.growth_mb, ' MB')} ({_fmt(result.growth_pct, '%')})"),
        (
            "Floor trend after warm-up",
            f"{_fmt(leak.rate_mb_per_hour, ' MB/h')} (95% CI {_fmt(low)} to "
            f"{_fmt(high, ' MB/h')}), Mann-Kendall p={_p_value(leak.trend_p_value)}",
        ),
        ("Warm-up / collections / windows", _windows_cell(result)),
        (
            "USS initial / final / peak",
            f"{_fmt(result.initial_uss_mb, ' MB')} / {_fmt(result.final_uss_mb, ' MB')} / "
            f"{_fmt(result.peak_uss_mb, ' MB')}",
        ),
        (
            "Open files / threads (max)",
            f"{_fmt(result.open_files_initial)} -> {_fmt(result.open_files_final)} "
            f"({_fmt(result.open_files_max)}) / {_fmt(result.threads_initial)} -> "
            f"{_fmt(result.threads_final)} ({_fmt(result.threads_max)})",
        ),
        (
            "Least squares (all samples)",
            f"{_fmt(result.ols_slope_mb_per_hour, ' MB/h')}, R² {_fmt(result.ols_r_squared)}",
        ),
        (
            "Samples",
            f"{result.samples:,} every {_fmt(result.interval_s)} s over "
            f"{format_duration(result.duration_s)}; sampling took "
            f"{_fmt(result.sampling_ms_mean, ' ms')} each",
        ),
    ]


def _p_value(p: float) -> str:
    # Three significant digits: a tiny p shown as 0.000 reads as impossible.
    return f"{p:.3g}" if math.isfinite(p) else "n/a"


def _windows_cell(result: MemoryResult) -> str:
    leak = result.leak
    if leak.collections_s:
        cycle = (
            f"{len(leak.collections_s)} collections (falls of {_fmt(leak.min_fall_mb, ' MB')} "
            f"or more), longest stretch without one after warm-up "
            f"{format_duration(leak.cycle_s) if math.isfinite(leak.cycle_s) else 'n/a'}"
        )
    else:
        cycle = "no collection cycle seen"
    windows = "n/a"
    if leak.window_floors:
        windows = (
            f"{len(leak.floors)} floors {format_duration(leak.stretch_s)} apart in "
            f"{len(leak.window_floors)} windows of {format_duration(leak.window_s)}"
        )
    return (
        f"{format_duration(leak.warmup_s)} / {cycle} / {windows}; sawtooth "
        f"{_fmt(leak.sawtooth_mb, ' MB')}, window floor jitter "
        f"{_fmt(leak.floor_jitter_mb, ' MB')}"
    )


def render_mapping_growth(result: MemoryResult) -> str:
    """Growth by kind of memory mapping between the first and last sample."""
    if not result.mapping_growth:
        return ""
    body = "".join(
        f"<tr><td>{escape(g.name)}</td><td>{_fmt(g.before / BYTES_PER_MB)}</td>"
        f"<td>{_fmt(g.after / BYTES_PER_MB)}</td><td><b>{_signed(g.growth / BYTES_PER_MB)}</b>"
        "</td></tr>"
        for g in result.mapping_growth
    )
    return (
        "<p>Where the memory grew (resident MB by mapping, first to last sample):</p>"
        "<table><tr><th>mapping</th><th>before</th><th>after</th><th>growth</th></tr>"
        f"{body}</table>"
    )


def render_html(result: MemoryResult) -> str:
    """Chart, table and, for a leak, the mapping breakdown."""
    parts = [render_chart(result), render_table(result)]
    if result.verdict == "LEAK":
        parts.append(render_mapping_growth(result))
    if result.heap_comparison:
        parts.append(comparison_html(HeapComparison.from_dict(result.heap_comparison)))
    if result.heap_allocations:
        parts.append(allocation_html(AllocationProfile.from_dict(result.heap_allocations)))
    return "".join(p for p in parts if p)


def write_json(result: MemoryResult, path: str | os.PathLike[str]) -> None:
    """Write `result.to_dict()` to `path` atomically (temp file + rename)."""
    write_json_atomic(path, result.to_dict())


def save_json(
    result: MemoryResult, directory: str | os.PathLike[str] | None = None
) -> MemoryResult:
    """Save the result under `directory` (default ``${OUTPUT DIR}/perfgate``) with a name no
    pabot process collides on.

    Returns it with `json_path` set.
    """
    path = artifact_path("memory", result.alias or "memory", ".json", directory)
    saved = replace(result, json_path=str(path))
    write_json(saved, path)
    return saved
