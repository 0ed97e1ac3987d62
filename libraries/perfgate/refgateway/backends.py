"""Simulated backends behind the gateway and their latency distributions.

Profiles: `fast` (log-normal, median 2 ms, always under 10 ms), `slow`
(exactly --slow-ms, 500 ms by default), `mixed` (slow with probability
--mixed-slow-fraction, else fast) and `none` (no backend hop at all).
"""

from __future__ import annotations

import asyncio
import math
import random

from aiohttp import web

from .options import BACKEND_PROFILES
from .state import STATE
from .timing import TIMING

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


def choose_profile(request: web.Request, route: str) -> str:
    """`?backend=` wins over the route's configured profile."""
    asked = request.query.get("backend")
    if asked is None:
        return request.app[STATE].options.route_backends.get(route, "none")
    if asked not in BACKEND_PROFILES:
        raise web.HTTPBadRequest(
            text=f"?backend={asked!r} is unknown; use one of {', '.join(BACKEND_PROFILES)}."
        )
    return asked


async def call_backend(request: web.Request, route: str, since_ns: int) -> int:
    """Route the request to its backend and wait for the simulated answer.

    Charges choosing the backend to `route` and the wait to `backend` in the
    request's Server-Timing; returns the time it finished.
    """
    timing = request[TIMING]
    state = request.app[STATE]
    profile = choose_profile(request, route)
    opts = state.options
    delay_ms = backend_delay_ms(profile, state.rng, opts.slow_ms, opts.mixed_slow_fraction)
    t = timing.add("route", since_ns)
    if delay_ms > 0:
        await asyncio.sleep(delay_ms / 1000)
    return timing.add("backend", t)
