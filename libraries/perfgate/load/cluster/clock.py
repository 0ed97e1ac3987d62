"""One start instant across machines: each Dask worker's monotonic clock
against the coordinator's.

The coordinator reads its clock (t0), asks the Dask worker for its own
(`Client.run(time.monotonic_ns)`), and reads its clock again (t1). The
worker's reading was taken somewhere between t0 and t1, so its offset is
`remote - (t0 + t1) / 2` give or take half the round trip. Of ROUNDS tries
the shortest round trip is kept: the one least disturbed by scheduling.

The offset is measured before the start instant (to translate it into each
machine's clock) and again after the run: clocks drift (an unsynchronised
crystal by tens of ppm, over an hour tens of ms), so the run's error is the
larger of the first uncertainty and the drift plus the second.

Per-second rows from different machines are merged by their second: a
clock known only within more than CLOCK_BOUND_S (1 % of a row, the bound
PerfGate uses for a wall clock that moved during a run) makes the result
suspect.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

ROUNDS = 8
CLOCK_BOUND_S = 0.010


@dataclass(frozen=True)
class ClockOffset:
    offset_ns: int  # the Dask worker's time.monotonic_ns() minus the coordinator's
    uncertainty_ns: int  # half the best round trip
    round_trip_ns: int


def measure(client: Any, address: str, rounds: int = ROUNDS) -> ClockOffset:
    """The offset of the Dask worker at `address`, from the best of `rounds` round trips."""
    best: ClockOffset | None = None
    for _ in range(rounds):
        t0 = time.monotonic_ns()
        remote = int(client.run(time.monotonic_ns, workers=[address])[address])
        t1 = time.monotonic_ns()
        if best is None or t1 - t0 < best.round_trip_ns:
            best = ClockOffset(remote - (t0 + t1) // 2, (t1 - t0 + 1) // 2, t1 - t0)
    assert best is not None
    return best


def run_error_ns(before: ClockOffset, after: ClockOffset | None) -> int:
    """How far the offset used for the run may be off at any time during it."""
    if after is None:  # not measured again (the run failed): what is known
        return before.uncertainty_ns
    drift = abs(after.offset_ns - before.offset_ns)
    return max(before.uncertainty_ns, drift + after.uncertainty_ns)
