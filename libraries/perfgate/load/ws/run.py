"""`run_websocket_load`: check, start the workers, merge what they report, always reap them."""

from __future__ import annotations

import math
import subprocess
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any

from perfgate.artifacts import redact
from perfgate.load.http.run import START_DELAY_S, WorkerError
from perfgate.load.ws.config import WsLoadConfig, run_channel, validate, worker_count
from perfgate.load.ws.errors import FatalRunError
from perfgate.load.ws.fdlimit import FdLimit, fd_limit_error
from perfgate.load.ws.merge import WsAggregator, WsProgress
from perfgate.load.ws.preflight import preflight
from perfgate.load.ws.result import GatewayMemory, WebSocketResult
from perfgate.load.ws.worker import WsWorkerPlan
from perfgate.memory.display import BYTES_PER_MB
from perfgate.memory.monitor import MemoryMonitor
from perfgate.memory.targets import resolve_source
from perfgate.procs.workerproc import READY_TIMEOUT_S, exit_code, reap, send_quietly, spawn_worker

ProgressCallback = Callable[[WsProgress], Any]
# Past the run's end: the unsubscribe/echo grace, the floor wait and closing.
END_MARGIN_S = 30.0


def run_websocket_load(
    config: WsLoadConfig,
    *,
    gateway: Any = None,
    on_progress: ProgressCallback | None = None,
    on_worker_started: Callable[[int], Any] | None = None,
) -> WebSocketResult:
    """Run `config` and return the merged result.

    `gateway` (a Gateway, PID or metrics URL; see `perfgate.memory.resolve_source`)
    has its memory sampled during the run. `on_progress(progress)` is called once
    a second; returning "stop" ends the run early. `on_worker_started(pid)` is
    called for every worker process. Workers are stopped and reaped on every way
    out, including KeyboardInterrupt and Robot's timeouts, which are re-raised.
    """
    validate(config)
    channel = run_channel(config)
    notes = preflight(config, channel)
    n = worker_count(config)
    monitor = _memory_monitor(gateway, config.duration_s)
    agg = WsAggregator(n, config.warmup_s, config.duration_s, config.protocol)
    procs: list[subprocess.Popen[bytes]] = []
    pipes: list[Connection] = []
    stopped_early = False
    memory: GatewayMemory | None = None
    try:
        if monitor is not None:
            monitor.start()
        for i in range(n):
            proc, pipe = spawn_worker(
                "perfgate.load.ws.worker",
                WsWorkerPlan(index=i, count=n, config=config, channel=channel),
            )
            procs.append(proc)
            pipes.append(pipe)
            if on_worker_started is not None:
                on_worker_started(proc.pid)
        limits = [_await_ready(i, pipes[i], procs[i]) for i in range(n)]
        notes.extend(_check_limits(config, n, limits))
        agg.fd_limits = [limit.soft for limit in limits if limit.soft >= 0]
        start_ns = time.monotonic_ns() + int(START_DELAY_S * 1e9)
        for pipe in pipes:
            pipe.send(("start", start_ns))
        stopped_early = _collect(config, agg, procs, pipes, start_ns, on_progress)
        for progress in agg.flush():
            _report(on_progress, progress)
    finally:
        reap(procs, pipes)
        if monitor is not None:
            memory = _stop_monitor(monitor)
    base = {
        # The result is logged, charted and saved: it carries the URL as it may be shown.
        "url": redact.url(config.url),
        "mode": config.mode,
        "connections": config.connections,
        "event_rate": float(config.event_rate),
        "warmup_s": float(config.warmup_s),
        "ramp_per_s": config.ramp if math.isfinite(config.ramp) else None,
        "channel": channel,
        "workers": n,
        "name": config.name,
    }
    result = agg.result(base, stopped_early)
    result.notes[:0] = notes
    result.gateway_memory = memory
    return result


