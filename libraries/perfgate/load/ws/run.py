"""`run_websocket_load`: the WebSocket protocol on the load coordinator.

Checks the configuration and the gateway (`preflight`), makes a plan per
worker and the aggregator, checks the workers' open-files limits once they
are ready, samples the gateway's memory meanwhile, and leaves spawning,
collecting and reaping to `perfgate.load.coordinator`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from perfgate.artifacts import redact
from perfgate.load.cluster import shared
from perfgate.load.cluster.record import attach
from perfgate.load.coordinator import Memory, run_to_result
from perfgate.load.events.errors import FatalRunError
from perfgate.load.events.figures import run_fields
from perfgate.load.fdlimit import FdLimit, fd_limit_error
from perfgate.load.gatewaymemory import sampled
from perfgate.load.protocol import LoadProtocol, WorkerRun
from perfgate.load.ws.config import WsLoadConfig, run_channel, validate, worker_count
from perfgate.load.ws.merge import WsAggregator, WsProgress
from perfgate.load.ws.preflight import preflight
from perfgate.load.ws.result import WebSocketResult
from perfgate.load.ws.worker import WsWorkerPlan

WEBSOCKET = LoadProtocol(
    worker_name="WebSocket load worker",
    worker_module="perfgate.load.ws.worker",
    # Worker 0 publishes; the warm-up's last sequence number it sends is every worker's floor.
    relayed=frozenset({"floor"}),
    fatal=FatalRunError,
)

ProgressCallback = Callable[[WsProgress], Any]
# Past the run's end: the unsubscribe/echo grace, the floor wait and closing.
END_MARGIN_S = 30.0


def run_websocket_load(
    config: WsLoadConfig,
    *,
    gateway: Any = None,
    on_progress: ProgressCallback | None = None,
    on_worker_started: Callable[[int], Any] | None = None,
    on_partial: Callable[[WebSocketResult], None] | None = None,
) -> WebSocketResult:
    """Run `config` and return the merged result. `gateway` (a Gateway, PID or metrics URL; see `perfgate.memory.resolve_source`)
    has its memory sampled during the run. `on_progress(progress)` is called once
    a second; returning "stop" ends the run early. `on_worker_started(pid)` is
    called for every worker process. Workers are reaped on every way out,
    KeyboardInterrupt and Robot's timeouts re-raised after `on_partial(result)`
    got what was measured."""
    validate(config)
    channel = run_channel(config)
    notes = preflight(config, channel)
    cluster = shared.cluster_for(config.cluster)
    n = worker_count(config, shared.slots(cluster))
    agg = WsAggregator(n, config.warmup_s, config.duration_s, config.protocol)

    def on_ready(info: list[dict[str, Any]]) -> None:
        limits: list[FdLimit] = [worker["fd_limit"] for worker in info]
        notes.extend(_check_limits(config, n, limits))
        agg.fd_limits = [limit.soft for limit in limits if limit.soft >= 0]

    run = WorkerRun(
        protocol=WEBSOCKET,
        plans=[WsWorkerPlan(index=i, count=n, config=config, channel=channel) for i in range(n)],
        aggregator=agg,
        finish_within_s=config.duration_s + config.timeout_s + END_MARGIN_S,
        overdue=(
            f"WebSocket load workers did not finish within {END_MARGIN_S:g} s of the end "
            f"of a {config.duration_s:g} s run; they were stopped."
        ),
        on_ready=on_ready,
    )
    base = {
        # The result is logged, charted and saved: it carries the URL as it may be shown.
        **run_fields(config, redact.url(config.url), channel, n),
        "mode": config.mode,
        "engine": "socket.io" if config.socketio else "websocket",
        "namespace": config.socketio.namespace if config.socketio else "",
    }

    def build(stopped_early: bool, memory: Memory) -> WebSocketResult:
        result = agg.result(base, stopped_early)
        result.notes[:0] = notes
        result.gateway_memory = memory()
        attach(result, cluster.last_run if cluster else None, result.cpu_percent)
        return result

    sampling = sampled(gateway, config.duration_s)
    return run_to_result(
        run, build, on_progress, on_worker_started,
        cluster=cluster, on_partial=on_partial, sampling=sampling,
    )  # fmt: skip


def _check_limits(config: WsLoadConfig, n: int, limits: list[FdLimit]) -> list[str]:
    per_worker = math.ceil(config.connections / n)
    notes = []
    for limit in limits:
        if not limit.allows(per_worker):
            raise ValueError(fd_limit_error(config.connections, n, limit))
    raised = [limit for limit in limits if limit.raised_from is not None]
    if raised and per_worker + 64 > min(limit.raised_from or 0 for limit in raised):
        notes.append(
            f"The workers raised their open-files limit from {raised[0].raised_from:,} "
            f"to {raised[0].soft:,}."
        )
    for limit in limits:
        if limit.note and limit.note not in " ".join(notes):
            notes.append(f"{limit.note[0].upper()}{limit.note[1:]}.")
    return notes
