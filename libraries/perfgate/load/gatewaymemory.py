"""The gateway's memory during a load run (`gateway=`), for any protocol.

A `perfgate.memory` sampler runs in the coordinating process while the
workers load the gateway; its series becomes a `GatewayMemory` in the
result, its summary a row of the table and its points a chart. A run this
short gives no leak verdict: that is MemoryLibrary's, over longer windows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from typing import Any

from perfgate.itemaccess import ItemAccess
from perfgate.memory.display import BYTES_PER_MB
from perfgate.memory.monitor import MemoryMonitor
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
    t: list[float]  # seconds from the first sample
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


@contextmanager
def sampled(gateway: Any, duration_s: float) -> Iterator[Callable[[], GatewayMemory | None]]:
    """Sample `gateway`'s memory (a Gateway, PID or metrics URL; None: nothing) while the
    block runs; the callable it gives returns the series once the block is left."""
    monitor = memory_monitor(gateway, duration_s)
    memory: list[GatewayMemory | None] = [None]
    try:
        if monitor is not None:
            monitor.start()
        yield lambda: memory[0]
    finally:
        if monitor is not None:
            memory[0] = stop_monitor(monitor)


def memory_monitor(gateway: Any, duration_s: float) -> MemoryMonitor | None:
    """A sampler of `gateway`, not started; None when no gateway is given."""
    if gateway is None or gateway == "":
        return None
    source = resolve_source(gateway)
    # About 60 points however long the run, but not more often than 4 a second
    # (reading a big gateway's USS takes milliseconds).
    interval = min(max(duration_s / 60.0, 0.25), 5.0)
    return MemoryMonitor(source, interval_s=interval, alias="gateway")


def stop_monitor(monitor: MemoryMonitor) -> GatewayMemory | None:
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


def memory_row(memory: GatewayMemory) -> tuple[str, str]:
    """The table row: ``Gateway memory | 41.0 -> 43.2 MB (peak ..., growth ...), source``."""
    m = memory
    return (
        "Gateway memory",
        f"{m.initial_mb:.1f} -> {m.final_mb:.1f} MB (peak {m.peak_mb:.1f} MB, growth "
        f"{m.growth_mb:+.1f} MB), {escape(m.source)}, every {m.interval_s:g} s",
    )


def memory_chart(memory: GatewayMemory | None) -> str:
    """The resident memory over the run; "" with fewer than two points."""
    if memory is None or len(memory.t) < 2:
        return ""
    return line_chart(
        [Series("RSS", list(zip(memory.t, memory.rss_mb, strict=True)), ORANGE)],
        title="Gateway memory (MB)",
        # From zero: a size; 41.6 to 42 MB on its own axis would make 0.5 MB look like a cliff.
        y_min=0.0,
        x_range=(0.0, max(memory.t[-1], 1e-9)),
        height=SMALL_HEIGHT,
    )