def _collect(
    config: WsLoadConfig,
    agg: WsAggregator,
    procs: list[subprocess.Popen[bytes]],
    pipes: list[Connection],
    start_ns: int,
    on_progress: ProgressCallback | None,
) -> bool:
    """Receive until every worker sent its final snapshot; True if stopped early."""
    n = len(pipes)
    deadline = start_ns + int((config.duration_s + config.timeout_s + END_MARGIN_S) * 1e9)
    done: set[int] = set()
    stopped_early = False
    while len(done) < n:
        if time.monotonic_ns() > deadline:
            raise WorkerError(
                f"WebSocket load workers did not finish within {END_MARGIN_S:g} s of the end "
                f"of a {config.duration_s:g} s run; they were stopped."
            )
        live = [pipes[i] for i in range(n) if i not in done]
        for ready in wait(live, timeout=1.0):
            i = pipes.index(ready)  # type: ignore[arg-type]
            kind, payload = _receive(i, pipes[i], procs[i])
            if kind == "floor":
                for j in range(n):
                    if j != i and j not in done:
                        send_quietly(pipes[j], ("floor", payload))
                continue
            if payload.get("final"):
                done.add(i)
            for progress in agg.add(payload):
                if _report(on_progress, progress) and not stopped_early:
                    stopped_early = True
                    for j in range(n):
                        if j not in done:
                            send_quietly(pipes[j], ("stop",))
    return stopped_early


def _await_ready(i: int, pipe: Connection, proc: subprocess.Popen[bytes]) -> FdLimit:
    if not pipe.poll(READY_TIMEOUT_S):
        raise WorkerError(
            f"WebSocket load worker {i + 1} did not start within {READY_TIMEOUT_S:g} s; "
            "the machine may be overloaded."
        )
    kind, payload = _receive(i, pipe, proc)
    if kind != "ready":
        raise WorkerError(f"WebSocket load worker {i + 1} sent {kind!r} before 'ready'.")
    limit: FdLimit = payload["fd_limit"]
    return limit


def _receive(i: int, pipe: Connection, proc: subprocess.Popen[bytes]) -> tuple[str, Any]:
    try:
        msg = pipe.recv()
    except EOFError:
        raise WorkerError(
            f"WebSocket load worker {i + 1} (pid {proc.pid}) exited unexpectedly "
            f"with code {exit_code(proc)}."
        ) from None
    if msg[0] == "fatal":
        raise FatalRunError(msg[1])
    if msg[0] == "error":
        raise WorkerError(f"WebSocket load worker {i + 1} failed:\n{msg[1]}")
    if msg[0] == "second":
        return "second", msg[1]
    return str(msg[0]), msg[1]


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


def _report(on_progress: ProgressCallback | None, progress: WsProgress) -> bool:
    if on_progress is None:
        return False
    answer = on_progress(progress)
    return isinstance(answer, str) and answer.strip().lower() == "stop"


def _memory_monitor(gateway: Any, duration_s: float) -> MemoryMonitor | None:
    if gateway is None or gateway == "":
        return None
    source = resolve_source(gateway)
    # About 60 points however long the run, but not more often than 4 a second
    # (reading a big gateway's USS takes milliseconds).
    interval = min(max(duration_s / 60.0, 0.25), 5.0)
    return MemoryMonitor(source, interval_s=interval, alias="gateway")


def _stop_monitor(monitor: MemoryMonitor) -> GatewayMemory | None:
    """The sampled series; no leak verdict (a run this short cannot give one)."""
    monitor.halt()
    close = getattr(monitor.source, "close", None)
    if close is not None:
        close()
    series = monitor.series
    points = series.points()
    if not points or series.first is None or series.last is None or series.peak is None:
        return None
    t0 = points[0].mono_ns
    return GatewayMemory(
        source=monitor.source.description,
        interval_s=monitor.interval_s,
        t=[round((p.mono_ns - t0) / 1e9, 3) for p in points],
        rss_mb=[round(p.rss_high / BYTES_PER_MB, 2) for p in points],
        initial_mb=series.first.rss / BYTES_PER_MB,
        final_mb=series.last.rss / BYTES_PER_MB,
        peak_mb=series.peak.rss / BYTES_PER_MB,
        growth_mb=(series.last.rss - series.first.rss) / BYTES_PER_MB,
        notes=list(monitor.source.notes),
    )
