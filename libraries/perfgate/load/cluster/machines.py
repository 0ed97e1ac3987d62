"""The cluster's Dask workers as load slots: what each runs, and which
load worker goes where.

`describe` runs on every Dask worker (through `Client.run`) and says what
that machine has: its name, its Dask worker's PID, and the versions a run
depends on. PerfGate pickles plans and results between the coordinator and
the workers, and Dask pickles its tasks: a version that differs on one
machine is refused before anything starts, in one sentence naming it.

A Dask worker offers one load slot a thread (`dask worker --nthreads`, by
default one a core): each relay task holds a thread for the whole run, and
the load worker it starts is busy on a core. `place` spreads load workers
over machines first, so that two machines with two slots each get two
workers each rather than one machine all four.
"""

from __future__ import annotations

import os
import platform
import socket
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

import dask
import distributed

import perfgate


@dataclass(frozen=True)
class DaskWorker:
    """One Dask worker as the coordinator sees it."""

    address: str  # tcp://10.0.0.7:40331
    machine: str  # the host name it reports
    slots: int  # its threads: load workers it may run at once
    pid: int  # its process, on its machine
    versions: dict[str, str]


def describe() -> dict[str, Any]:
    """What this process runs (called on each Dask worker, and here to compare)."""
    return {
        "machine": socket.gethostname(),
        "pid": os.getpid(),
        "versions": {
            "PerfGate": perfgate.__version__,
            "dask": dask.__version__,
            "distributed": distributed.__version__,
            "Python": ".".join(platform.python_version_tuple()[:2]),
        },
    }


def dask_workers(info: dict[str, Any], described: dict[str, dict[str, Any]]) -> list[DaskWorker]:
    """The scheduler's workers (`Client.scheduler_info()`) with what each described."""
    return [
        DaskWorker(
            address=address,
            machine=str(described[address]["machine"]),
            slots=int(worker["nthreads"]),
            pid=int(described[address]["pid"]),
            versions=dict(described[address]["versions"]),
        )
        for address, worker in sorted(info["workers"].items())
        if address in described
    ]


def check_versions(workers: list[DaskWorker], here: dict[str, str]) -> None:
    """Raise ValueError naming the first Dask worker whose versions differ from `here`."""
    for worker in workers:
        differ = [name for name, version in here.items() if worker.versions.get(name) != version]
        if differ:
            theirs = ", ".join(f"{n} {worker.versions.get(n, 'none')}" for n in differ)
            ours = ", ".join(f"{n} {here[n]}" for n in differ)
            raise ValueError(
                f"the Dask worker {worker.address} on {worker.machine} runs {theirs}, "
                f"this machine {ours}: install the same versions on every machine."
            )


def place(n: int, workers: list[DaskWorker], where: str) -> list[DaskWorker]:
    """The Dask worker of each of `n` load workers, machines taken in turn."""
    slots = sum(w.slots for w in workers)
    if n > slots:
        raise ValueError(
            f"workers={n} needs {n} cores but the cluster at {where} offers {slots} "
            f"({len(workers)} Dask workers, one load worker a thread): "
            "start more Dask workers or lower workers=."
        )
    by_machine: dict[str, list[DaskWorker]] = {}
    for worker in workers:
        by_machine.setdefault(worker.machine, []).extend([worker] * worker.slots)
    # Machine A's slots interleaved with machine B's: a1 b1 a2 b2 a3 ...; within a
    # machine the Dask workers alternate too.
    for machine, own in by_machine.items():
        by_machine[machine] = _interleave(own)
    turns = zip_longest(*by_machine.values())
    return [w for turn in turns for w in turn if w is not None][:n]


def _interleave(slots: list[DaskWorker]) -> list[DaskWorker]:
    groups: dict[str, list[DaskWorker]] = {}
    for w in slots:
        groups.setdefault(w.address, []).append(w)
    return [w for turn in zip_longest(*groups.values()) for w in turn if w is not None]
