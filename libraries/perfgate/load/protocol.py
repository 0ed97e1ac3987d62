"""What a protocol plugs into the load pipeline.

The coordinator (`perfgate.load.coordinator`) knows worker processes,
their pipes, one start instant and per-second snapshots. Everything that
belongs to a protocol reaches it from here: a `LoadProtocol` says what is
fixed for the protocol (its worker module, how messages name a worker,
which worker messages concern the other workers, what a fatal message
raises), and a `WorkerRun` what one run brings (a plan per worker, the
aggregator the snapshots go to, the hook that reads the workers' ready
messages, the time the run may take).

A protocol's worker speaks the convention of `perfgate.load.worker`:
("ready", info), then ("second", snapshot) until one has "final": True,
and ("error", traceback) or ("fatal", sentence) when it cannot go on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from perfgate.load.seconds import Snapshot

P = TypeVar("P")


class WorkerError(RuntimeError):
    """A load worker failed or vanished; the message says which and why."""


class Aggregating(Protocol[P]):
    """Where the snapshots go: a `perfgate.load.seconds.SecondMerge`, typically."""

    def add(self, snap: Snapshot) -> list[P]: ...

    def flush(self) -> list[P]: ...


@dataclass(frozen=True)
class LoadProtocol:
    # How messages name one worker: "load worker" gives "load worker 2 failed: ...".
    worker_name: str
    # Started as `python -m <worker_module> FD PARENT_PID` (see perfgate.load.worker).
    worker_module: str
    # Kinds of worker message passed on to every other running worker, as they are.
    relayed: frozenset[str] = frozenset()
    # What a ("fatal", sentence) message raises: a run that cannot go on, said in one sentence.
    fatal: Callable[[str], BaseException] = WorkerError


@dataclass
class WorkerRun(Generic[P]):
    protocol: LoadProtocol
    plans: Sequence[Any]  # one a worker, pickled to it
    aggregator: Aggregating[P]
    # Seconds from the start instant after which unfinished workers are an error, and that error.
    finish_within_s: float
    overdue: str
    # Every worker's ready info, in order, before the start instant; may raise to call off the run.
    on_ready: Callable[[list[Any]], None] | None = None
