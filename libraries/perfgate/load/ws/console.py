"""The progress line a WebSocket run prints, so a CI log shows it is alive."""

from __future__ import annotations

import math
from collections.abc import Callable

from perfgate.load.ws.merge import WsProgress
from perfgate.load.ws.result import NAN
from perfgate.measure.units import format_ms

PRINT_EVERY_S = 5.0


def progress_line(label: str, progress: WsProgress) -> str:
    """``[broadcast] 12/30 s  connected 50/50  2,000 events/s  p95 3.2 ms  lost 0  drops 0``.

    The event rate and p95 are the last second's (``p95 n/a`` for a second
    without a latency, and for every second of a run that measures none);
    losses and disconnections are running totals (losses as found so far:
    exact counts come at the end).
    """
    row = progress.row
    phase = "  warm-up" if progress.warmup else ""
    digits = 0 if progress.duration_s >= 20 else 1
    failures = (
        f"  connect failures {progress.connect_failures:,}" if progress.connect_failures else ""
    )
    return (
        f"[{label}] {progress.elapsed_s:,.{digits}f}/{progress.duration_s:,.{digits}f} s{phase}  "
        f"connected {row.connected:,}/{row.target:,}  {row.events_per_s:,.0f} events/s  "
        f"p95 {format_ms(NAN if row.p95 is None else row.p95)}  lost {progress.lost:,}  "
        f"disconnections {progress.disconnections:,}{failures}"
    )


class ProgressPrinter:
    """Prints `progress_line` when `every_s` of run time passed since the last line."""

    def __init__(
        self, write: Callable[[str], None], label: str, every_s: float = PRINT_EVERY_S
    ) -> None:
        self.write = write
        self.label = label
        self.every_s = every_s
        self._last = -math.inf

    def __call__(self, progress: WsProgress) -> None:
        if progress.elapsed_s - self._last < self.every_s:
            return
        self._last = progress.elapsed_s
        self.write(progress_line(self.label, progress))
