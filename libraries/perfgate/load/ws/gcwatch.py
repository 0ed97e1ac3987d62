"""This process's garbage-collector pauses: while one runs, no receipt is timestamped.

A worker holding thousands of connections has millions of objects; a full
collection over them can pause the event loop for tens of milliseconds, and
every event that arrives meanwhile looks that much later. The pauses are
measured (and reported with the result) so that a latency figure is never
silently the tool's own. Freezing the objects that exist once every client
is connected (`gc.freeze`) keeps later full collections from walking them.
"""

from __future__ import annotations

import gc
import time
from typing import Any


class GcWatch:
    def __init__(self) -> None:
        self.max_ns = 0
        self.total_ns = 0
        self._began = 0
        self.frozen = False
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter_ns()
        elif self._began:
            pause = time.perf_counter_ns() - self._began
            self.total_ns += pause
            self.max_ns = max(self.max_ns, pause)

    def drain(self) -> tuple[float, float]:
        """(longest pause, all pauses) in ms since the last call."""
        figures = (self.max_ns / 1e6, self.total_ns / 1e6)
        self.max_ns = self.total_ns = 0
        return figures

    def freeze(self) -> None:
        """Move every object alive now out of the collector's reach, once.

        No collection first: over thousands of connections that would itself
        be the pause this avoids (a few short-lived objects frozen cost nothing).
        """
        if not self.frozen:
            self.frozen = True
            gc.freeze()

    def close(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
