"""The leak verdict: does the memory floor keep rising after warm-up?

A plain regression over every RSS sample is fooled both ways: warm-up growth
(caches filling, pools opening) looks like a leak, and the garbage-collection
sawtooth adds so much scatter that a real leak fits badly and passes. So:

1. Find the runtime's collection cycle from the falls in the samples
   (`perfgate.memory.cycles`).
2. Drop the warm-up (default the first 20 % of the run).
3. Split the rest into equal windows, each at least one full cycle (the
   longest stretch without a collection), at most `windows` of them; keep
   each window's minimum: the floor the collector gets back to. Fewer than
   four such windows: INCONCLUSIVE, with the run length that would do.
4. Fit a Theil-Sen slope through the floors (a median of pairwise slopes, so
   one odd window cannot swing it) and run a one-sided Mann-Kendall test for
   an upward trend (Kendall's tau between time and floor with the tie-
   corrected variance: scipy's vetted implementations).
5. LEAK only when all hold: the trend is significant, the slope is above the
   limit, the trend's rise from the first floor to the last is above
   max(`min_growth`, the peak-to-peak jitter of the floors about the trend),
   the last three floors each rose, together faster than the limit (a
   warm-up tail or a filling cache levels off), and the slope's 95 % CI is
   within +-30 % of it. A leak that passes all but the last is INCONCLUSIVE:
   its rate is not known well enough to report.
6. Otherwise ask whether the run could have seen a leak at all: add a
   synthetic leak of `DETECT_FACTOR` times the limit to this very series and
   judge the same windows again. If even that would not be called LEAK, the
   verdict is INCONCLUSIVE and says how long a run would do; if it would,
   NO LEAK.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from perfgate.artifacts.paths import json_safe
from perfgate.measure.units import format_number
from perfgate.memory.cycles import Collections
from perfgate.memory.display import SECONDS_PER_HOUR, format_duration
from perfgate.memory.floors import (
    MIN_POINTS_PER_WINDOW,
    MIN_WINDOWS,
    RATE_PRECISION,
    FloorFit,
    WindowFloor,
    WindowPlan,
    fit_floors,
    plan_windows,
)

LEAK = "LEAK"
NO_LEAK = "NO LEAK"
INCONCLUSIVE = "INCONCLUSIVE"

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
class LeakAnalysis:
    """The verdict and every figure behind it; times are seconds from the first sample.

    `collections_s` are when memory fell back by at least `min_fall_mb`
    (`collection_falls_mb` how much); `cycle_s` the longest stretch without
    such a fall after warm-up (NaN when none was seen), and `window_s` the
    width of the windows, at least `cycle_s`.
    """

    verdict: str
    reason: str
    criteria: LeakCriteria
    warmup_s: float
    analysed_s: float
    floors: tuple[WindowFloor, ...] = ()
    window_floors: tuple[WindowFloor, ...] = ()
    stretch_s: float = math.nan
    window_s: float = math.nan
    cycle_s: float = math.nan
    collections_s: tuple[float, ...] = ()
    collection_falls_mb: tuple[float, ...] = ()
    min_fall_mb: float = math.nan
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
        data["window_floors"] = [asdict(f) for f in self.window_floors]
        return json_safe(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LeakAnalysis:
        """Rebuild an analysis from `to_dict` output (null figures back to NaN)."""
        known = {f.name for f in fields(cls)}
        d: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        for f in fields(cls):
            if f.name in d and d[f.name] is None and f.default is not None:
                d[f.name] = math.nan
        d["criteria"] = LeakCriteria(**data["criteria"])
        for name in ("floors", "window_floors"):
            d[name] = tuple(WindowFloor(**floor) for floor in data.get(name, ()))
        for name in ("collections_s", "collection_falls_mb"):
            d[name] = tuple(d.get(name, ()))
        ci = d.get("rate_ci_mb_per_hour") or (None, None)
        d["rate_ci_mb_per_hour"] = tuple(math.nan if v is None else v for v in ci)
        return cls(**d)


def analyse_leak(
    times_s: np.ndarray | list[float],
    low_mb: np.ndarray | list[float],
    high_mb: np.ndarray | list[float] | None = None,
    criteria: LeakCriteria | None = None,
    collector: str | None = None,
) -> LeakAnalysis:
    """Judge a memory series. `times_s` rise from the run's start; `low_mb` is
    each point's RSS (or, for a downsampled point, the lowest RSS it covers)
    and `high_mb` the highest it covers (defaults to `low_mb`). `collector`
    names the collected runtime the target runs on ("Node.js"), when known:
    such a runtime is not convicted before it has been seen to collect."""
    crit = criteria or LeakCriteria()
    t = np.asarray(times_s, dtype=float)
    low = np.asarray(low_mb, dtype=float)
    high = low if high_mb is None else np.asarray(high_mb, dtype=float)
    if not (t.shape == low.shape == high.shape and t.ndim == 1):
        raise ValueError("times, low and high memory series must be 1-D and of equal length.")
    if t.size and np.any(np.diff(t) < 0):
        raise ValueError("sample times must not go backwards; pass them in the order taken.")
    # Everything below counts seconds from the first sample, as the chart does.
    t = t - t[0] if t.size else t
    duration = float(t[-1]) if t.size else 0.0
    plan = plan_windows(t, low, crit.warmup_for(duration), crit.windows)
    fit = fit_floors(t, low, high, plan, *_limits(crit))
    if fit is None:
        if plan.collections.seen and _cycles_short(plan):
            return _too_few_cycles(plan, crit)
        return _too_few_samples(t, crit, plan)
    common = _figures(plan, fit, crit)
    summary = _summary(plan, fit)
    limit = crit.max_rate_mb_per_hour
    if fit.is_leak and collector and not plan.collections.seen:
        return _first_climb(plan, crit, summary, common, collector)
    if fit.is_leak:
        reason = (
            f"{summary}: a significant rise above the {_fig(limit)} MB/h limit that is still "
            f"going (the last three window floors each rose), its rate known to "
            f"+-{fit.precision:.0%}."
        )
        return LeakAnalysis(LEAK, reason, **common)
    if fit.rising:
        return _rate_not_pinned(plan, fit, crit, summary, common)
    if fit.looks_like_leak(limit):
        return _rising_unevenly(fit, limit, summary, common)
    resolvable = _resolvable_rate(t, low, high, plan, crit)
    common["resolvable_mb_per_hour"] = resolvable
    if resolvable > DETECT_FACTOR * limit:
        return _cannot_vouch(plan, fit, crit, summary, common, resolvable)
    reason = (
        f"{summary}: {_why_not(fit.checks, crit)}. A leak of {_fig(DETECT_FACTOR * limit)} MB/h "
        "would have been caught."
    )
    return LeakAnalysis(NO_LEAK, reason, **common)


def _limits(crit: LeakCriteria) -> tuple[float, float, float]:
    return crit.max_rate_mb_per_hour, crit.min_growth_mb, crit.alpha


def _cycles_short(plan: WindowPlan) -> bool:
    """Did the collection cycle, rather than the sample count, leave too few windows?"""
    return not plan.cycle_s > 0 or plan.analysed_s // plan.cycle_s < MIN_WINDOWS


def _figures(plan: WindowPlan, fit: FloorFit, crit: LeakCriteria) -> dict[str, Any]:
    """The fields every verdict on a fitted series shares."""
    return {
        **_plan_figures(plan, crit),
        "floors": fit.floors,
        "window_floors": fit.window_floors,
        "stretch_s": plan.stretch_s,
        "window_s": plan.window_s,
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


def _plan_figures(plan: WindowPlan, crit: LeakCriteria) -> dict[str, Any]:
    col: Collections = plan.collections
    return {
        "criteria": crit,
        "warmup_s": plan.warmup_s,
        "analysed_s": plan.analysed_s,
        "cycle_s": plan.cycle_s,
        "collections_s": col.at_s,
        "collection_falls_mb": col.fall_mb,
        "min_fall_mb": col.min_fall_mb,
    }


def _fig(value: float) -> str:
    """A figure of the reason as the log shows numbers: 4 significant digits, so that
    a floor of 42.31 MB keeps the precision the chart's hover gives it, and a rate
    reads "3,570", never "3570.0"."""
    return format_number(value, 4)


def _summary(plan: WindowPlan, fit: FloorFit) -> str:
    windows = ", ".join(_fig(f.floor_mb) for f in fit.window_floors)
    return (
        f"{_windows_text(plan)}: the floors rise at {_fig(fit.slope)} MB/h (95% CI "
        f"{_fig(fit.ci[0])} to {_fig(fit.ci[1])}), Mann-Kendall p={fit.p_value:.3g}; window floors "
        f"{windows} MB; the trend rises {_fig(fit.growth)} MB from the first floor to the last, "
        f"against a {_fig(fit.threshold)} MB threshold"
    )


def _windows_text(plan: WindowPlan) -> str:
    """Which floors were taken and why that far apart: the collections seen, or none."""
    cut = (
        f"{plan.stretches} floors, one per {format_duration(plan.stretch_s)} after a "
        f"{format_duration(plan.warmup_s)} warm-up, in {plan.windows} windows"
    )
    if not plan.collections.seen:
        fall = plan.collections.min_fall_mb
        return f"{cut} (no collection seen: memory never fell back by {_fig(fall)} MB or more)"
    return f"{cut} ({_collections_text(plan)}, so each floor spans at least one cycle)"


def _collections_text(plan: WindowPlan) -> str:
    col = plan.collections
    at = col.at_s
    if len(at) <= 8:
        when = "at " + ", ".join(format_duration(a) for a in at)
    else:
        when = f"{len(at)} times, typically {format_duration(col.typical_s())} apart"
    return (
        f"memory fell back by {_fig(col.min_fall_mb)} MB or more {when}; the longest stretch "
        f"without such a fall after warm-up is {format_duration(plan.cycle_s)}"
    )


def _too_few_cycles(plan: WindowPlan, crit: LeakCriteria) -> LeakAnalysis:
    needed = MIN_WINDOWS * plan.cycle_s
    # The advice assumes the longest stretch seen anywhere (the first, before
    # any collection, included) may come again.
    duration = plan.warmup_s + plan.analysed_s
    longest = max(plan.cycle_s, plan.collections.longest_stretch(0.0, duration))
    required = crit.run_needed_for(MIN_WINDOWS * longest)
    reason = (
        f"Too few collection cycles to tell: {_collections_text(plan)}. The verdict needs "
        f"{MIN_WINDOWS} windows at least that long after warm-up ({format_duration(needed)}); "
        f"this run has {format_duration(plan.analysed_s)} after a "
        f"{format_duration(plan.warmup_s)} warm-up. With the longest stretch seen in the "
        f"whole run ({format_duration(longest)}) as the cycle, run at least "
        f"{format_duration(required)} (warm-up included), longer if the cycle grows."
    )
    return LeakAnalysis(INCONCLUSIVE, reason, required_run_s=required, **_plan_figures(plan, crit))


def _first_climb(
    plan: WindowPlan, crit: LeakCriteria, summary: str, common: dict[str, Any], collector: str
) -> LeakAnalysis:
    duration = plan.warmup_s + plan.analysed_s
    # The cycle is longer than the run: four windows need four such stretches.
    required = crit.run_needed_for(MIN_WINDOWS * duration)
    reason = (
        f"No collection seen: {collector} gives memory back only when it collects, and in this "
        f"{format_duration(duration)} run memory never fell back by "
        f"{_fig(plan.collections.min_fall_mb)} MB or more, so the climb may be its first cycle "
        f"rather than a leak. Run at least {format_duration(required)} (warm-up included), "
        f"long enough for four collections. Seen so far: {summary}."
    )
    return LeakAnalysis(INCONCLUSIVE, reason, required_run_s=required, **common)


def _rising_unevenly(
    fit: FloorFit, limit: float, summary: str, common: dict[str, Any]
) -> LeakAnalysis:
    # No NO LEAK for a rise above the limit that one flat window interrupted.
    reason = (
        f"Rising, but not in every window: {summary}; over the last three windows the "
        f"floors still rise at {_fig(fit.end_rate)} MB/h, above the {_fig(limit)} MB/h limit, "
        "though not each window's floor above the one before. Run longer to tell a leak "
        "from a cache still filling."
    )
    return LeakAnalysis(INCONCLUSIVE, reason, **common)


def _rate_not_pinned(
    plan: WindowPlan, fit: FloorFit, crit: LeakCriteria, summary: str, common: dict[str, Any]
) -> LeakAnalysis:
    # With the windows' jitter unchanged, the CI shrinks as the run grows.
    scale = REQUIRED_MARGIN * fit.precision / RATE_PRECISION
    required = crit.run_needed_for(plan.analysed_s * scale)
    reason = (
        f"Rising, but the rate is not known well enough to report: {summary}. The 95% CI "
        f"reaches +-{fit.precision:.0%} of the rate, over the +-{RATE_PRECISION:.0%} a "
        f"reported rate must keep; run at least {format_duration(required)} (warm-up "
        "included) to pin it."
    )
    return LeakAnalysis(INCONCLUSIVE, reason, required_run_s=required, **common)


def _cannot_vouch(
    plan: WindowPlan,
    fit: FloorFit,
    crit: LeakCriteria,
    summary: str,
    common: dict[str, Any],
    resolvable: float,
) -> LeakAnalysis:
    limit = crit.max_rate_mb_per_hour
    required = None
    advice = "take more samples or use fewer windows"
    if math.isfinite(resolvable):
        # What one run can resolve shrinks in proportion to its length; the
        # margin covers the floors' jitter, which a longer run may not
        # shrink in proportion.
        scale = REQUIRED_MARGIN * resolvable / (DETECT_FACTOR * limit)
        required = crit.run_needed_for(plan.analysed_s * scale)
        advice = (
            f"to vouch for the {_fig(limit)} MB/h limit, run at least "
            f"{format_duration(required)} (warm-up included), or raise max_rate or lower "
            "min_growth"
        )
    reason = (
        f"Too short to tell: this run could only have caught a leak faster than "
        f"{_fig(resolvable)} MB/h (growth must exceed {_fig(fit.threshold)} MB and the floors "
        f"jitter by {_fig(fit.jitter)} MB); {advice}. Seen so far: {summary}."
    )
    return LeakAnalysis(INCONCLUSIVE, reason, required_run_s=required, **common)


def _resolvable_rate(
    t: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    plan: WindowPlan,
    crit: LeakCriteria,
) -> float:
    """The slowest extra leak (MB/h) that, added to this series, would be called LEAK.

    Answers "could this run have seen a leak?" with the run's own noise,
    sawtooth and shape instead of a model of them. The windows stay those of
    the real series: a leak does not move the collections. Caught means not
    NO LEAK: a rise whose rate is not yet pinned is INCONCLUSIVE, which is
    enough for NO LEAK to be sound.
    """
    t_h = t / SECONDS_PER_HOUR

    def caught(rate: float) -> bool:
        fit = fit_floors(t, low + rate * t_h, high + rate * t_h, plan, *_limits(crit))
        return fit is not None and fit.rising

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
        why.append(f"the rate is within the {_fig(crit.max_rate_mb_per_hour)} MB/h limit")
    if not checks["growth_above_threshold"]:
        why.append("the rise is under the threshold")
    if not checks["last_floors_rose"]:
        why.append("the last three window floors did not each rise faster than the limit")
    return "; ".join(why)


def _too_few_samples(t: np.ndarray, crit: LeakCriteria, plan: WindowPlan) -> LeakAnalysis:
    needed_points = MIN_WINDOWS * MIN_POINTS_PER_WINDOW
    n_post = int((t >= plan.warmup_s).sum())
    interval = float(np.median(np.diff(t))) if t.size > 1 else math.nan
    required = None
    advice = "take more samples (a shorter interval) or run longer"
    if math.isfinite(interval) and interval > 0:
        required = crit.run_needed_for(needed_points * interval)
        advice = f"run at least {format_duration(required)} at this interval"
    reason = (
        f"Too short to tell: {n_post} samples in the {format_duration(plan.analysed_s)} after "
        f"a {format_duration(plan.warmup_s)} warm-up; the verdict needs at least "
        f"{needed_points} ({MIN_WINDOWS} windows of {MIN_POINTS_PER_WINDOW}), so {advice}."
    )
    return LeakAnalysis(INCONCLUSIVE, reason, required_run_s=required, **_plan_figures(plan, crit))
