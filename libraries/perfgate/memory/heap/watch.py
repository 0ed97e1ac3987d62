"""Heap snapshots around a monitored run (``Start Memory Monitor ... heap_snapshots=True``).

The first snapshot is taken once the warm-up is over (``warmup=`` given as
a duration; a share of the run is not known in advance, so then at the
start, with a note), in a timer thread beside the sampler; the second when
the monitor stops, after its last reading, so that its pause is outside the
series. Their comparison names what grew, for a LEAK's reason.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from perfgate.errors import sentence
from perfgate.memory.heap.compare import DEFAULT_MIN_BYTES, DEFAULT_MIN_COUNT, HeapComparison
from perfgate.memory.heap.snapshot import HeapSnapshot
from perfgate.memory.heap.tools import HeapTools


@dataclass
class HeapOutcome:
    """The comparison (None when there was no pair of snapshots) and what to note."""

    comparison: HeapComparison | None
    notes: list[str] = field(default_factory=list)


class HeapWatch:
    """Takes a snapshot after `warmup_s` (None: at once) and one at `finish()`."""

    def __init__(
        self,
        tools: HeapTools,
        target: Any,
        warmup_s: float | None,
        timeout_s: float = 120.0,
    ) -> None:
        tools.target(target)  # a target without an inspector fails at the start, not the end
        self._tools = tools
        self._target = target
        self._warmup_s = warmup_s
        self._timeout_s = timeout_s
        self._began = 0.0
        self._before: HeapSnapshot | None = None
        self._notes: list[str] = []
        self._timer: threading.Timer | None = None

    @property
    def before(self) -> HeapSnapshot | None:
        """The snapshot after the warm-up, once taken."""
        return self._before

    def start(self) -> None:
        self._began = time.monotonic()
        if self._warmup_s is None:
            self._notes.append(
                "The first heap snapshot was taken at the start: give warmup= as a duration to "
                "take it after the warm-up."
            )
        self._timer = threading.Timer(self._warmup_s or 0.0, self._take_first)
        self._timer.daemon = True
        self._timer.name = "perfgate-heap-snapshot"
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _take_first(self) -> None:
        try:
            self._before = self._take()
        except Exception as exc:  # reported when the monitor stops, not lost in a thread
            self._notes.append(f"The heap snapshot after the warm-up failed: {sentence(exc)}")

    def _take(self) -> HeapSnapshot:
        at = time.monotonic() - self._began
        snapshot = self._tools.snapshot(self._target, self._timeout_s)
        pause = f", the gateway paused {snapshot.pause_s:.2f} s" if snapshot.pause_s else ""
        self._notes.append(
            f"Heap snapshot at {at:.1f} s: took {snapshot.took_s:.2f} s{pause} ({snapshot.path})."
        )
        return snapshot

    def finish(
        self, min_bytes: int = DEFAULT_MIN_BYTES, min_count: int = DEFAULT_MIN_COUNT
    ) -> HeapOutcome:
        """The second snapshot and the comparison; never raises (the monitor's result comes first)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join(self._timeout_s + 5)
        if self._before is None:
            if not any("failed" in note for note in self._notes):
                self._notes.append("The run ended before the warm-up: no heap snapshot to compare.")
            return HeapOutcome(None, self._notes)
        try:
            after = self._take()
            comparison = self._tools.compare(self._before, after, min_bytes, min_count)
        except Exception as exc:
            self._notes.append(f"The heap snapshot at the end failed: {sentence(exc)}")
            return HeapOutcome(None, self._notes)
        return HeapOutcome(comparison, self._notes)
