"""The progress line a load run prints every few seconds, so a CI log shows it is alive."""

from __future__ import annotations

import math
from collections.abc import Callable

from perfgate.load.http.result import Progress
from perfgate.measure.units import format_ms

PRINT_EVERY_S = 5.0


def progress_line(label: str, progress: Progress, unit: str, open_model: bool) -> str:
    """``[stress] 12/60 s  412 req/s  p95 12.3 ms  errors 3 (0.05%)  clients 37``.

    Rate and p95 are the last second's (what is happening now), with its
    successful responses (``412 req/s (0 ok)``) when some failed; errors are
    the total of the measured period so far.
    """
    row = progress.row
    good = row.requests - row.errors
    ok = f" ({good / row.width_s:,.0f} ok)" if row.errors and row.width_s > 0 else ""
    target = f" (target {row.target:,.0f})" if open_model else ""
    phase = "  warm-up" if progress.warmup else ""
    errors = (
        ""
        if progress.warmup
        else f"  errors {progress.errors:,} ({progress.error_rate * 100:.2f}%)"
    )
    missed = f"  missed {progress.missed:,}" if progress.missed else ""
    digits = 0 if progress.duration_s >= 20 else 1  # a CI-scaled run lasts seconds
    return (
        f"[{label}] {progress.elapsed_s:,.{digits}f}/{progress.duration_s:,.{digits}f} s{phase}  "
        f"{row.rps:,.0f} req/s{ok}{target}  p95 {format_ms(row.p95)}{errors}  "
        f"{unit} {row.active:,}{missed}"
    )


class ProgressPrinter:
    """Prints `progress_line` when `every_s` of run time passed since the last line."""

    def __init__(
        self,
        write: Callable[[str], None],
        label: str,
        active_unit: str,
        open_model: bool,
        every_s: float = PRINT_EVERY_S,
    ) -> None:
        self.write = write
        self.label = label
        self.active_unit = active_unit
        self.open_model = open_model
        self.every_s = every_s
        self._last = -math.inf

    def __call__(self, progress: Progress) -> None:
        if progress.elapsed_s - self._last < self.every_s:
            return
        self._last = progress.elapsed_s
        self.write(progress_line(self.label, progress, self.active_unit, self.open_model))
