"""The per-process state every handler reaches through `request.app[STATE]`."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from prometheus_client.core import CounterMetricFamily

from . import prometheus
from .backends import backend_delay_ms
from .faults import Faults
from .options import GatewayOptions
from .pubsub import PubSubHub, Subscriber
from .rpc import RpcService
from .store import MissionStore, Spec, make_specs


@dataclass
class GatewayState:
    options: GatewayOptions
    worker: int = 0
    started_ns: int = field(default_factory=time.monotonic_ns)
    rng: random.Random = field(default_factory=random.Random)
    # Open WebSockets, so that shutdown can send each a close frame.
    websockets: set[web.WebSocketResponse] = field(default_factory=set)
    # Open SSE streams (`sse.py`), so that shutdown can end each.
    sse_streams: set[Subscriber] = field(default_factory=set)
    # Set once the server runs; None in tests that use the app without one.
    http_server: web.Server | None = None
    # Connections allowed under --max-connections (bounded by that limit).
    admitted: set[RequestHandler] = field(default_factory=set)
    rejected_connections: int = 0
    # Requests inside the middleware now; an open WebSocket counts as one.
    in_flight: int = 0
    faults: Faults = field(init=False)
    missions: MissionStore = field(init=False)
    specs: dict[int, Spec] = field(init=False)
    hub: PubSubHub = field(init=False)
    rpc: RpcService = field(init=False)
    metrics: prometheus.GatewayMetrics = field(init=False)

    def __post_init__(self) -> None:
        opts = self.options
        if opts.seed is not None:
            # Each worker gets its own stream so workers do not fail in lock-step.
            self.rng.seed(opts.seed * 1000 + self.worker)
        self.faults = Faults(opts, self.rng)
        self.missions = MissionStore(opts.max_store_items, opts.max_store_bytes)
        self.specs = make_specs()
        self.hub = PubSubHub(
            self.rng,
            max_channels=lambda: opts.max_channels,
            drop_rate=lambda: opts.drop_events,
            rate_for=lambda name: opts.channel_rates.get(name, opts.event_rate),
            event_bytes=lambda: opts.event_bytes,
        )
        self.rpc = RpcService(opts.backends, self.delay_ms)
        self.metrics = prometheus.GatewayMetrics(self._snapshot)

    def delay_ms(self, profile: str) -> float:
        opts = self.options
        return backend_delay_ms(profile, self.rng, opts.slow_ms, opts.mixed_slow_fraction)

    def uptime_s(self) -> float:
        return (time.monotonic_ns() - self.started_ns) / 1e9

    def open_connections(self) -> int:
        return len(self.http_server.connections) if self.http_server else 0

    def stats(self) -> dict[str, Any]:
        """Every count the gateway keeps, for /admin/stats and tests."""
        return {
            "uptime_s": round(self.uptime_s(), 3),
            "worker": self.worker,
            "open_connections": self.open_connections(),
            "in_flight": self.in_flight,
            "rejected_connections": self.rejected_connections,
            "websockets": len(self.websockets),
            "sse_streams": len(self.sse_streams),
            "events": self.hub.totals(),
            "channels": {name: ch.stats() for name, ch in self.hub.channels.items()},
            "notifications": {
                "enqueued": self.rpc.notifications_enqueued,
                "overflowed": self.rpc.notifications_overflowed,
            },
            "tool_calls": {b.name: b.calls for b in self.rpc.backends},
            "injected_errors": self.faults.injected_errors,
            "leaked_bytes": self.faults.leaked_bytes,
            "sawtooth_bytes": self.faults.sawtooth.held_bytes,
            "sawtooth_cycles": self.faults.sawtooth.cycles,
            "stalls": self.faults.stalls,
            "stalled_s": round(self.faults.stalled_s, 6),
            "missions": {
                "items": len(self.missions),
                "bytes": self.missions.bytes,
                "evictions": self.missions.evictions,
            },
        }

    def _snapshot(self) -> Iterator[Any]:
        yield from self._connection_metrics()
        yield from self._event_metrics()
        yield from self._fault_metrics()
        yield from self._store_and_tool_metrics()

    def _connection_metrics(self) -> Iterator[Any]:
        g = prometheus.gauge
        yield g(
            "perfgate_gateway_open_connections", "Open HTTP connections.", self.open_connections()
        )
        yield g(
            "perfgate_gateway_requests_in_flight",
            "Requests being handled, this scrape included; an open WebSocket counts as one.",
            self.in_flight,
        )
        yield prometheus.counter(
            "perfgate_gateway_rejected_connections",
            "Requests refused by --max-connections.",
            self.rejected_connections,
        )
        yield g("perfgate_gateway_websockets", "Open WebSocket connections.", len(self.websockets))

    def _event_metrics(self) -> Iterator[Any]:
        c, g = prometheus.counter, prometheus.gauge
        events = self.hub.totals()
        yield g("perfgate_gateway_channels", "Pub/sub channels.", events["channels"])
        yield g("perfgate_gateway_subscriptions", "Channel subscriptions.", events["subscribers"])
        yield c("perfgate_gateway_ws_events_published", "Events published.", events["published"])
        yield c(
            "perfgate_gateway_ws_events_enqueued",
            "Event deliveries queued to subscribers.",
            events["enqueued"],
        )
        yield c(
            "perfgate_gateway_ws_events_dropped",
            "Event deliveries dropped on purpose by --drop-events.",
            events["dropped"],
        )
        yield c(
            "perfgate_gateway_ws_events_overflowed",
            "Event deliveries lost because a subscriber's queue was full.",
            events["overflowed"],
        )

    def _fault_metrics(self) -> Iterator[Any]:
        c, g = prometheus.counter, prometheus.gauge
        yield c(
            "perfgate_gateway_injected_errors",
            "Responses turned into 5xx by --error-rate.",
            self.faults.injected_errors,
        )
        yield g(
            "perfgate_gateway_leaked_bytes",
            "Bytes held on purpose by the leak knobs.",
            self.faults.leaked_bytes,
        )
        yield c(
            "perfgate_gateway_stalls", "Event-loop stalls by --stall-every.", self.faults.stalls
        )
        yield c(
            "perfgate_gateway_stalled_seconds",
            "Seconds spent in stalls.",
            self.faults.stalled_s,
        )

    def _store_and_tool_metrics(self) -> Iterator[Any]:
        yield prometheus.gauge(
            "perfgate_gateway_missions", "Missions in the store.", len(self.missions)
        )
        yield prometheus.counter(
            "perfgate_gateway_mission_evictions",
            "Missions evicted by --max-store-items.",
            self.missions.evictions,
        )
        calls = CounterMetricFamily(
            "perfgate_gateway_tool_calls", "tools/call answered, by backend.", labels=["backend"]
        )
        for backend in self.rpc.backends:
            calls.add_metric([backend.name], backend.calls)
        yield calls


STATE = web.AppKey("perfgate_state", GatewayState)
