"""The per-process state every handler reaches through `request.app[STATE]`."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from aiohttp import web

from .options import GatewayOptions


@dataclass
class GatewayState:
    options: GatewayOptions
    worker: int = 0
    started_ns: int = field(default_factory=time.monotonic_ns)
    rng: random.Random = field(default_factory=random.Random)
    # Open WebSockets, so that shutdown can send each a close frame.
    websockets: set[web.WebSocketResponse] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.options.seed is not None:
            # Each worker gets its own stream so workers do not fail in lock-step.
            self.rng.seed(self.options.seed * 1000 + self.worker)

    def uptime_s(self) -> float:
        return (time.monotonic_ns() - self.started_ns) / 1e9


STATE = web.AppKey("perfgate_state", GatewayState)
