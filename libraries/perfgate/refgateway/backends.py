"""Simulated backends behind the gateway and their latency distributions.

Profiles: `fast` (log-normal, median 2 ms, always under 10 ms), `slow`
(exactly --slow-ms, 500 ms by default), `mixed` (slow with probability
--mixed-slow-fraction, else fast) and `none` (no backend hop at all).
"""

from __future__ import annotations

import asyncio
import math
import random
import time

from .options import BACKEND_PROFILES

_FAST_MEDIAN_MS = 2.0
_FAST_SIGMA = 0.6
_FAST_MIN_MS = 0.2
_FAST_MAX_MS = 9.5


def backend_delay_ms(
    profile: str, rng: random.Random, slow_ms: float, slow_fraction: float
) -> float:
    """Draw one backend latency in milliseconds for `profile`."""
    if profile == "none":
        return 0.0
    if profile == "slow" or (profile == "mixed" and rng.random() < slow_fraction):
        return slow_ms
    if profile in ("fast", "mixed"):
        drawn = rng.lognormvariate(math.log(_FAST_MEDIAN_MS), _FAST_SIGMA)
        return min(max(drawn, _FAST_MIN_MS), _FAST_MAX_MS)
    raise ValueError(f"backend profile {profile!r} is unknown; use one of {BACKEND_PROFILES}.")


async def wait_ms(ms: float) -> None:
    """Sleep at least `ms` milliseconds.

    uvloop's timers run on a millisecond clock cached per loop iteration and
    can fire up to a millisecond early; a simulated backend must never answer
    faster than its drawn latency, so the remainder is slept again.
    """
    end = time.perf_counter_ns() + int(ms * 1e6)
    while (left := end - time.perf_counter_ns()) > 0:
        await asyncio.sleep(left / 1e9)
