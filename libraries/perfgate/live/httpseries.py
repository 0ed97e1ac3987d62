"""An HTTP run's second as Prometheus series, and as the figures `perfgate watch` shows.

| Series | Type | Labels besides the run's |
|---|---|---|
| ``perfgate_http_requests_total`` | counter | ``name`` (the request name) |
| ``perfgate_http_errors_total`` | counter | ``name``, ``kind`` (timeout, status, check...) |
| ``perfgate_http_responses_total`` | counter | ``name``, ``status`` |
| ``perfgate_http_request_duration_seconds`` | histogram | ``name`` |
| ``perfgate_http_rate`` | gauge | the second's requests per second |
| ``perfgate_http_target_rate`` | gauge | open model: the rate asked for |
| ``perfgate_clients_active`` | gauge | closed model: clients; open: open connections |
| ``perfgate_clients_target`` | gauge | closed model: the clients asked for |
| ``perfgate_generator_cpu_seconds_total`` | counter | ``machine``: the load workers' CPU time there |
| ``perfgate_generator_requests_total`` | counter | ``machine``: the requests its load workers sent |
| ``perfgate_run_elapsed_seconds``, ``perfgate_run_planned_seconds``, ``perfgate_warmup`` | gauge | |

Counters and the histogram count the measured period (as the result does);
the gauges every second, warm-up included. The generator's series are per
machine: on a cluster run ``machine`` is the machine that ran those load
workers (`perfgate.live.session.LiveRun`), the others keep the coordinator's.
"""

from __future__ import annotations

from functools import partial

from perfgate.live.progressfile import Status
from perfgate.live.series import SeriesBook
from perfgate.live.session import LiveProtocol
from perfgate.load.http.result import Progress


def clock(book: SeriesBook, progress: object) -> None:
    """The gauges every protocol sends: where the run stands."""
    book.gauge("perfgate_run_elapsed_seconds", float(getattr(progress, "elapsed_s", 0.0)))
    book.gauge("perfgate_run_planned_seconds", float(getattr(progress, "duration_s", 0.0)))
    book.gauge("perfgate_warmup", 1.0 if getattr(progress, "warmup", False) else 0.0)


def series(book: SeriesBook, progress: Progress, *, open_model: bool) -> None:
    row = progress.row
    clock(book, progress)
    book.gauge("perfgate_http_rate", row.rps)
    book.gauge("perfgate_clients_active", row.active)
    book.gauge("perfgate_http_target_rate" if open_model else "perfgate_clients_target", row.target)
    if progress.warmup:
        return
    for name, counts in progress.second_by_name.items():
        extra = (("name", name),)
        book.count("perfgate_http_requests_total", counts.requests, extra)
        book.counts("perfgate_http_errors_total", "kind", counts.errors, extra)
        book.counts("perfgate_http_responses_total", "status", counts.status, extra)
        book.observe("perfgate_http_request_duration_seconds", counts.latency, extra)


def per_worker(progress: Progress) -> dict[str, dict[int, float]]:
    """The generator's counters by load worker (empty during the warm-up)."""
    return {
        "perfgate_generator_cpu_seconds_total": progress.worker_cpu_s,
        "perfgate_generator_requests_total": progress.worker_requests,
    }


def status(progress: Progress, *, open_model: bool) -> Status:
    return Status(
        elapsed_s=progress.elapsed_s,
        planned_s=progress.duration_s,
        warmup=progress.warmup,
        rate=progress.row.rps,
        target=progress.row.target if open_model else None,
        p95_ms=progress.p95,
        errors=progress.errors,
        error_rate=progress.error_rate,
    )


def http_live(open_model: bool) -> LiveProtocol[Progress]:
    """The HTTP protocol's live side for a run of the open or the closed model."""
    return LiveProtocol(
        "http",
        partial(series, open_model=open_model),
        partial(status, open_model=open_model),
        per_worker,
    )
