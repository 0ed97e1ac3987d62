"""Heap snapshots around a monitored run (``Start Memory Monitor ... heap_snapshots=True``).

The first snapshot is taken once the warm-up is over (``warmup=`` given as
a duration; a share of the run is not known in advance, so then at the
start, with a note), in a timer thread beside the sampler; the second when
the monitor stops, after its last reading, so that its pause is outside the
series. Their comparison names what grew, for a LEAK's reason.

A Python gateway has no snapshot to compare (docs/memory.md): there memray
is attached at the same moment and detached at the stop, and what the
window allocated and still holds, by site, takes the comparison's place.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from perfgate.errors import sentence
from perfgate.memory.heap.compare import DEFAULT_MIN_BYTES, DEFAULT_MIN_COUNT, HeapComparison
from perfgate.memory.heap.pyalloc import PythonTracker
from perfgate.memory.heap.sampling import AllocationProfile
from perfgate.memory.heap.snapshot import HeapSnapshot
from perfgate.memory.heap.targets import PythonTarget
from perfgate.memory.heap.tools import HeapTools


@dataclass
class HeapOutcome:
    """The comparison (None when there was no pair of snapshots) and what to note.

    `allocations`: a Python gateway's allocation sites instead of a comparison.
    `pauses`: (start, end) of each snapshot or attach, in seconds from the
    start, for the chart.
    """

    comparison: HeapComparison | None
    notes: list[str] = field(default_factory=list)
    allocations: AllocationProfile | None = None
    pauses: list[tuple[float, float]] = field(default_factory=list)


class HeapWatch:
    """Takes a snapshot (or attaches memray) after `warmup_s` (None: at once) and one at `finish()`."""

    def __init__(
        self,
        tools: HeapTools,
        target: Any,
        warmup_s: float | None,
        timeout_s: float = 120.0,
    ) -> None:
        # A target with no heap to look into fails at the start, not the end.
        found = tools.any_target(target)
        self._python = (
            tools.python_tracker(target, found, "heap-watch")
            if isinstance(found, PythonTarget)
            else None
        )
        if self._python is None:
            tools.target(target)  # a Python gateway aside, only Node's inspector will do
        self._tools = tools
        self._target = target
        self._warmup_s = warmup_s
        self._timeout_s = timeout_s
        self._began = 0.0
        self._before: HeapSnapshot | None = None
        self._tracking = False
        self._notes: list[str] = []
        self._pauses: list[tuple[float, float]] = []
        self._timer: threading.Timer | None = None

    @property
    def before(self) -> HeapSnapshot | None:
        """The snapshot after the warm-up, once taken."""
        return self._before

    @property
    def ready(self) -> bool:
        """Whether the first snapshot is on disk, or memray attached."""
        return self._before is not None or self._tracking

    def start(self, began: float | None = None) -> None:
        """Arms the timer; `began` is the monitor's start (monotonic), from which pauses count."""
        self._began = time.monotonic() if began is None else began
        if self._warmup_s is None:
            self._notes.append(
                "Allocation tracking started at the start: give warmup= as a duration to start "
                "it after the warm-up."
                if self._python
                else "The first heap snapshot was taken at the start: give warmup= as a duration "
                "to take it after the warm-up."
            )
        self._timer = threading.Timer(self._warmup_s or 0.0, self._take_first)
        self._timer.daemon = True
        self._timer.name = "perfgate-heap-snapshot"
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def abandon(self) -> None:
        """Cancels the timer and detaches memray: the monitor ends without a result."""
        self.cancel()
        if self._timer is not None:
            self._timer.join(self._timeout_s + 5)
        if self._python is not None and self._tracking:
            self._tracking = False
            self._python.abandon()

    def _take_first(self) -> None:
        try:
            if self._python is not None:
                self._attach(self._python)
            else:
                self._before = self._take()
        except Exception as exc:  # reported when the monitor stops, not lost in a thread
            what = "Attaching memray" if self._python else "The heap snapshot"
            self._notes.append(f"{what} after the warm-up failed: {sentence(exc)}")

    def _attach(self, tracker: PythonTracker) -> None:
        at = time.monotonic() - self._began
        tracker.start(self._timeout_s)
        self._tracking = True
        pause = f", the gateway paused {tracker.pause_s:.2f} s" if tracker.pause_s else ""
        self._pauses.append((at, at + tracker.attach_s))
        self._notes.append(
            f"Allocation tracking from {at:.1f} s: memray attached in {tracker.attach_s:.2f} s"
            f"{pause}."
        )

    def _take(self) -> HeapSnapshot:
        at = time.monotonic() - self._began
        snapshot = self._tools.snapshot(self._target, self._timeout_s)
        pause = f", the gateway paused {snapshot.pause_s:.2f} s" if snapshot.pause_s else ""
        self._pauses.append((at, at + snapshot.took_s))
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
        if not self.ready:
            if not any("failed" in note for note in self._notes):
                self._notes.append("The run ended before the warm-up: no heap snapshot to compare.")
            return HeapOutcome(None, self._notes, pauses=self._pauses)
        if self._python is not None:
            return self._stop_tracking(self._python)
        assert self._before is not None
        try:
            after = self._take()
            comparison = self._tools.compare(self._before, after, min_bytes, min_count)
        except Exception as exc:
            self._notes.append(f"The heap snapshot at the end failed: {sentence(exc)}")
            return HeapOutcome(None, self._notes, pauses=self._pauses)
        return HeapOutcome(comparison, self._notes, pauses=self._pauses)

    def _stop_tracking(self, tracker: PythonTracker) -> HeapOutcome:
        self._tracking = False
        try:
            profile = tracker.stop(self._timeout_s)
        except Exception as exc:
            self._notes.append(f"Stopping the allocation tracking failed: {sentence(exc)}")
            return HeapOutcome(None, self._notes, pauses=self._pauses)
        return HeapOutcome(None, self._notes, profile, self._pauses)
