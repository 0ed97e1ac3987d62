"""The leak verdict: does the memory floor keep rising after warm-up?

A plain regression over every RSS sample is fooled both ways: warm-up growth
(caches filling, pools opening) looks like a leak, and the garbage-collection
sawtooth adds so much scatter that a real leak fits badly and passes. So:

1. Drop the warm-up (default the first 20 % of the run).
2. Split the rest into equal time windows and keep each window's minimum:
   the floor the collector gets back to. A sawtooth has a flat floor; a leak
   lifts it.
3. Fit a Theil-Sen slope through the floors (a median of pairwise slopes, so
   one odd window cannot swing it) and run a one-sided Mann-Kendall test for
   an upward trend (Kendall's tau between time and floor with the tie-
   corrected variance: scipy's vetted implementations).
4. LEAK only when all hold: the trend is significant, the slope is above the
   limit, the growth after warm-up is above max(`min_growth`, the peak-to-peak
   jitter of the floors about the trend, i.e. twice the sawtooth amplitude
   left after taking floors), and the last three floors each rose, together
   faster than the limit (a warm-up tail or a filling cache levels off).
5. Otherwise ask whether the run could have seen a leak at all: add a
   synthetic leak of `DETECT_FACTOR` times the limit to this very series and
   judge again. If even that would not be called LEAK, the verdict is
   INCONCLUSIVE and says how long a run would do; if it would, NO LEAK.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from perfgate.memory.display import SECONDS_PER_HOUR, format_duration
from perfgate.memory.jsonsafe import json_safe

LEAK = "LEAK"
NO_LEAK = "NO LEAK"
INCONCLUSIVE = "INCONCLUSIVE"

# A window floor needs a few samples or it is just a sample; four windows is
# the fewest for which "the last three floors each rose" means anything.
MIN_POINTS_PER_WINDOW = 3
MIN_WINDOWS = 4
# NO LEAK vouches that a leak this many times the limit would have been
# caught. At exactly 1x a flat server plus a leak at the limit has its
# slope above the limit only half the time, so no run could vouch for it.
DETECT_FACTOR = 1.5
REQUIRED_MARGIN = 1.15


@dataclass(frozen=True)
class LeakCriteria:
    """What counts as a leak. Rates and sizes are in binary megabytes."""

    max_rate_mb_per_hour: float = 5.0
    min_growth_mb: float = 10.0
    warmup_s: float | None = None
    warmup_fraction: float = 0.2
    windows: int = 5
    alpha: float = 0.05

    def __post_init__(self) -> None:
        if not (self.max_rate_mb_per_hour > 0 and math.isfinite(self.max_rate_mb_per_hour)):
            raise ValueError(
                f"max_rate must be a positive rate such as '5 MB/h', got "
                f"{self.max_rate_mb_per_hour} MB/h."
            )
        if not (self.min_growth_mb >= 0 and math.isfinite(self.min_growth_mb)):
            raise ValueError(
                f"min_growth must be zero or a size such as '10 MB', got {self.min_growth_mb} MB."
            )
        if self.warmup_s is not None and not (self.warmup_s >= 0 and math.isfinite(self.warmup_s)):
            raise ValueError(
                f"warmup must be zero or a duration such as '2 min', got {self.warmup_s} s."
            )
        if not 0 <= self.warmup_fraction < 1:
            raise ValueError(
                f"warmup fraction must be from 0 % up to (not including) 100 %, got "
                f"{self.warmup_fraction:.0%}."
            )
        if self.windows < MIN_WINDOWS:
            raise ValueError(
                f"windows must be at least {MIN_WINDOWS}, since the verdict needs the last "
                f"three window floors to each rise; got {self.windows}."
            )
        if not 0 < self.alpha < 0.5:
            raise ValueError(f"alpha must be between 0 and 0.5, got {self.alpha}.")

    def warmup_for(self, duration_s: float) -> float:
        if self.warmup_s is not None:
            return self.warmup_s
        return self.warmup_fraction * duration_s

    def run_needed_for(self, analysed_s: float) -> float:
        """The whole run (warm-up included) that leaves `analysed_s` after the cut."""
        if self.warmup_s is not None:
            return self.warmup_s + analysed_s
        return analysed_s / (1.0 - self.warmup_fraction)


@dataclass(frozen=True)
class WindowFloor:
    """One window after warm-up: its lowest and highest RSS and when the lowest was."""

    start_s: float
    end_s: float
    at_s: float
    floor_mb: float
    high_mb: float


@dataclass(frozen=True)
class LeakAnalysis:
    verdict: str
    reason: str
    criteria: LeakCriteria
    warmup_s: float
    analysed_s: float
    floors: tuple[WindowFloor, ...] = ()
    rate_mb_per_hour: float = math.nan
    rate_ci_mb_per_hour: tuple[float, float] = (math.nan, math.nan)
    intercept_mb: float = math.nan
    trend_p_value: float = math.nan
    kendall_tau: float = math.nan
    growth_mb: float = math.nan
    sawtooth_mb: float = math.nan
    floor_jitter_mb: float = math.nan
    growth_threshold_mb: float = math.nan
    resolvable_mb_per_hour: float = math.nan
    last_floors_rose: bool = False
    required_run_s: float | None = None
    checks: dict[str, bool] = field(default_factory=dict)

    def trend_at(self, t_s: float) -> float:
        """The fitted floor (MB) at `t_s` seconds into the run."""
        return self.intercept_mb + self.rate_mb_per_hour * t_s / SECONDS_PER_HOUR

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["floors"] = [asdict(f) for f in self.floors]
        return json_safe(data)


@dataclass(frozen=True)
class _Fit:
    """The four LEAK conditions evaluated on one series."""

    floors: tuple[WindowFloor, ...]
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
    checks: dict[str, bool]

    @property
    def is_leak(self) -> bool:
        return all(self.checks.values())


def analyse_leak(
    times_s: np.ndarray | list[float],
    low_mb: np.ndarray | list[float],
    high_mb: np.ndarray | list[float] | None = None,
    criteria: LeakCriteria | None = None,
) -> LeakAnalysis:
    """Judge a memory series. `times_s` rise from the run's start; `low_mb` is
    each point's RSS (or, for a downsampled point, the lowest RSS it covers)
    and `high_mb` the highest it covers (defaults to `low_mb`)."""
    crit = criteria or LeakCriteria()
    t = np.asarray(times_s, dtype=float)
    low = np.asarray(low_mb, dtype=float)
    high = low if high_mb is None else np.asarray(high_mb, dtype=float)
    if not (t.shape == low.shape == high.shape and t.ndim == 1):
        raise ValueError("times, low and high memory series must be 1-D and of equal length.")
    if t.size and np.any(np.diff(t) < 0):
        raise ValueError("sample times must not go backwards; pass them in the order taken.")

    start = float(t[0]) if t.size else 0.0
    duration = float(t[-1]) - start if t.size else 0.0
    warmup = min(crit.warmup_for(duration), duration)
    analysed = duration - warmup
    span = (start + warmup, start + duration)
    fit = _fit(t, low, high, crit, span)
    if fit is None:
        return _too_few_samples(t, crit, warmup, analysed)

    summary = (
        f"floors after a {format_duration(warmup)} warm-up rise at {fit.slope:.1f} MB/h "
        f"(95% CI {fit.ci[0]:.1f} to {fit.ci[1]:.1f}) over {format_duration(analysed)}, "
        f"Mann-Kendall p={fit.p_value:.3g}, growth {fit.growth:.1f} MB against a "
        f"{fit.threshold:.1f} MB threshold"
    )
    limit = crit.max_rate_mb_per_hour
    common: dict[str, Any] = {
        "criteria": crit,
        "warmup_s": warmup,
        "analysed_s": analysed,
        "floors": fit.floors,
        "rate_mb_per_hour": fit.slope,
        "rate_ci_mb_per_hour": fit.ci,
        "intercept_mb": fit.intercept,
        "trend_p_value": fit.p_value,
        "kendall_tau": fit.tau,
        "growth_mb": fit.growth,
        "sawtooth_mb": fit.sawtooth,
        "floor_jitter_mb": fit.jitter,
        "growth_threshold_mb": fit.threshold,
        "last_floors_rose": fit.rose,
        "checks": fit.checks,
    }
    if fit.is_leak:
        reason = (
            f"{summary}: a significant rise above the {limit:g} MB/h limit that is still "
            "going (the last three window floors each rose)."
        )
        return LeakAnalysis(LEAK, reason, **common)

    resolvable = _resolvable_rate(t, low, high, crit, span)
    common["resolvable_mb_per_hour"] = resolvable
    if resolvable > DETECT_FACTOR * limit:
        if math.isfinite(resolvable):
            # What one run can resolve shrinks in proportion to its length;
            # the margin covers the floors' jitter, which a longer run may not
            # shrink in proportion.
            scale = REQUIRED_MARGIN * resolvable / (DETECT_FACTOR * limit)
            required = crit.run_needed_for(analysed * scale)
            advice = (
                f"to vouch for the {limit:g} MB/h limit, run at least "
                f"{format_duration(required)} (warm-up included), or raise max_rate or lower "
                "min_growth"
            )
        else:
            required = None
            advice = "take more samples or use fewer windows"
        reason = (
            f"Too short to tell: this run could only have caught a leak faster than "
            f"{resolvable:.1f} MB/h (growth must exceed {fit.threshold:.1f} MB and the floors "
            f"jitter by {fit.jitter:.2f} MB); {advice}. Seen so far: {summary}."
        )
        return LeakAnalysis(INCONCLUSIVE, reason, required_run_s=required, **common)
    reason = (
        f"{summary}: {_why_not(fit.checks, crit)}. A leak of {DETECT_FACTOR * limit:g} MB/h "
        "would have been caught."
    )
    return LeakAnalysis(NO_LEAK, reason, **common)


def _fit(
    t: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    crit: LeakCriteria,
    span: tuple[float, float],
) -> _Fit | None:
    # scipy.stats takes most of a second to import; only a verdict needs it.
    from scipy import stats

    post = t >= span[0]
    n_windows = min(crit.windows, int(post.sum()) // MIN_POINTS_PER_WINDOW)
    floors = _window_floors(t[post], low[post], high[post], n_windows, span)
    if len(floors) < MIN_WINDOWS:
        return None
    at = np.array([f.at_s for f in floors])
    fl = np.array([f.floor_mb for f in floors])
    at_h = at / SECONDS_PER_HOUR
    slope, intercept, lo, hi = stats.theilslopes(fl, at_h, alpha=0.95)
    tau, p_value = stats.kendalltau(at, fl, alternative="greater")
    p_value = 1.0 if math.isnan(p_value) else float(p_value)
    tau = 0.0 if math.isnan(tau) else float(tau)
    residuals = fl - (intercept + slope * at_h)
    jitter = float(residuals.max() - residuals.min())
    threshold = max(crit.min_growth_mb, jitter)
    growth = float(slope) * (span[1] - span[0]) / SECONDS_PER_HOUR
    # The last three floors must each rise, and together faster than the
    # limit: a warm-up tail still settling also rises at the end, but slowly.
    tail_t, tail_f = at_h[-MIN_WINDOWS:], fl[-MIN_WINDOWS:]
    tail_rate = (tail_f[-1] - tail_f[0]) / (tail_t[-1] - tail_t[0])
    rose = bool(np.all(np.diff(tail_f) > 0) and tail_rate > crit.max_rate_mb_per_hour)
    checks = {
        "trend_significant": bool(p_value < crit.alpha),
        "rate_above_limit": bool(slope > crit.max_rate_mb_per_hour),
        "growth_above_threshold": bool(growth > threshold),
        "last_floors_rose": rose,
    }
    return _Fit(
        floors=floors,
        slope=float(slope),
        intercept=float(intercept),
        ci=(float(lo), float(hi)),
        tau=tau,
        p_value=p_value,
        jitter=jitter,
        sawtooth=float(np.median([f.high_mb - f.floor_mb for f in floors])),
        threshold=threshold,
        growth=growth,
        rose=rose,
        checks=checks,
    )


def _resolvable_rate(
    t: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    crit: LeakCriteria,
    span: tuple[float, float],
) -> float:
    """The slowest extra leak (MB/h) that, added to this series, would be called LEAK.

    Answers "could this run have seen a leak?" with the run's own noise,
    sawtooth and shape instead of a model of them.
    """
    t_h = (t - t[0]) / SECONDS_PER_HOUR

    def caught(rate: float) -> bool:
        fit = _fit(t, low + rate * t_h, high + rate * t_h, crit, span)
        return fit is not None and fit.is_leak

    target = DETECT_FACTOR * crit.max_rate_mb_per_hour
    if caught(target):
        return target
    lo, hi = target, 2 * target
    for _ in range(60):
        if caught(hi):
            break
        lo, hi = hi, hi * 2
    else:
        return math.inf
    while hi - lo > 0.01 * hi:
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if caught(mid) else (mid, hi)
    return hi


def _why_not(checks: dict[str, bool], crit: LeakCriteria) -> str:
    why = []
    if not checks["trend_significant"]:
        why.append(f"no significant upward trend (p >= {crit.alpha:g})")
    if not checks["rate_above_limit"]:
        why.append(f"the rate is within the {crit.max_rate_mb_per_hour:g} MB/h limit")
    if not checks["growth_above_threshold"]:
        why.append("the growth is under the threshold")
    if not checks["last_floors_rose"]:
        why.append("the last three window floors did not each rise faster than the limit")
    return "; ".join(why)


def _window_floors(
    t: np.ndarray, low: np.ndarray, high: np.ndarray, n_windows: int, span: tuple[float, float]
) -> tuple[WindowFloor, ...]:
    start, end = span
    if n_windows <= 0 or end <= start:
        return ()
    width = (end - start) / n_windows
    index = np.minimum(((t - start) / width).astype(int), n_windows - 1)
    floors = []
    for w in range(n_windows):
        members = np.flatnonzero(index == w)
        # A window with no samples (the target did not answer) is left out
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


def _too_few_samples(
    t: np.ndarray, crit: LeakCriteria, warmup: float, analysed: float
) -> LeakAnalysis:
    needed_points = MIN_WINDOWS * MIN_POINTS_PER_WINDOW
    n_post = int((t >= (t[0] if t.size else 0.0) + warmup).sum())
    interval = float(np.median(np.diff(t))) if t.size > 1 else math.nan
    required = None
    advice = "take more samples (a shorter interval) or run longer"
    if math.isfinite(interval) and interval > 0:
        required = crit.run_needed_for(needed_points * interval)
        advice = f"run at least {format_duration(required)} at this interval"
    reason = (
        f"Too short to tell: {n_post} samples in the {format_duration(analysed)} after a "
        f"{format_duration(warmup)} warm-up; the verdict needs at least {needed_points} "
        f"({MIN_WINDOWS} windows of {MIN_POINTS_PER_WINDOW}), so {advice}."
    )
    return LeakAnalysis(
        INCONCLUSIVE,
        reason,
        criteria=crit,
        warmup_s=warmup,
        analysed_s=analysed,
        required_run_s=required,
    )
