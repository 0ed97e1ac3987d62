"""The Server-Timing header: where a request's time went, in milliseconds."""

from __future__ import annotations

import time

from aiohttp import web

COMPONENTS = ("parse", "route", "backend", "serialize")


class ServerTiming:
    """Accumulates nanoseconds per component for one request.

    Every component is always reported (0 when a route has no such step) so
    that a client can parse the header the same way on every route.
    """

    __slots__ = ("_ns", "started_ns")

    def __init__(self) -> None:
        self.started_ns = time.perf_counter_ns()
        self._ns = dict.fromkeys(COMPONENTS, 0)

    def add(self, component: str, since_ns: int) -> int:
        """Charge the time from `since_ns` to now to `component`; return now."""
        now = time.perf_counter_ns()
        self._ns[component] += now - since_ns
        return now

    def header(self) -> str:
        total = time.perf_counter_ns() - self.started_ns
        parts = [f"{name};dur={ns / 1e6:.3f}" for name, ns in self._ns.items()]
        parts.append(f"total;dur={total / 1e6:.3f}")
        return ", ".join(parts)


# web.RequestKey arrived in aiohttp 3.14, which also warns about plain string
# keys; older releases (the project allows 3.9+) take the string silently.
if hasattr(web, "RequestKey"):
    TIMING = web.RequestKey("perfgate_timing", ServerTiming)
else:  # pragma: no cover - aiohttp < 3.14
    TIMING = "perfgate_timing"  # type: ignore[assignment]
