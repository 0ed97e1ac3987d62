"""One load run's live side: its second-by-second figures to Prometheus and to its live
progress file, called from the coordinator's once-a-second callback.

A protocol says what its progress means (`LiveProtocol`: its series and the
figures `perfgate watch` shows, and its counters by load worker); `LiveRun`
does the rest, summing those by the machine that ran each worker (on a
cluster, from its `ClusterRun`; here, this host). Its work is per
second, never per request, and on the coordinator's side: the load workers
never see it. Sending is the `RemoteWriter` thread's; here the second's
samples are only put together and queued.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from perfgate.live.progressfile import ProgressFile, Status
from perfgate.live.sender import RemoteWriter, SendTotals
from perfgate.live.series import SeriesBook
from perfgate.live.settings import LiveSettings
from perfgate.load.cluster import shared
from perfgate.load.thresholds import Breach, Threshold

P = TypeVar("P")


@dataclass(frozen=True)
class LiveProtocol(Generic[P]):
    """What a protocol's progress gives live: `name` (the ``protocol`` label), its
    second's `series` into a `SeriesBook`, the `status` `perfgate watch` shows, and
    `per_worker`: counters of the second by load worker (name -> worker -> value), which
    `LiveRun` sends by the ``machine`` that ran the workers."""

    name: str
    series: Callable[[SeriesBook, P], None]
    status: Callable[[P], Status]
    per_worker: Callable[[P], Mapping[str, Mapping[int, float]]] | None = None


def first_breach(thresholds: Sequence[Threshold], progress: Any) -> str:
    """The first threshold the running figures already breach ("" when none does, or
    during the warm-up); thresholds the progress cannot tell (per name, end-only) wait."""
    metric = getattr(progress, "metric", None)
    if metric is None or getattr(progress, "warmup", False):
        return ""
    for threshold in thresholds:
        value = metric(threshold.metric, threshold.scope)
        if value is not None and not threshold.holds(float(value)):
            return Breach(threshold, float(value)).message()
    return ""


@dataclass
class LiveRun(Generic[P]):
    """Called with every second's progress; `finish` once, on every way out of the run."""

    settings: LiveSettings
    label: str
    protocol: LiveProtocol[P]
    thresholds: Sequence[Threshold] = ()
    line: Callable[[P], str] | None = None
    # A cluster run's load worker -> its machine (`cluster_machines`); None: this host.
    machines: Callable[[], Mapping[int, str]] | None = None
    book: SeriesBook = field(init=False)
    writer: RemoteWriter | None = field(init=False)
    file: ProgressFile | None = field(init=False)
    start_wall: float | None = field(init=False, default=None)
    seconds: int = field(init=False, default=0)
    loop_s: float = field(init=False, default=0.0)  # taken from the coordinator's loop, in all
    _warned: bool = field(init=False, default=False)
    _placed: dict[int, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        settings = self.settings
        self.book = SeriesBook(
            {**settings.labels, "load": self.label, "protocol": self.protocol.name}
        )
        self.writer = RemoteWriter(settings.write_url) if settings.write_url else None
        directory = settings.directory
        self.file = (
            None if directory is None else ProgressFile(directory, self.label, settings.labels)
        )

    def started(self, start_ns: int) -> None:
        """The run's start instant (`time.monotonic_ns`, second 0 of its timeline) on the
        wall: each second's sample is stamped at the second's own end from it. Taken from
        the first second's arrival instead, a first second that arrived late (a busy
        machine, a cluster's relay) would stamp every sample late, the last one after the
        run had ended."""
        self.start_wall = time.time() - (time.monotonic_ns() - start_ns) / 1e9

    def __call__(self, progress: P) -> None:
        started = time.perf_counter()
        elapsed = float(getattr(progress, "elapsed_s", 0.0))
        if self.start_wall is None:  # not told the start instant: the first second's arrival
            self.start_wall = time.time() - elapsed
        if self.writer is not None:
            self.protocol.series(self.book, progress)
            self._per_machine(progress)
            self._thresholds()
            self.writer.submit(self.book.take(round((self.start_wall + elapsed) * 1000)))
            self._warn_once()
        if self.file is not None:
            status = self.protocol.status(progress)
            status.breach = first_breach(self.thresholds, progress)
            status.line = self.line(progress) if self.line is not None else ""
            self.file.update(status)
        self.seconds += 1
        self.loop_s += time.perf_counter() - started

    def _per_machine(self, progress: P) -> None:
        """The protocol's per-worker counters summed by machine, each with its ``machine``
        label: the host of the workers' machine on a cluster, this host's for a run here
        (their sum over machines is the run's)."""
        if self.protocol.per_worker is None:
            return
        if not self._placed and self.machines is not None:
            self._placed = dict(self.machines())  # placed before the first second: kept
        here = self.settings.labels.get("machine", "")
        for name, by_worker in self.protocol.per_worker(progress).items():
            by_machine: dict[str, float] = {}
            for worker, value in by_worker.items():
                machine = self._placed.get(worker, here)
                by_machine[machine] = by_machine.get(machine, 0.0) + value
            for machine, value in by_machine.items():
                self.book.count(name, value, (("machine", machine),))

    def _thresholds(self) -> None:
        """The latency thresholds as gauges, so that a dashboard draws them beside the
        percentiles (``perfgate_latency_threshold_seconds{metric="p95"}``)."""
        for threshold in self.thresholds:
            if threshold.kind == "time":
                extra = (("metric", threshold.label), ("op", threshold.op))
                self.book.gauge("perfgate_latency_threshold_seconds", threshold.limit / 1e3, extra)

    def _warn_once(self) -> None:
        assert self.writer is not None
        error = self.writer.totals.first_error
        if error and not self._warned and self.settings.warn is not None:
            self._warned = True
            self.settings.warn(
                f"Live metrics of load '{self.label}': Prometheus at {self.writer.shown_url} did not "
                f"take its samples ({error}). The run goes on; the samples not delivered are "
                "counted at its end."
            )

    def finish(self, state: str) -> SendTotals | None:
        """End the live side: the file marked `state` (passed, failed, error), what is queued
        sent (bounded wait), and one line with the counts; the writer's totals."""
        if self.file is not None:
            self.file.finish(state)
        if self.writer is None:
            return None
        totals = self.writer.close()
        self._warn_once()
        if self.settings.info is not None:
            self.settings.info(self.summary(totals))
        return totals

    def summary(self, totals: SendTotals) -> str:
        per_second = self.loop_s / self.seconds * 1e3 if self.seconds else 0.0
        missed = (
            f", {totals.undelivered:,} not delivered ({'; '.join(totals.errors)})"
            if totals.undelivered
            else ""
        )
        return (
            f"Live metrics of load '{self.label}': {totals.delivered:,} samples delivered to "
            f"{self.writer.shown_url if self.writer else ''}{missed}; {per_second:.2f} ms a second "
            "in the run's loop."
        )


def cluster_machines(spec: str | None) -> Callable[[], dict[int, str]] | None:
    """For a run on the cluster `spec` (None: on this machine, no lookup): which machine
    runs each load worker, from the open cluster's `ClusterRun` of the run (its crew fills
    it before the first second)."""
    if spec is None:
        return None

    def machines() -> dict[int, str]:
        cluster = shared.cluster_for(spec)  # open since the run started on it
        run = cluster.last_run if cluster is not None else None
        return {} if run is None else {w.index: w.machine for w in run.workers}

    return machines
