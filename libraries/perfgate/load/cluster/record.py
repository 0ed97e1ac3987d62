"""What a run on a cluster reports, for the result to carry: which machine
ran which load worker, and how well their clocks were known.

A result of a run on a cluster has it in its `cluster` field (None for a run
on this machine): ``${result.cluster.clock_error_s}``,
``${result.cluster.machines()}``, and in the saved JSON under ``"cluster"``
with the figures `to_dict` adds (``machines``, ``clock_error_s``,
``suspect``). `attach` puts it there, with its warning, and names the
machine in the generator's CPU warnings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from html import escape
from typing import Any, Protocol

from perfgate.itemaccess import ItemAccess
from perfgate.load.cluster.clock import CLOCK_BOUND_S
from perfgate.load.generator_health import name_machines


@dataclass
class PlacedWorker(ItemAccess):
    index: int  # the load worker, from 0
    machine: str  # host name of the machine that ran it
    dask_worker: str  # the Dask worker's address
    pid: int | None = None  # the load worker's process, on that machine
    clock_offset_s: float = 0.0  # that machine's monotonic clock minus the coordinator's
    clock_error_s: float = 0.0  # how far that offset may be off during the run
    # Event protocols: added to the publisher's send stamps this worker read (its clock
    # minus the publisher's machine's); 0 on the publisher's machine.
    stamp_shift_s: float = 0.0


@dataclass
class ClusterRun(ItemAccess):
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

    def machines_text(self) -> str:
        """'host-a: workers 1, 3; host-b: workers 2, 4 (clocks within 0.4 ms)', for the report."""
        where = "; ".join(
            f"{machine}: worker{'s' if len(ws) > 1 else ''} {', '.join(map(str, ws))}"
            for machine, ws in self.machines().items()
        )
        return f"{where} (clocks within {self.clock_error_s * 1000:.1f} ms)"

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "machines": self.machines(),
            "clock_error_s": self.clock_error_s,
            "suspect": self.suspect,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClusterRun:
        """Back from `to_dict` (a saved result); the figures it adds are computed again."""
        names = {"scheduler", "clock_bound_s", "call_to_start_s"}
        run = cls(**{k: v for k, v in data.items() if k in names})
        run.workers = [PlacedWorker(**w) for w in data.get("workers", [])]
        return run


class ClusterResult(Protocol):
    """What `attach` sets on a result of any protocol."""

    cluster: ClusterRun | None
    suspect: bool

    @property
    def warnings(self) -> list[str]: ...


def attach(result: ClusterResult, run: ClusterRun | None, cpu_percent: list[float]) -> None:
    """Put `run` on `result`: the generator's warnings name the machine of a busy worker,
    and clocks known too poorly make the result suspect, with one sentence saying why."""
    if run is None:
        return
    result.cluster = run
    machines = [w.machine for w in sorted(run.workers, key=lambda w: w.index)]
    result.warnings[:] = name_machines(result.warnings, cpu_percent, machines)
    if run.suspect:
        result.warnings.extend(run.warnings())
        result.suspect = True
    notes = getattr(result, "notes", None)  # the event protocols' results
    if notes is not None and any(w.stamp_shift_s for w in run.workers):
        notes.append(
            f"The publisher's send stamps were moved onto each other machine's clock by the "
            f"measured offsets: latencies across machines are known within "
            f"{2 * run.clock_error_s * 1000:.1f} ms."
        )


def cluster_json(run: ClusterRun | None) -> dict[str, Any] | None:
    """A result's ``"cluster"`` in its JSON (None: the run was on this machine)."""
    return None if run is None else run.to_dict()


def read_cluster(data: Any) -> ClusterRun | None:
    """A saved result's ``"cluster"`` back (None for a run on this machine or an older file)."""
    return ClusterRun.from_dict(data) if isinstance(data, dict) else None


def machine_rows(run: ClusterRun | None) -> list[tuple[str, str]]:
    """The report table's row saying which machine ran which load worker (none locally)."""
    return [] if run is None else [("Machines", escape(run.machines_text()))]
