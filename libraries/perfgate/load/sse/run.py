"""`run_event_stream_load`: the SSE protocol on the load coordinator.

Checks the configuration and the stream (`preflight`), makes a plan per
worker and the aggregator, samples the gateway's memory meanwhile
(`gateway=`), and leaves spawning, collecting and reaping to
`perfgate.load.coordinator`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from perfgate.artifacts import redact
from perfgate.load.cluster import shared
from perfgate.load.cluster.record import attach
from perfgate.load.coordinator import Memory, run_to_result
from perfgate.load.events.errors import FatalRunError
from perfgate.load.events.figures import run_fields
from perfgate.load.gatewaymemory import sampled
from perfgate.load.protocol import LoadProtocol, WorkerRun
from perfgate.load.sse.config import (
    SseLoadConfig,
    fill_channel,
    run_channel,
    validate,
    worker_count,
)
from perfgate.load.sse.merge import SseAggregator, SseProgress
from perfgate.load.sse.preflight import preflight
from perfgate.load.sse.result import SseResult
from perfgate.load.sse.worker import SseWorkerPlan

SSE = LoadProtocol(
    worker_name="SSE load worker",
    worker_module="perfgate.load.sse.worker",
    # Each worker's last sequence number, so that all count up to the run's (sse/lastnumber.py).
    relayed=frozenset({"top"}),
    fatal=FatalRunError,
)
# Past the run's end: cancelling the streams, the publisher's last answers, closing.
END_MARGIN_S = 15.0


def run_event_stream_load(
    config: SseLoadConfig,
    *,
    gateway: Any = None,
    on_progress: Callable[[SseProgress], Any] | None = None,
    on_worker_started: Callable[[int], Any] | None = None,
    on_partial: Callable[[SseResult], None] | None = None,
) -> SseResult:
    """Run `config` and return the merged result; `on_progress(progress)` once a second
    (returning "stop" ends the run early). `gateway` (a Gateway, PID or metrics URL; see
    `perfgate.memory.resolve_source`) has its memory sampled during the run. Workers are
    reaped on every way out; `on_partial(result)` gets what was measured when the run is
    interrupted, before the interruption goes on."""
    validate(config)
    channel = run_channel(config)
    preflight(config, channel)
    cluster = shared.cluster_for(config.cluster)
    n = worker_count(config, shared.slots(cluster))
    agg = SseAggregator(n, config.warmup_s, config.duration_s, config.protocol)
    overdue = (
        f"SSE load workers did not finish within {END_MARGIN_S:g} s of the end of a "
        f"{config.duration_s:g} s run; they were stopped."
    )
    plans = [SseWorkerPlan(config, channel, i, n) for i in range(n)]
    within_s = config.duration_s + config.timeout_s + END_MARGIN_S
    # The result is logged, charted and saved: it carries the URL as it may be shown.
    url = redact.url(fill_channel(config.url, channel))
    base = {**run_fields(config, url, channel, n), "method": config.method}

    def build(stopped_early: bool, memory: Memory) -> SseResult:
        result = agg.result(base, stopped_early)
        result.gateway_memory = memory()
        attach(result, cluster.last_run if cluster else None, result.cpu_percent)
        return result

    run = WorkerRun(SSE, plans, agg, within_s, overdue)
    return run_to_result(
        run,
        build,
        on_progress,
        on_worker_started,
        cluster=cluster,
        on_partial=on_partial,
        sampling=sampled(gateway, config.duration_s),
    )
