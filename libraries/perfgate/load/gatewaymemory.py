"""The gateway's memory during a load run (`gateway=`), for any protocol.

A `perfgate.memory` sampler runs in the coordinating process while the
workers load the gateway; its series becomes a `GatewayMemory` in the
result, its summary a row of the table and its points a chart. A run this
short gives no leak verdict: that is MemoryLibrary's, over longer windows.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from typing import Any

from perfgate.itemaccess import ItemAccess
from perfgate.memory.display import BYTES_PER_MB
from perfgate.memory.monitor import MemoryMonitor
from perfgate.memory.sample import MemorySample
from perfgate.memory.targets import resolve_source
from perfgate.report.linechart import Series, line_chart
from perfgate.report.runchart import SMALL_HEIGHT
from perfgate.report.svg import ORANGE

# The flat metrics a result with `gateway_memory` adds (thresholds, baselines).
GATEWAY_MEMORY_METRICS = frozenset({"gateway_memory_peak_mb", "gateway_memory_growth_mb"})


@dataclass
class GatewayMemory(ItemAccess):
    """The gateway's resident memory during the run (`perfgate.memory`'s sampler);
    `memory.peak_mb` and `memory["peak_mb"]` alike."""

    source: str
    interval_s: float
    # Seconds from the run's start instant, the other charts' axis; the last reading taken
    # before it (while the workers started) stands at 0, the memory the run started from.
    t: list[float]
    rss_mb: list[float]  # the highest reading of each point
    initial_mb: float
    final_mb: float
    peak_mb: float
    growth_mb: float
    notes: list[str] = field(default_factory=list)


class GatewayMemoryFigures:
    """The flat memory metrics of a result class that declares a `gateway_memory` field
    (NaN without one): thresholds, `metric()` and BaselineLibrary read them by name."""

    gateway_memory: GatewayMemory | None

    @property
    def gateway_memory_peak_mb(self) -> float:
        return self.gateway_memory.peak_mb if self.gateway_memory else math.nan

    @property
    def gateway_memory_growth_mb(self) -> float:
        return self.gateway_memory.growth_mb if self.gateway_memory else math.nan


class Sampled:
    """What `sampled` gives: called, the series once the block is left; `started(start_ns)`
    (the coordinator's start instant, `time.monotonic_ns`) puts it on the run's time axis."""

    def __init__(self) -> None:
        self.memory: GatewayMemory | None = None
        self.start_ns: int | None = None

    def __call__(self) -> GatewayMemory | None:
        return self.memory

    def started(self, start_ns: int) -> None:
        self.start_ns = start_ns


@contextmanager
def sampled(gateway: Any, duration_s: float) -> Iterator[Sampled]:
    """Sample `gateway`'s memory (a Gateway, PID or metrics URL; None: nothing) while the
    block runs; what it gives returns the series once the block is left."""
    monitor = memory_monitor(gateway, duration_s)
    memory = Sampled()
    try:
        if monitor is not None:
            monitor.start()
        yield memory
    finally:
        if monitor is not None:
            memory.memory = stop_monitor(monitor, memory.start_ns)


def memory_monitor(gateway: Any, duration_s: float) -> MemoryMonitor | None:
    """A sampler of `gateway`, not started; None when no gateway is given."""
    if gateway is None or gateway == "":
        return None
    source = resolve_source(gateway)
    # About 60 points however long the run, but not more often than 4 a second
    # (reading a big gateway's USS takes milliseconds).
    interval = min(max(duration_s / 60.0, 0.25), 5.0)
    return MemoryMonitor(source, interval_s=interval, alias="gateway")


def stop_monitor(monitor: MemoryMonitor, start_ns: int | None = None) -> GatewayMemory | None:
    """The sampled series, its time from the run's `start_ns` (None: from its first sample);
    no leak verdict (a run this short cannot give one)."""
    monitor.halt()
    close = getattr(monitor.source, "close", None)
    if close is not None:
        close()
    series = monitor.series
    points = series.points()
    if not points or series.first is None or series.last is None or series.peak is None:
        return None
    shown = on_run_axis(points, points[0].mono_ns if start_ns is None else start_ns)
    return GatewayMemory(
        source=monitor.source.description,
        interval_s=monitor.interval_s,
        t=[t for t, _ in shown],
        rss_mb=[round(p.rss_high / BYTES_PER_MB, 2) for _, p in shown],
        initial_mb=series.first.rss / BYTES_PER_MB,
        final_mb=series.last.rss / BYTES_PER_MB,
        peak_mb=series.peak.rss / BYTES_PER_MB,
        growth_mb=(series.last.rss - series.first.rss) / BYTES_PER_MB,
        notes=list(monitor.source.notes),
    )


def on_run_axis(points: list[MemorySample], start_ns: int) -> list[tuple[float, MemorySample]]:
    """(seconds from `start_ns`, sample): the samples from the start on, after the last one
    taken before it, at 0 (earlier ones are from before the run: the workers starting)."""
    before = [p for p in points if p.mono_ns < start_ns]
    shown = before[-1:] + [p for p in points if p.mono_ns >= start_ns]
    return [(round(max(0, p.mono_ns - start_ns) / 1e9, 3), p) for p in shown]


def memory_row(memory: GatewayMemory) -> tuple[str, str]:
    """The table row: ``Gateway memory | 41.0 -> 43.2 MB (peak ..., growth ...), source``."""
    m = memory
    return (
        "Gateway memory",
        f"{m.initial_mb:.1f} -> {m.final_mb:.1f} MB (peak {m.peak_mb:.1f} MB, growth "
        f"{m.growth_mb:+.1f} MB), {escape(m.source)}, every {m.interval_s:g} s",
    )


def memory_chart(memory: GatewayMemory | None, run_s: float = 0.0, warmup_s: float = 0.0) -> str:
    """The resident memory over the run; "" with fewer than two points. `run_s` and
    `warmup_s`: the run's length and warm-up, so its axis and shading are the other charts'."""
    if memory is None or len(memory.t) < 2:
        return ""
    return line_chart(
        [Series("RSS", list(zip(memory.t, memory.rss_mb, strict=True)), ORANGE)],
        title="Gateway memory (MB)",
        # From zero: a size; 41.6 to 42 MB on its own axis would make 0.5 MB look like a cliff.
        y_min=0.0,
        x_range=(0.0, max(memory.t[-1], run_s, 1e-9)),
        shade=(0.0, warmup_s) if warmup_s > 0 else None,
        height=SMALL_HEIGHT,
    )
