"""A memory monitor's readings and leak verdict as Prometheus series, while it runs.

| Series | Type | When |
|---|---|---|
| ``perfgate_memory_rss_bytes``, ``perfgate_memory_uss_bytes`` | gauge | each reading, at its own time |
| ``perfgate_memory_open_files``, ``perfgate_memory_threads``, ``perfgate_memory_processes`` | gauge | each reading (what the source gives) |
| ``perfgate_memory_leak_verdict`` | gauge | at the stop: 0 NO LEAK, 1 INCONCLUSIVE, 2 LEAK |
| ``perfgate_memory_leak_rate_mb_per_hour``, ``perfgate_memory_leak_max_rate_mb_per_hour`` | gauge | at the stop: the result's rate and the limit it was judged by |

Labels: the run's (run, suite, test, pabot, gateway, machine) and ``monitor``
(the monitor's alias). The verdict is ordered by severity, so that ``max``
over several monitors is the worst; the rates keep the result's unit (binary
MB per hour, as ``leak_rate_mb_per_hour`` and ``max_rate=5 MB/h``).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from perfgate.live.export import Export
from perfgate.live.sender import SendTotals
from perfgate.live.settings import LiveSettings

if TYPE_CHECKING:
    from perfgate.memory.result import MemoryResult
    from perfgate.memory.sample import MemorySample

VERDICT_NUMBERS = {"NO LEAK": 0.0, "INCONCLUSIVE": 1.0, "LEAK": 2.0}


def gateway_alias(target: Any) -> str:
    """The ``gateway`` label of a monitor's target: a Gateway's alias, or the alias it was
    named by; "" for a PID or a metrics URL."""
    alias = getattr(target, "alias", None)
    if isinstance(alias, str):
        return alias
    if isinstance(target, str):
        text = target.strip()
        if not text.isdigit() and not text.startswith(("http://", "https://")):
            return text
    return ""


class MemoryExport:
    """A monitor's live side: `sample` from its sampler thread for each reading (only
    queued), `finish` once, at its stop, from the thread that stops it."""

    def __init__(self, settings: LiveSettings, monitor: str) -> None:
        self.export = Export(
            settings, f"memory monitor '{monitor}'", {"monitor": monitor}, "The monitor went on"
        )

    def sample(self, sample: MemorySample) -> None:
        book = self.export.book
        book.gauge("perfgate_memory_rss_bytes", sample.rss)
        for name, value in (
            ("perfgate_memory_uss_bytes", sample.uss),
            ("perfgate_memory_open_files", sample.open_files),
            ("perfgate_memory_threads", sample.threads),
        ):
            if value is not None:
                book.gauge(name, value)
        book.gauge("perfgate_memory_processes", sample.processes)
        self.export.send(sample.wall)

    def finish(self, result: MemoryResult | None) -> SendTotals:
        """The verdict and rate of `result` sent (None: the monitor was interrupted and has
        none), then the writer closed."""
        if result is not None:
            book = self.export.book
            book.gauge("perfgate_memory_leak_verdict", VERDICT_NUMBERS[result.verdict])
            rate = result.leak_rate_mb_per_hour
            if math.isfinite(rate):
                book.gauge("perfgate_memory_leak_rate_mb_per_hour", rate)
            limit = result.criteria.max_rate_mb_per_hour
            book.gauge("perfgate_memory_leak_max_rate_mb_per_hour", limit)
            self.export.send(time.time())
        return self.export.close()
