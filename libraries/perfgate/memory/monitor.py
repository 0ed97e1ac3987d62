"""A background sampler: one daemon thread per watched target."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from perfgate.memory.display import format_duration
from perfgate.memory.heap.watch import HeapWatch
from perfgate.memory.leak import LeakCriteria
from perfgate.memory.mapping import MappingSnapshot, mapping_growth
from perfgate.memory.result import MemoryResult, build_result
from perfgate.memory.series import SampleSeries
from perfgate.memory.sources import MemorySource, SampleFailed, SourceGone

if TYPE_CHECKING:
    from perfgate.live.memoryseries import MemoryExport

MIN_INTERVAL_S = 0.01
# A sampler busier than this share of its interval is worth a note.
HEAVY_SAMPLING_SHARE = 0.1
# Cap the notes about failed readings so a long outage cannot grow them unbounded.
MAX_FAILURE_NOTES = 5


class MemoryMonitor:
    """Samples `source` every `interval_s` seconds from `start()` to `stop()`.

    Samples are scheduled on a fixed grid from the start (no drift); when a
    reading takes longer than the interval the missed slots are skipped and
    counted rather than taken in a burst.
    """

    def __init__(
        self,
        source: MemorySource,
        interval_s: float = 1.0,
        alias: str = "",
        criteria: LeakCriteria | None = None,
        capacity: int = 4096,
        heap_watch: HeapWatch | None = None,
        live: MemoryExport | None = None,
    ) -> None:
        if not interval_s >= MIN_INTERVAL_S:
            raise ValueError(
                f"the sampling interval must be at least {MIN_INTERVAL_S * 1000:.0f} ms, got "
                f"{interval_s} s."
            )
        self.source = source
        self.interval_s = float(interval_s)
        self.alias = alias or "memory"
        self.criteria = criteria or LeakCriteria()
        self.series = SampleSeries(capacity)
        self.missed = 0
        self.failures = 0
        self.sampling_ns = 0
        self._notes: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._gone = False
        self._stopped = False
        self._maps_before: MappingSnapshot | None = None
        self._started_mono = 0.0
        self.heap_watch = heap_watch
        self.live = live  # each reading and the verdict to Prometheus (perfgate.live)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped" if self._stopped else "not started"
        return (
            f"MemoryMonitor({self.alias!r}, {self.source.description}, every "
            f"{self.interval_s:g} s, {state}, {self.series.count} samples)"
        )

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Take the first sample now (so a bad target fails here) and start sampling."""
        if self._thread is not None:
            raise RuntimeError(f"memory monitor '{self.alias}' was already started.")
        self._maps_before = self.source.mappings()
        self._started_mono = time.monotonic()
        self._take(first=True)
        self._thread = threading.Thread(
            target=self._run, name=f"perfgate-memory-{self.alias}", daemon=True
        )
        self._thread.start()
        if self.heap_watch is not None:
            self.heap_watch.start(self._started_mono)

    def _run(self) -> None:
        next_at = self._started_mono + self.interval_s
        while not self._gone:
            if self._stop.wait(max(0.0, next_at - time.monotonic())):
                return
            try:
                self._take()
            except Exception as exc:  # a dead sampler must leave a trace, not vanish
                self._note(f"Sampling stopped after an unexpected error: {exc!r}")
                return
            next_at += self.interval_s
            behind = time.monotonic() - next_at
            if behind > 0:
                skipped = int(behind // self.interval_s) + 1
                self.missed += skipped
                next_at += skipped * self.interval_s

    def _take(self, first: bool = False) -> None:
        began = time.perf_counter_ns()
        try:
            sample = self.source.sample()
        except SourceGone as exc:
            if first:
                raise ValueError(f"Cannot monitor {self.source.description}: {exc}.") from None
            self._gone = True
            elapsed = time.monotonic() - self._started_mono
            self._note(f"The target went away after {format_duration(elapsed)}: {exc}.")
            return
        except SampleFailed as exc:
            if first:
                raise ValueError(f"Cannot monitor {self.source.description}: {exc}") from None
            self.failures += 1
            if self.failures <= MAX_FAILURE_NOTES:
                self._note(str(exc))
            return
        finally:
            self.sampling_ns += time.perf_counter_ns() - began
        with self._lock:
            self.series.add(sample)
        if self.live is not None:
            self.live.sample(sample)  # only queued: the sender thread posts it

    def _note(self, note: str) -> None:
        with self._lock:
            self._notes.append(note)

    def halt(self) -> None:
        """Stop the sampling thread and wait for it, without building a result."""
        self._stop.set()
        if self.heap_watch is not None:
            self.heap_watch.cancel()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            # A reading in progress finishes first; a hung one (a /metrics
            # request) is bounded by the source's own timeout.
            thread.join(timeout=max(10.0, 2 * self.interval_s))
            if thread.is_alive():
                self._note("The sampling thread did not stop within its timeout.")

    def stop(self, requests: int | None = None) -> MemoryResult:
        """Stop sampling, take a last reading and return what was seen."""
        if self._stopped:
            raise RuntimeError(f"memory monitor '{self.alias}' was already stopped.")
        self._stopped = True
        self.halt()
        if not self._gone:
            self._take()
        maps_after = self.source.mappings() if self._maps_before is not None else None
        growth = (
            mapping_growth(self._maps_before, maps_after)
            if self._maps_before is not None and maps_after is not None
            else []
        )
        with self._lock:
            notes = list(self.source.notes) + self._notes
            if self.missed:
                notes.append(
                    f"{self.missed} sampling slots were skipped because readings took longer "
                    f"than the {self.interval_s:g} s interval."
                )
            if self.failures > MAX_FAILURE_NOTES:
                notes.append(f"{self.failures} readings failed in all.")
            result = build_result(
                self.series,
                target=self.source.description,
                source=self.source.kind,
                alias=self.alias,
                interval_s=self.interval_s,
                criteria=self.criteria,
                notes=notes,
                mapping_growth=growth,
                collector=getattr(self.source, "collector", None),
            )
        close = getattr(self.source, "close", None)
        if close is not None:
            close()
        mean_ms = self.sampling_ns / 1e6 / max(1, self.series.count + self.failures)
        if mean_ms > self.interval_s * 1000 * HEAVY_SAMPLING_SHARE:
            # Reading USS walks the target's page tables (~20 ms per GiB).
            result.notes.append(
                f"Each reading took {mean_ms:.0f} ms, over {HEAVY_SAMPLING_SHARE:.0%} of the "
                f"{self.interval_s:g} s interval; use a longer interval for a target this large."
            )
        result = self._with_heap(replace(result, sampling_ms_mean=mean_ms)).with_requests(requests)
        if self.live is not None:
            self.live.finish(result)
        return result

    def _with_heap(self, result: MemoryResult) -> MemoryResult:
        """The result with the heap snapshots' comparison, taken after the last reading."""
        if self.heap_watch is None:
            return result
        outcome = self.heap_watch.finish()
        notes = result.notes + outcome.notes
        pauses = [[round(start, 3), round(end, 3)] for start, end in outcome.pauses]
        result = replace(result, notes=notes, heap_pauses=pauses)
        if outcome.allocations is not None:
            return replace(
                result,
                allocation_growth=outcome.allocations.summary(),
                heap_allocations=outcome.allocations.to_dict(),
            )
        if outcome.comparison is None:
            return result
        return replace(
            result,
            heap_growth=outcome.comparison.summary(),
            heap_comparison=outcome.comparison.to_dict(),
        )


def monitor_for(
    monitor: MemoryMonitor,
    duration_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> MemoryResult:
    """Sample for `duration_s` seconds in the background and return the result.

    The caller waits in short sleeps, so a Robot timeout or Ctrl-C (raised in
    this thread) ends the wait at once; the sampler is then halted before the
    exception goes on, so no thread outlives the keyword.
    """
    if not duration_s > 0:
        raise ValueError(f"the monitoring duration must be positive, got {duration_s} s.")
    monitor.start()
    deadline = time.monotonic() + duration_s
    try:
        while (left := deadline - time.monotonic()) > 0:
            sleep(min(left, 0.2))
    except BaseException:
        monitor.halt()
        if monitor.heap_watch is not None:
            monitor.heap_watch.abandon()  # memray must not stay attached to the gateway
        if monitor.live is not None:
            monitor.live.finish(None)
        raise
    return monitor.stop()
