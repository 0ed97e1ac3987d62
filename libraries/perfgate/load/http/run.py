"""`run_load`: start the workers, merge what they report, always reap them."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict
from multiprocessing.connection import Connection, wait
from typing import Any

from perfgate.artifacts import redact
from perfgate.load.http.config import DEFAULT_OPEN_CONNECTIONS, LoadConfig, validate, worker_count
from perfgate.load.http.merge import Aggregator
from perfgate.load.http.result import LoadResult, Progress
from perfgate.load.http.worker import WorkerPlan, share
from perfgate.load.target import check_reachable, parse_target
from perfgate.procs.workerproc import READY_TIMEOUT_S, exit_code, reap, send_quietly, spawn_worker

START_DELAY_S = 0.1  # lets every worker receive the start time before it arrives

ProgressCallback = Callable[[Progress], Any]


class WorkerError(RuntimeError):
    """A load worker failed or vanished; the message says which and why."""


def run_load(
    config: LoadConfig,
    *,
    on_progress: ProgressCallback | None = None,
    on_worker_started: Callable[[int], Any] | None = None,
) -> LoadResult:
    """Run `config` and return the merged result.

    `on_progress(progress)` is called once a second; returning "stop" ends
    the run early (the result is then marked `stopped_early`).
    `on_worker_started(pid)` is called for every worker process started.
    Workers are stopped and reaped on every way out of this function,
    including KeyboardInterrupt and other BaseExceptions, which are re-raised.
    """
    specs = validate(config)
    target = parse_target(config.url)
    check_reachable(target, config.timeout_s, config.verify_tls)
    n = worker_count(config)
    open_model = config.model == "open"
    pool = config.max_connections or DEFAULT_OPEN_CONNECTIONS
    duration = config.duration_s
    agg = Aggregator(n, config.warmup_s, duration, open_model)
    procs: list[subprocess.Popen[bytes]] = []
    pipes: list[Connection] = []
    stopped_early = False
    try:
        for i in range(n):
            plan = WorkerPlan(
                index=i,
                count=n,
                config=config,
                requests=specs,
                max_connections=max(1, share(pool, i, n)),
            )
            proc, pipe = spawn_worker("perfgate.load.http.worker", plan)
            procs.append(proc)
            pipes.append(pipe)
            if on_worker_started is not None:
                on_worker_started(proc.pid)
        for i, pipe in enumerate(pipes):
            _await_ready(i, pipe, procs[i])
        start_ns = time.monotonic_ns() + int(START_DELAY_S * 1e9)
        for pipe in pipes:
            pipe.send(("start", start_ns))

        deadline = start_ns + int((duration + min(config.timeout_s, 2.0) + 30.0) * 1e9)
        done: set[int] = set()
        while len(done) < n:
            if time.monotonic_ns() > deadline:
                raise WorkerError(
                    f"load workers did not finish within {duration + 30:g} s of a "
                    f"{duration:g} s run; they were stopped."
                )
            live = [pipes[i] for i in range(n) if i not in done]
            for obj in wait(live, timeout=1.0):
                i = pipes.index(obj)  # type: ignore[arg-type]
                snap = _receive(i, pipes[i], procs[i])
                if snap.get("final"):
                    done.add(i)
                for progress in agg.add(snap):
                    if _report(on_progress, progress) and not stopped_early:
                        stopped_early = True
                        for j in range(n):
                            if j not in done:
                                send_quietly(pipes[j], ("stop",))
        for progress in agg.flush():
            _report(on_progress, progress)
    finally:
        reap(procs, pipes)
    base = {
        # The result is logged, charted and saved: it carries the URL as it may be shown.
        "url": redact.url(config.url),
        "model": config.model,
        "profile": config.profile,
        "stages": [asdict(s) for s in config.stages],
        "warmup_s": float(config.warmup_s),
        "workers": n,
    }
    return agg.result(base, stopped_early)


def _await_ready(i: int, pipe: Connection, proc: subprocess.Popen[bytes]) -> None:
    if not pipe.poll(READY_TIMEOUT_S):
        raise WorkerError(
            f"load worker {i + 1} did not start within {READY_TIMEOUT_S:g} s; "
            "the machine may be overloaded."
        )
    try:
        msg = pipe.recv()
    except EOFError:
        raise WorkerError(
            f"load worker {i + 1} exited during start-up with code {exit_code(proc)}."
        ) from None
    if msg[0] == "error":
        raise WorkerError(f"load worker {i + 1} failed during start-up:\n{msg[1]}")


def _receive(i: int, pipe: Connection, proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    try:
        msg = pipe.recv()
    except EOFError:
        raise WorkerError(
            f"load worker {i + 1} (pid {proc.pid}) exited unexpectedly with code {exit_code(proc)}."
        ) from None
    if msg[0] == "error":
        raise WorkerError(f"load worker {i + 1} failed:\n{msg[1]}")
    snap: dict[str, Any] = msg[1]
    return snap


def _report(on_progress: ProgressCallback | None, progress: Progress) -> bool:
    """Call the callback; True when it asks to stop."""
    if on_progress is None:
        return False
    answer = on_progress(progress)
    return isinstance(answer, str) and answer.strip().lower() == "stop"
