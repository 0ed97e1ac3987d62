"""Stretches and windows of at least one collection cycle, their floors and the trend.

`plan_windows` decides where the analysis starts and how wide stretches and
windows are; `fit_floors` takes the lowest reading of each, fits the trend
through the stretch floors and evaluates the LEAK conditions. Both work on
bare arrays so the power check can judge the same windows with a synthetic
leak added.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from perfgate.memory.cycles import Collections, find_collections
from perfgate.memory.display import SECONDS_PER_HOUR

# A window floor needs a few samples or it is just a sample; four windows is
# the fewest for which "the last three floors each rose" means anything.
MIN_POINTS_PER_WINDOW = 3
MIN_WINDOWS = 4
# LEAK reports a rate only when its 95 % confidence interval lies within this
# share of it: a rate off by more is no figure to act on.
RATE_PRECISION = 0.3
# Theil-Sen compares every pair of floors; this many keeps a verdict with its
# power check within a few hundred milliseconds.
MAX_STRETCHES = 240


@dataclass(frozen=True)
class WindowFloor:
    """One stretch or window after warm-up: its lowest and highest RSS and when the
    lowest was."""

    start_s: float
    end_s: float
    at_s: float
    floor_mb: float
    high_mb: float


@dataclass(frozen=True)
class WindowPlan:
    """Where the analysis starts and how it is cut.

    Times are seconds from the first sample. The analysed span is cut into
    `stretches` equal stretches, each at least `cycle_s` wide (the longest
    stretch without a collection after warm-up; NaN when the run shows no
    collection) and at least `MIN_POINTS_PER_WINDOW` samples wide, so each
    stretch holds a collection and its lowest reading is a floor the runtime
    came back to. The same span is also cut into `windows` equal windows, no
    more than there are stretches, so each is at least as wide (0 when fewer
    than `MIN_WINDOWS` stretches fit).
    """

    warmup_s: float
    analysed_s: float
    stretches: int
    windows: int
    cycle_s: float
    collections: Collections

    @property
    def stretch_s(self) -> float:
        return self.analysed_s / self.stretches if self.stretches else math.nan

    @property
    def window_s(self) -> float:
        return self.analysed_s / self.windows if self.windows else math.nan


def plan_windows(t: np.ndarray, low: np.ndarray, warmup_s: float, max_windows: int) -> WindowPlan:
    """Cut the run after `warmup_s` into stretches of a cycle or more, and into windows.

    `t` are seconds from the first sample, `low` the readings (MB).
    """
    duration = float(t[-1]) if t.size else 0.0
    cut = min(warmup_s, duration)
    collections = find_collections(t, low)
    cycle = collections.longest_stretch(cut, duration)
    analysed = duration - cut
    interval = float(np.median(np.diff(t))) if t.size > 1 else math.nan
    width = MIN_POINTS_PER_WINDOW * interval
    if math.isfinite(cycle):
        width = max(width, cycle)
    stretches = int(analysed // width) if width > 0 else 0
    stretches = min(stretches, MAX_STRETCHES)
    windows = min(max_windows, stretches)
    return WindowPlan(
        cut, analysed, stretches, windows if windows >= MIN_WINDOWS else 0, cycle, collections
    )


@dataclass(frozen=True)
class FloorFit:
    """The LEAK conditions evaluated on one series: the floor of every stretch
    (`floors`, which the rate is fitted through) and of every window."""

    floors: tuple[WindowFloor, ...]
    window_floors: tuple[WindowFloor, ...]
    slope: float
    intercept: float
    ci: tuple[float, float]
    tau: float
    p_value: float
    jitter: float
    sawtooth: float
    threshold: float
    growth: float
    rose: bool
    end_rate: float
    checks: dict[str, bool]

    @property
    def rising(self) -> bool:
        """Every LEAK condition but the rate's precision holds."""
        return all(ok for name, ok in self.checks.items() if name != "rate_pinned")

    @property
    def is_leak(self) -> bool:
        return self.rising and self.checks["rate_pinned"]

    def looks_like_leak(self, max_rate: float) -> bool:
        """A significant rise above the limit whose floors still rise above it over
        the last three windows, if not in every one: no ground for NO LEAK."""
        checks = self.checks
        return (
            checks["trend_significant"]
            and checks["rate_above_limit"]
            and checks["growth_above_threshold"]
            and self.end_rate > max_rate
        )

    @property
    def precision(self) -> float:
        return rate_precision(self.slope, self.ci)


