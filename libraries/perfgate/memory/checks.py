"""Pass/fail questions asked of a memory result, beyond the leak verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from perfgate.memory.display import BYTES_PER_MB, format_duration
from perfgate.memory.leak import LeakAnalysis
from perfgate.memory.result import MemoryResult


@dataclass(frozen=True)
class LimitCheck:
    ok: bool
    metric: str
    peak_mb: float
    limit_mb: float
    message: str


@dataclass(frozen=True)
class RecoveryCheck:
    ok: bool
    baseline_mb: float
    idle_floor_mb: float
    limit_mb: float
    message: str


def check_stays_below(result: MemoryResult, limit_bytes: int, metric: str = "rss") -> LimitCheck:
    """Did the peak (of every raw sample, not just the stored points) stay under the limit?"""
    metric = metric.strip().lower()
    if metric == "rss":
        peak = result.peak_mb
    elif metric == "uss":
        if result.peak_uss_mb is None:
            raise ValueError(
                f"{result.target} has no USS figures (a /metrics source gives RSS only); "
                "use metric=rss."
            )
        peak = result.peak_uss_mb
    else:
        raise ValueError(f"metric must be 'rss' or 'uss', got {metric!r}.")
    if limit_bytes <= 0:
        raise ValueError(f"the memory limit must be positive, got {limit_bytes} bytes.")
    limit = limit_bytes / BYTES_PER_MB
    ok = peak < limit
    message = (
        f"Memory '{result.alias}' peak {metric.upper()} {peak:.1f} MB "
        f"{'stayed below' if ok else 'reached'} the {limit:.1f} MB limit"
        + ("." if ok else f" (at {format_duration(result.peak_at_s)} into the run).")
    )
    return LimitCheck(ok, metric, peak, limit, message)


def _default_window(leak: LeakAnalysis) -> float:
    # A run judged too short has no windows; one nominal window still
    # defines the baseline and the idle period.
    return leak.analysed_s / leak.criteria.windows if leak.analysed_s > 0 else 0.0


def check_recovery(
    result: MemoryResult, tolerance: float, idle_s: float | None = None
) -> RecoveryCheck:
    """After an idle period at the end of the run, is the RSS floor back within
    `tolerance` (a fraction) of the floor just after warm-up?

    The baseline is the lowest RSS in the first window after the warm-up cut;
    the idle floor is the lowest RSS in the last `idle_s` seconds (default:
    one window's length).
    """
    if not 0 <= tolerance <= 10:
        raise ValueError(f"tolerance must be a fraction such as '10%', got {tolerance}.")
    t, low, _, _ = result.series()
    leak = result.leak
    window = leak.window_s if math.isfinite(leak.window_s) else _default_window(leak)
    idle = window if idle_s is None else idle_s
    if t.size < 2 or window <= 0 or idle <= 0:
        raise ValueError(
            f"Memory '{result.alias}' has too few samples ({result.samples}) to compare the "
            "floor after idle with the floor after warm-up; monitor longer."
        )
    duration = float(t[-1])
    base_end = leak.warmup_s + window
    if duration - idle < base_end:
        raise ValueError(
            f"the idle period ({format_duration(idle)}) overlaps the first window after "
            f"warm-up (up to {format_duration(base_end)}); give a shorter idle= or monitor "
            "longer."
        )
    base = low[(t >= leak.warmup_s) & (t <= base_end)]
    tail = low[t >= duration - idle]
    if base.size == 0 or tail.size == 0:
        raise ValueError(
            f"Memory '{result.alias}' has no samples in the baseline window or the idle "
            "period; sample more often."
        )
    baseline, idle_floor = float(np.min(base)), float(np.min(tail))
    limit = baseline * (1.0 + tolerance)
    ok = idle_floor <= limit
    message = (
        f"Memory '{result.alias}' floor in the last {format_duration(idle)} is "
        f"{idle_floor:.1f} MB against {baseline:.1f} MB after warm-up "
        f"({(idle_floor / baseline - 1) * 100:+.1f}%, tolerance {tolerance:.0%}): "
        + ("recovered." if ok else f"did not come back under {limit:.1f} MB.")
    )
    return RecoveryCheck(ok, baseline, idle_floor, limit, message)
