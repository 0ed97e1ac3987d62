"""The heap keywords' core: snapshots named and saved, comparisons, allocation trackers by alias.

MemoryLibrary translates Robot's arguments and logs; this keeps what lives
between keywords and decides where snapshots go. What lives: one inspector
session per gateway, opened at its first snapshot or tracking and kept to
the end of the run (or until the gateway goes), because V8 numbers heap
objects per session and only snapshots of one session compare; and the
allocation trackers by alias. Snapshots go to ``${OUTPUT DIR}/perfgate/heap-<alias>-q<queue>-p<pid>-<n>.heapsnapshot``,
a name no pabot process collides on.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from perfgate.artifacts.paths import artifact_path, safe_name
from perfgate.memory.heap.compare import HeapComparison, compare_heaps
from perfgate.memory.heap.inspector import Inspector
from perfgate.memory.heap.pyalloc import PythonTracker
from perfgate.memory.heap.sampling import AllocationProfile, AllocationTracker
from perfgate.memory.heap.snapshot import HeapSnapshot, take_snapshot
from perfgate.memory.heap.targets import (
    ExitStatus,
    GatewayFinder,
    NodeTarget,
    PythonTarget,
    heap_target,
    node_target,
)

Tracker = AllocationTracker | PythonTracker


class HeapTools:
    """Snapshots and allocation tracking for one library instance."""

    def __init__(
        self,
        find_gateway: GatewayFinder,
        exit_status: ExitStatus,
        directory: Callable[[], str | os.PathLike[str] | None] = lambda: None,
    ) -> None:
        self._find_gateway = find_gateway
        self._exit_status = exit_status
        self._directory = directory
        self._trackers: dict[str, Tracker] = {}
        self._sessions: dict[str, Inspector] = {}
        self._numbers = itertools.count(1)

    def target(self, target: Any) -> NodeTarget:
        return node_target(target, self._find_gateway, self._exit_status)

    def any_target(self, target: Any) -> NodeTarget | PythonTarget:
        """A Node inspector or a Python gateway's processes (memray)."""
        return heap_target(target, self._find_gateway, self._exit_status)

    def session(self, target: NodeTarget) -> Inspector:
        """The open session with `target`'s inspector, opened now if there is none (or it broke)."""
        found = self._sessions.get(target.inspector_url)
        if found is not None and found.connected:
            return found
        opened = Inspector(target.inspector_url)
        self._sessions[target.inspector_url] = opened
        return opened

    def _drop(self, target: NodeTarget) -> None:
        """Forget a session that failed: the next use opens a fresh one."""
        found = self._sessions.pop(target.inspector_url, None)
        if found is not None:
            found.close()

    def snapshot(self, target: Any, timeout_s: float) -> HeapSnapshot:
        """A snapshot of `target`'s heap saved beside log.html, and its summary."""
        found = self.target(target)
        label = getattr(target, "alias", None) or (target if isinstance(target, str) else "")
        if str(label).startswith("ws://"):
            label = "inspector"
        path = artifact_path(
            "heap", safe_name(str(label), "heap"), ".heapsnapshot", self._directory()
        )
        try:
            return take_snapshot(
                self.session(found),
                path,
                target=found.label,
                timeout_s=timeout_s,
                health_url=found.health_url,
                exit_status=found.exit_status,
            )
        except (ConnectionError, TimeoutError):
            self._drop(found)
            raise

    @staticmethod
    def compare(
        before: HeapSnapshot | str, after: HeapSnapshot | str, min_bytes: int, min_count: int
    ) -> HeapComparison:
        """The comparison of two snapshots; ValueError for two of different sessions."""
        if (
            isinstance(before, HeapSnapshot)
            and isinstance(after, HeapSnapshot)
            and before.session_id != after.session_id
        ):
            raise ValueError(
                "The two snapshots were taken in different inspector sessions (the gateway "
                "restarted, or the session broke in between), and V8 numbers objects afresh in "
                "each: take both again in one."
            )
        return compare_heaps(_path(before), _path(after), min_bytes, min_count)

    def start_tracking(self, target: Any, interval_bytes: int, alias: str = "") -> Tracker:
        name = alias or f"allocations{next(self._numbers)}"
        if name in self._trackers:
            raise ValueError(
                f"Allocation tracking '{name}' is already running; stop it first or give "
                "another alias."
            )
        found = self.any_target(target)
        if isinstance(found, PythonTarget):
            python = self.python_tracker(target, found, name)
            python.start()
            self._trackers[name] = python
            return python
        tracker = AllocationTracker(found, self.session(found), interval_bytes, name)
        try:
            tracker.start()
        except (ConnectionError, TimeoutError):
            self._drop(found)
            raise
        self._trackers[name] = tracker
        return tracker

    def python_tracker(self, target: Any, found: PythonTarget, name: str) -> PythonTracker:
        """A memray tracker for `found`, not started nor kept here; its files beside log.html."""
        label = safe_name(getattr(target, "alias", None) or str(target), "python")
        return PythonTracker(
            found, name, artifact_path("allocations", label, ".bin", self._directory())
        )

    def stop_tracking(self, tracker: Tracker | str | None, timeout_s: float) -> AllocationProfile:
        name = tracker.alias if isinstance(tracker, Tracker) else (tracker or "")
        if not name and self._trackers:
            name = list(self._trackers)[-1]
        if not name:
            raise ValueError(
                "No allocation tracking is running; start it with Start Allocation Tracking."
            )
        if name not in self._trackers:
            running = ", ".join(self._trackers) or "none"
            raise ValueError(
                f"No allocation tracking '{name}' is running (running: {running}); start it "
                "with Start Allocation Tracking."
            )
        found = self._trackers.pop(name)
        if isinstance(found, PythonTracker):
            return found.stop(timeout_s)  # its failures are one sentence already
        try:
            return found.stop(timeout_s)
        except (ConnectionError, TimeoutError) as exc:
            self._drop(found.target)
            status = found.target.exit_status()
            if status is None:
                raise
            raise ConnectionError(
                f"{found.target.label} exited during allocation tracking: {status}"
            ) from exc

    def forget_trackers(self) -> list[str]:
        """Drops the trackers still running (a test forgot them); their aliases.

        A Node tracker's sampling ends with its session, at the end of the
        run; memray is detached from a Python gateway at once.
        """
        names = list(self._trackers)
        self._abandon()
        return names

    def _abandon(self) -> None:
        for tracker in self._trackers.values():
            if isinstance(tracker, PythonTracker):
                tracker.abandon()
        self._trackers.clear()

    def close_all(self) -> None:
        """Closes every session and detaches memray (the run ends)."""
        self._abandon()
        for session in self._sessions.values():
            session.close()
        self._sessions.clear()


def _path(snapshot: HeapSnapshot | str | Path) -> str:
    if isinstance(snapshot, HeapSnapshot):
        return snapshot.path
    if isinstance(snapshot, (str, Path)) and str(snapshot).endswith(".heapsnapshot"):
        return str(snapshot)
    raise ValueError(
        "expected a snapshot from Take Heap Snapshot or the path of a .heapsnapshot file, got "
        f"{type(snapshot).__name__}."
    )
