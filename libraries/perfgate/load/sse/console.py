"""The figures of an SSE run's progress line (the frame: `perfgate.load.console`)."""

from __future__ import annotations

from collections.abc import Callable

from perfgate.load import console
from perfgate.load.sse.merge import SseProgress
from perfgate.measure.units import format_ms


def figures(progress: SseProgress) -> str:
    """``streams 50/50  200 events/s  p95 3.2 ms  lost 0  disconnections 0``: the rate and
    p95 of the last second, losses (as found so far) and disconnections as running totals."""
    row = progress.row
    failures = (
        f"  connect failures {progress.connect_failures:,}" if progress.connect_failures else ""
    )
    p95 = format_ms(float("nan") if row.p95 is None else row.p95)
    return (
        f"streams {row.connected:,}/{row.target:,}  {row.events_per_s:,.0f} events/s  p95 {p95}  "
        f"lost {progress.lost:,}  disconnections {progress.disconnections:,}{failures}"
    )


def progress_printer(
    write: Callable[[str], None], label: str, every_s: float = console.PRINT_EVERY_S
) -> console.ProgressPrinter[SseProgress]:
    """Prints the line every `every_s` of run time."""
    return console.ProgressPrinter(write, label, figures, every_s)
