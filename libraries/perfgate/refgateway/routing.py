"""Choosing a request's simulated backend and waiting for its answer."""

from __future__ import annotations

from aiohttp import web

from .backends import wait_ms
from .options import BACKEND_PROFILES
from .state import STATE
from .timing import TIMING


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
    delay_ms = request.app[STATE].delay_ms(choose_profile(request, route))
    t = timing.add("route", since_ns)
    if delay_ms <= 0:
        return t
    await wait_ms(delay_ms)
    return timing.add("backend", t)
