"""The figures of an HTTP run's progress line (the frame: `perfgate.load.console`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from perfgate.load import console
from perfgate.load.http.result import Progress
from perfgate.measure.units import format_ms


def figures(progress: Progress, unit: str, open_model: bool) -> str:
    """``412 req/s  p95 12.3 ms  errors 3 (0.05%)  clients 37``.

    Rate and p95 are the last second's (what is happening now), with its
    successful responses (``412 req/s (0 ok)``) when some failed; errors are
    the total of the measured period so far.
    """
    row = progress.row
    good = row.requests - row.errors
    ok = f" ({good / row.width_s:,.0f} ok)" if row.errors and row.width_s > 0 else ""
    target = f" (target {row.target:,.0f})" if open_model else ""
    errors = (
        ""
        if progress.warmup
        else f"  errors {progress.errors:,} ({progress.error_rate * 100:.2f}%)"
    )
    missed = f"  missed {progress.missed:,}" if progress.missed else ""
    return (
        f"{row.rps:,.0f} req/s{ok}{target}  p95 {format_ms(row.p95)}{errors}  "
        f"{unit} {row.active:,}{missed}"
    )


def progress_line(label: str, progress: Progress, unit: str, open_model: bool) -> str:
    """``[stress] 12/60 s  412 req/s  p95 12.3 ms  errors 3 (0.05%)  clients 37``."""
    return console.progress_line(label, progress, figures(progress, unit, open_model))


def progress_printer(
    write: Callable[[str], None],
    label: str,
    unit: str,
    open_model: bool,
    every_s: float = console.PRINT_EVERY_S,
) -> console.ProgressPrinter[Progress]:
    """Prints the line every `every_s` of run time; `unit` names the active count."""
    return console.ProgressPrinter(
        write, label, partial(figures, unit=unit, open_model=open_model), every_s
    )
