"""A WebSocket or SSE run's second as Prometheus series, and as `perfgate watch` figures.

| Series | Type | Counts |
|---|---|---|
| ``perfgate_events_sent_total`` | counter | events published (or echo messages sent), measured period |
| ``perfgate_events_received_total`` | counter | events received, measured period |
| ``perfgate_events_lost_total`` | counter | gaps found in the sequence numbers, measured period |
| ``perfgate_event_latency_seconds`` | histogram | latency of the events sent after the warm-up |
| ``perfgate_connects_total`` | counter | connections (streams) opened, warm-up included |
| ``perfgate_connect_failures_total`` | counter | connection attempts that failed, warm-up included |
| ``perfgate_disconnections_total`` | counter | connections that dropped, warm-up included |
| ``perfgate_connections`` · ``perfgate_connections_target`` | gauge | open connections, and those the ramp had started |
| ``perfgate_events_rate`` | gauge | events received per second, the second's |
| ``perfgate_generator_cpu_seconds_total`` | counter | ``machine``: the load workers' CPU time there, measured period |
| ``perfgate_generator_events_received_total`` | counter | ``machine``: events its clients received, measured period |

Losses are counted as found (an event that arrives late fills its gap again
in the result, whose exact counts come from the workers' final totals).
"""

from __future__ import annotations

from typing import Any

from perfgate.live.httpseries import clock
from perfgate.live.progressfile import Status
from perfgate.live.series import SeriesBook
from perfgate.live.session import LiveProtocol
from perfgate.load.events.figures import EventTimelineRow

# Counter <- the timeline row's field: every second, then only the measured period's.
_CONNECTIONS = (("perfgate_connects_total", "connects"),
                ("perfgate_connect_failures_total", "connect_errors"),
                ("perfgate_disconnections_total", "disconnections"))  # fmt: skip
_EVENTS = (("perfgate_events_sent_total", "sent"), ("perfgate_events_received_total", "events"),
           ("perfgate_events_lost_total", "lost"))  # fmt: skip


def series(book: SeriesBook, progress: Any) -> None:
    """`progress`: a `WsProgress` or `SseProgress` (their row is an `EventTimelineRow`)."""
    row: EventTimelineRow = progress.row
    clock(book, progress)
    book.gauge("perfgate_connections", row.connected)
    book.gauge("perfgate_connections_target", row.target)
    book.gauge("perfgate_events_rate", row.events_per_s)
    for name, attr in _CONNECTIONS if progress.warmup else _CONNECTIONS + _EVENTS:
        book.count(name, getattr(row, attr))
    if not progress.warmup:
        book.observe("perfgate_event_latency_seconds", progress.second_latency)


def per_worker(progress: Any) -> dict[str, dict[int, float]]:
    """The generator's counters by load worker (empty during the warm-up); summed over
    machines, the events are ``perfgate_events_received_total``."""
    return {
        "perfgate_generator_cpu_seconds_total": progress.worker_cpu_s,
        "perfgate_generator_events_received_total": progress.worker_events,
    }


def status(progress: Any) -> Status:
    """Errors are what went wrong so far: events lost, disconnections, failed connects."""
    p95: Any = getattr(progress, "p95", None)  # WebSocket: running; SSE: the second's
    if p95 is None:
        p95 = progress.row.p95
    return Status(
        elapsed_s=progress.elapsed_s,
        planned_s=progress.duration_s,
        warmup=progress.warmup,
        rate=progress.row.events_per_s,
        rate_unit="events/s",
        p95_ms=float("nan") if p95 is None else float(p95),
        errors=progress.lost + progress.disconnections + progress.connect_failures,
    )


WEBSOCKET_LIVE: LiveProtocol[Any] = LiveProtocol("websocket", series, status, per_worker)
SSE_LIVE: LiveProtocol[Any] = LiveProtocol("sse", series, status, per_worker)