def fit_floors(
    t: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    plan: WindowPlan,
    max_rate: float,
    min_growth: float,
    alpha: float,
) -> FloorFit | None:
    """Theil-Sen slope and Mann-Kendall trend of the floors, and the LEAK checks.

    `t` are seconds from the first sample. None when fewer than
    `MIN_WINDOWS` windows have samples.
    """
    # scipy.stats takes most of a second to import; only a verdict needs it.
    from scipy import stats

    if plan.windows == 0:
        return None
    span = (plan.warmup_s, plan.warmup_s + plan.analysed_s)
    floors = _floors(t, low, high, span, plan.stretches)
    windows = _floors(t, low, high, span, plan.windows)
    if len(windows) < MIN_WINDOWS:
        return None
    at_h = np.array([f.at_s for f in floors]) / SECONDS_PER_HOUR
    fl = np.array([f.floor_mb for f in floors])
    slope, intercept, lo, hi = stats.theilslopes(fl, at_h, alpha=0.95)
    tau, p_value = stats.kendalltau(at_h, fl, alternative="greater")
    p_value = 1.0 if math.isnan(p_value) else float(p_value)
    win_h = np.array([w.at_s for w in windows]) / SECONDS_PER_HOUR
    win = np.array([w.floor_mb for w in windows])
    residuals = win - (intercept + slope * win_h)
    jitter = float(residuals.max() - residuals.min())
    threshold = max(min_growth, jitter)
    # The trend's rise between the first and the last floor: what the chart
    # shows between the first and last dot, never an extrapolation past them.
    growth = float(slope) * (at_h[-1] - at_h[0])
    rose = _still_rising(win_h, win, max_rate)
    ci = (float(lo), float(hi))
    return FloorFit(
        floors=floors,
        window_floors=windows,
        slope=float(slope),
        intercept=float(intercept),
        ci=ci,
        tau=0.0 if math.isnan(tau) else float(tau),
        p_value=p_value,
        jitter=jitter,
        sawtooth=float(np.median([f.high_mb - f.floor_mb for f in windows])),
        threshold=threshold,
        growth=growth,
        rose=rose,
        end_rate=_end_rate(at_h, fl, windows[-3].start_s),
        checks={
            "trend_significant": bool(p_value < alpha),
            "rate_above_limit": bool(slope > max_rate),
            "growth_above_threshold": bool(growth > threshold),
            "last_floors_rose": rose,
            "rate_pinned": bool(rate_precision(float(slope), ci) <= RATE_PRECISION),
        },
    )


def _end_rate(at_h: np.ndarray, floors: np.ndarray, from_s: float) -> float:
    """The floors' own trend (MB/h) from `from_s` on, which one window that did
    not rise cannot swing; NaN with fewer than two floors there."""
    from scipy import stats

    end = at_h >= from_s / SECONDS_PER_HOUR
    if end.sum() < 2:
        return math.nan
    return float(stats.theilslopes(floors[end], at_h[end])[0])


def _still_rising(at_h: np.ndarray, floors: np.ndarray, max_rate: float) -> bool:
    """The last three window floors each rose, and together faster than the limit:
    a warm-up tail still settling also rises at the end, but slowly."""
    tail_t, tail_f = at_h[-MIN_WINDOWS:], floors[-MIN_WINDOWS:]
    tail_rate = (tail_f[-1] - tail_f[0]) / (tail_t[-1] - tail_t[0])
    return bool(np.all(np.diff(tail_f) > 0) and tail_rate > max_rate)


def rate_precision(rate: float, ci: tuple[float, float]) -> float:
    """How far the 95 % CI reaches from the rate, as a share of it (inf unless rate > 0)."""
    if not rate > 0:
        return math.inf
    return max(rate - ci[0], ci[1] - rate) / rate


def _floors(
    t: np.ndarray, low: np.ndarray, high: np.ndarray, span: tuple[float, float], n: int
) -> tuple[WindowFloor, ...]:
    """The lowest reading in each of `n` equal parts of `span`."""
    start, end = span
    width = (end - start) / n
    post = t >= start
    t, low, high = t[post], low[post], high[post]
    index = np.minimum(((t - start) / width).astype(int), n - 1)
    floors = []
    for w in range(n):
        members = np.flatnonzero(index == w)
        # A part with no samples (the target did not answer) is left out
        # rather than guessed.
        if members.size == 0:
            continue
        lowest = members[np.argmin(low[members])]
        floors.append(
            WindowFloor(
                start_s=start + w * width,
                end_s=start + (w + 1) * width,
                at_s=float(t[lowest]),
                floor_mb=float(low[lowest]),
                high_mb=float(high[members].max()),
            )
        )
    return tuple(floors)
