"""A worker's share of an event protocol's run (`WorkerPlan`), generic over the protocol's config.

The parent sends each worker process its plan first; worker `index` of
`count` runs every `count`-th client, so the ramp interleaves the workers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from perfgate.load.events.recorder import EventRecorder
from perfgate.load.events.stamps import check_time_format


class _Format(Protocol):
    @property
    def time_format(self) -> str: ...


class RunSettings(Protocol):
    """What the shared parts read of a protocol's run config."""

    @property
    def connections(self) -> int: ...

    @property
    def ramp(self) -> float: ...

    @property
    def duration_s(self) -> float: ...

    @property
    def warmup_s(self) -> float: ...

    @property
    def protocol(self) -> _Format: ...


ConfigT = TypeVar("ConfigT", bound=RunSettings)


@dataclass(frozen=True)
class WorkerPlan(Generic[ConfigT]):
    """Worker `index` of `count` runs every `count`-th client of the run."""

    config: ConfigT
    channel: str
    index: int
    count: int
    # On a cluster: this worker's monotonic clock minus the publisher's (worker 0's), added
    # to the send stamps it reads (`perfgate.load.cluster.crew`); 0 on the same machine.
    stamp_shift_ns: int = 0

    def client_starts(self, start_ns: int) -> list[tuple[int, int]]:
        """Its clients: each one's number in the run and when the ramp starts it."""
        ramp = self.config.ramp
        return [
            (g, start_ns + (0 if math.isinf(ramp) else int(g / ramp * 1e9)))
            for g in range(self.index, self.config.connections, self.count)
        ]

    def recorder(self, start_ns: int) -> EventRecorder:
        """The worker's recorder: the warm-up's end and the stamps' format are the run's."""
        warm_end_ns = start_ns + int(self.config.warmup_s * 1e9)
        return EventRecorder(
            warm_end_ns,
            start_ns,
            check_time_format(self.config.protocol.time_format),
            self.stamp_shift_ns,
        )
