"""What a run on a cluster reports, for the result to carry: which machine
ran which load worker, and how well their clocks were known."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from perfgate.load.cluster.clock import CLOCK_BOUND_S


@dataclass
class PlacedWorker:
    index: int  # the load worker, from 0
    machine: str  # host name of the machine that ran it
    dask_worker: str  # the Dask worker's address
    pid: int | None = None  # the load worker's process, on that machine
    clock_offset_s: float = 0.0  # that machine's monotonic clock minus the coordinator's
    clock_error_s: float = 0.0  # how far that offset may be off during the run


@dataclass
class ClusterRun:
    scheduler: str  # the scheduler's address (a LocalCluster's, for cluster=local)
    workers: list[PlacedWorker] = field(default_factory=list)
    clock_bound_s: float = CLOCK_BOUND_S
    # From the call to the start instant: connecting is done, so this is spawning,
    # relaying the ready messages and measuring the clocks.
    call_to_start_s: float = 0.0

    @property
    def clock_error_s(self) -> float:
        """The largest clock error of any load worker: what the merge by seconds may be off."""
        return max((w.clock_error_s for w in self.workers), default=0.0)

    @property
    def suspect(self) -> bool:
        return self.clock_error_s > self.clock_bound_s

    def warnings(self) -> list[str]:
        """One sentence when the clocks were known too poorly to merge seconds across machines."""
        if not self.suspect:
            return []
        worst = max(self.workers, key=lambda w: w.clock_error_s)
        return [
            f"the clock of {worst.machine} was known only within "
            f"{worst.clock_error_s * 1000:.1f} ms of this machine's (bound "
            f"{self.clock_bound_s * 1000:g} ms): per-second rows of different machines "
            "may be merged across seconds."
        ]

    def machines(self) -> dict[str, list[int]]:
        """Machine -> the load workers (from 1) it ran."""
        out: dict[str, list[int]] = {}
        for w in self.workers:
            out.setdefault(w.machine, []).append(w.index + 1)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "clock_error_s": self.clock_error_s,
            "suspect": self.suspect,
        }
