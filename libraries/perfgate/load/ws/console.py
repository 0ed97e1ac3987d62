"""The figures of a WebSocket run's progress line (the frame: `perfgate.load.console`)."""

from __future__ import annotations

from collections.abc import Callable

from perfgate.load import console
from perfgate.load.resultjson import NAN
from perfgate.load.ws.merge import WsProgress
from perfgate.measure.units import format_ms


def figures(progress: WsProgress) -> str:
    """``connected 50/50  2,000 events/s  p95 3.2 ms  lost 0  disconnections 0``.

    The event rate and p95 are the last second's (``p95 n/a`` for a second
    without a latency, and for every second of a run that measures none);
    losses and disconnections are running totals (losses as found so far:
    exact counts come at the end).
    """
    row = progress.row
    failures = (
        f"  connect failures {progress.connect_failures:,}" if progress.connect_failures else ""
    )
    return (
        f"connected {row.connected:,}/{row.target:,}  {row.events_per_s:,.0f} events/s  "
        f"p95 {format_ms(NAN if row.p95 is None else row.p95)}  lost {progress.lost:,}  "
        f"disconnections {progress.disconnections:,}{failures}"
    )


def progress_line(label: str, progress: WsProgress) -> str:
    """``[broadcast] 12/30 s  connected 50/50  2,000 events/s  p95 3.2 ms  lost 0 ...``."""
    return console.progress_line(label, progress, figures(progress))


def progress_printer(
    write: Callable[[str], None], label: str, every_s: float = console.PRINT_EVERY_S
) -> console.ProgressPrinter[WsProgress]:
    """Prints the line every `every_s` of run time."""
    return console.ProgressPrinter(write, label, figures, every_s)
