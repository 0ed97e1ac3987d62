"""The progress line every load run prints every few seconds, so a CI log shows it is alive.

``[label] 12/60 s  ETA 48 s  warm-up  <figures>``: the frame (label, run time,
time left, phase) is the same for every protocol; the figures after it are the protocol's
(`perfgate.load.http.console`, `perfgate.load.ws.console`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

PRINT_EVERY_S = 5.0


class RunClock(Protocol):
    """Where a run stands: what every protocol's progress carries."""

    elapsed_s: float
    duration_s: float
    warmup: bool


C = TypeVar("C", bound=RunClock)


def eta(seconds: float) -> str:
    """Time left as a person reads it: ``48 s``, ``12 min 05 s``, ``1 h 02 min``."""
    left = max(0, round(seconds))
    if left < 120:
        return f"{left} s"
    hours, rest = divmod(left, 3600)
    return f"{hours} h {rest // 60:02d} min" if hours else f"{rest // 60} min {rest % 60:02d} s"


def progress_line(label: str, progress: RunClock, figures: str) -> str:
    """``[label] 12/60 s  ETA 48 s  <figures>``, with ``warm-up`` before the figures during
    the warm-up; the ETA is the run time left."""
    phase = "  warm-up" if progress.warmup else ""
    digits = 0 if progress.duration_s >= 20 else 1  # a CI-scaled run lasts seconds
    left = eta(progress.duration_s - progress.elapsed_s)
    return (
        f"[{label}] {progress.elapsed_s:,.{digits}f}/{progress.duration_s:,.{digits}f} s  "
        f"ETA {left}{phase}  {figures}"
    )


class ProgressPrinter(Generic[C]):
    """Writes the progress line when `every_s` of run time passed since the last one;
    `figures` gives the protocol's part of it."""

    def __init__(
        self,
        write: Callable[[str], None],
        label: str,
        figures: Callable[[C], str],
        every_s: float = PRINT_EVERY_S,
    ) -> None:
        self.write = write
        self.label = label
        self.figures = figures
        self.every_s = every_s
        self._last = -math.inf

    def __call__(self, progress: C) -> None:
        if progress.elapsed_s - self._last < self.every_s:
            return
        self._last = progress.elapsed_s
        self.write(self.line(progress))

    def line(self, progress: C) -> str:
        """The progress line of `progress`, whenever it is due or not (the live file's)."""
        return progress_line(self.label, progress, self.figures(progress))
