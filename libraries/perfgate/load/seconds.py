"""The per-second merge every protocol shares: worker-seconds in, closed
seconds out, in order.

A second is closed when every worker has reported it, or has already sent
its final snapshot for an earlier second (it has nothing more to say).
`flush` closes what is left once the workers are done: a worker that died
sends no more. What closing a second means is the protocol's: its
aggregator subclasses `SecondMerge` and implements `close_second` and
`result`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Generic, TypeVar

P = TypeVar("P")  # what a closed second gives: the protocol's progress
R = TypeVar("R")  # the protocol's result

Snapshot = dict[str, Any]  # one worker-second: "worker", "second", "final" and the protocol's own


class SecondMerge(ABC, Generic[P, R]):
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pending: dict[int, list[Snapshot]] = {}
        self.final_second: dict[int, int] = {}  # worker -> the second of its final snapshot
        self.next_second = 0

    def add(self, snap: Snapshot) -> list[P]:
        """Take one worker-second; return progress for every second this closes."""
        self.pending.setdefault(int(snap["second"]), []).append(snap)
        if snap.get("final"):
            self.final_second[int(snap["worker"])] = int(snap["second"])
        out = []
        while self._complete(self.next_second):
            out.append(self.close_second(self.next_second, self.pending.pop(self.next_second)))
            self.next_second += 1
        return out

    def flush(self) -> list[P]:
        """Close every second still open (workers that died send no more)."""
        out = []
        while self.pending and self.next_second <= max(self.pending):
            if self.next_second in self.pending:
                out.append(self.close_second(self.next_second, self.pending.pop(self.next_second)))
            self.next_second += 1
        return out

    def _complete(self, second: int) -> bool:
        reported = {int(s["worker"]) for s in self.pending.get(second, [])}
        if not reported:
            return False
        return all(
            w in reported or (w in self.final_second and self.final_second[w] < second)
            for w in range(self.workers)
        )

    @abstractmethod
    def close_second(self, second: int, snaps: list[Snapshot]) -> P:
        """Merge the snapshots of `second` (one per worker that reported it)."""

    @abstractmethod
    def result(self, base: dict[str, Any], stopped_early: bool) -> R:
        """The run's result: `base` (what the run knew before it started) plus the merged figures."""


def per_worker(
    snaps: list[Snapshot], figure: str | Callable[[Snapshot], float]
) -> dict[int, float]:
    """The second's `figure` (a snapshot's key, ``cpu_s``, or what a function reads from
    it) by load worker: live export sums it by the machine that ran each worker
    (`perfgate.live.session`)."""
    out: dict[int, float] = {}
    for snap in snaps:
        worker = int(snap["worker"])
        value = figure(snap) if callable(figure) else snap[figure]
        out[worker] = out.get(worker, 0.0) + float(value)
    return out
