"""`run_load`: the HTTP protocol on the load coordinator.

Checks the configuration and the target, makes a plan per worker and the
aggregator, and leaves spawning, collecting and reaping to
`perfgate.load.coordinator`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from perfgate.artifacts import redact
from perfgate.load.cluster import shared
from perfgate.load.cluster.record import attach
from perfgate.load.coordinator import Memory, run_to_result
from perfgate.load.http.config import DEFAULT_OPEN_CONNECTIONS, LoadConfig, validate, worker_count
from perfgate.load.http.merge import Aggregator
from perfgate.load.http.result import LoadResult, Progress
from perfgate.load.http.worker import WorkerPlan, share
from perfgate.load.protocol import LoadProtocol, WorkerError, WorkerRun
from perfgate.load.target import check_reachable, parse_target

HTTP = LoadProtocol(worker_name="load worker", worker_module="perfgate.load.http.worker")

ProgressCallback = Callable[[Progress], Any]

__all__ = ["HTTP", "WorkerError", "run_load"]


def run_load(
    config: LoadConfig,
    *,
    on_progress: ProgressCallback | None = None,
    on_worker_started: Callable[[int], Any] | None = None,
    on_partial: Callable[[LoadResult], None] | None = None,
) -> LoadResult:
    """Run `config` and return the merged result. `on_progress(progress)` is called once
    a second; returning "stop" ends the run early (the result is then `stopped_early`).
    `on_worker_started(pid)` is called for every worker process started. Workers are
    reaped on every way out, KeyboardInterrupt and other BaseExceptions re-raised after
    `on_partial(result)` got what was measured. With `config.cluster` the workers run on
    that Dask cluster (`perfgate.load.cluster.shared`) and the result says where."""
    specs = validate(config)
    target = parse_target(config.url)
    check_reachable(target, config.timeout_s, config.verify_tls)
    cluster = shared.cluster_for(config.cluster)
    n = worker_count(config, shared.slots(cluster))
    pool = config.max_connections or DEFAULT_OPEN_CONNECTIONS
    duration = config.duration_s
    agg = Aggregator(n, config.warmup_s, duration, config.model == "open")
    plans = [
        WorkerPlan(
            index=i,
            count=n,
            config=config,
            requests=specs,
            max_connections=max(1, share(pool, i, n)),
        )
        for i in range(n)
    ]
    run = WorkerRun(
        protocol=HTTP,
        plans=plans,
        aggregator=agg,
        finish_within_s=duration + min(config.timeout_s, 2.0) + 30.0,
        overdue=(
            f"load workers did not finish within {duration + 30:g} s of a "
            f"{duration:g} s run; they were stopped."
        ),
    )
    base = {
        # The result is logged, charted and saved: it carries the URL as it may be shown.
        "url": redact.url(config.url),
        "model": config.model,
        "profile": config.profile,
        "stages": [asdict(s) for s in config.stages],
        "warmup_s": float(config.warmup_s),
        "workers": n,
    }

    def build(stopped_early: bool, _memory: Memory) -> LoadResult:
        result = agg.result(base, stopped_early)
        attach(result, cluster.last_run if cluster else None, result.health.cpu_percent)
        return result

    return run_to_result(
        run, build, on_progress, on_worker_started, cluster=cluster, on_partial=on_partial
    )
