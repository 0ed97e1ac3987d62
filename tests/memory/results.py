"""Build MemoryResults from synthetic series without a process."""

from __future__ import annotations

import numpy as np

from perfgate.memory.display import BYTES_PER_MB
from perfgate.memory.leak import LeakCriteria
from perfgate.memory.result import MemoryResult, build_result
from perfgate.memory.sample import MemorySample
from perfgate.memory.series import SampleSeries


def result_from(
    t: np.ndarray,
    rss_mb: np.ndarray,
    criteria: LeakCriteria | None = None,
    uss: bool = True,
    alias: str = "synthetic",
) -> MemoryResult:
    series = SampleSeries()
    for sec, mb in zip(t, rss_mb, strict=True):
        rss = int(mb * BYTES_PER_MB)
        series.add(
            MemorySample(
                int(sec * 1e9), 1.7e9 + sec, rss, rss, int(rss * 0.8) if uss else None, 12, 5
            )
        )
    return build_result(
        series,
        target="synthetic series",
        source="test",
        alias=alias,
        interval_s=float(t[1] - t[0]),
        criteria=criteria or LeakCriteria(),
    )
