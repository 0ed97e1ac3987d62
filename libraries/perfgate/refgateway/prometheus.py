"""Prometheus metrics for GET /metrics.

Per-request work is one cached counter child and one histogram child, so
metrics cost a few microseconds per request. Counts the gateway already
keeps as plain integers (events, drops, injected faults, store) are read
only when /metrics is scraped, by a collector, never copied per event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

# Latency buckets in seconds: sub-millisecond steps for the fast paths, up
# to 5 s for the slow backend and stalls.
LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
)

# Label values stay in these sets so that a scan of random URLs or methods
# cannot grow the label space without bound.
_KNOWN_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
UNMATCHED_ROUTE = "unmatched"


class _SnapshotCollector(Collector):
    """Yields metric families from a callable that reads the gateway's counters."""

    def __init__(self, snapshot: Callable[[], Iterator[Any]]) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterator[Any]:
        return self._snapshot()


class GatewayMetrics:
    def __init__(self, snapshot: Callable[[], Iterator[Any]]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        self._requests = Counter(
            "perfgate_gateway_requests",
            "HTTP requests answered, by route template, method and status.",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self._latency = Histogram(
            "perfgate_gateway_request_duration_seconds",
            "Time from the request reaching a handler to its response being ready.",
            ("route",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_SnapshotCollector(snapshot))
        self._request_children: dict[tuple[str, str, int], Any] = {}
        self._latency_children: dict[str, Any] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        if method not in _KNOWN_METHODS:
            method = "OTHER"
        key = (route, method, status)
        child = self._request_children.get(key)
        if child is None:
            child = self._requests.labels(route, method, str(status))
            self._request_children[key] = child
        child.inc()
        hist = self._latency_children.get(route)
        if hist is None:
            hist = self._latency.labels(route)
            self._latency_children[route] = hist
        hist.observe(seconds)

    def render(self) -> web.Response:
        response = web.Response(body=generate_latest(self.registry))
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response


def counter(name: str, doc: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, doc, value=value)


def gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


def route_label(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED_ROUTE
