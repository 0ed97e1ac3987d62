"""The regression decision for one metric: improved, within noise or regressed.

A metric regressed only when both hold:

1. the difference is *significant*: a one-sided Mann-Whitney U test says the
   current samples are worse than the baseline samples (p < ALPHA), and
2. the *whole* change lies beyond the noise band: the conservative end of a
   bootstrap 90 % confidence interval of the change in medians is further out
   than max(tolerance, 3 x baseline CoV) of the baseline median (and than the
   metric's absolute floor).

The test needs at least MIN_SAMPLES on each side. With fewer, the medians
are compared against the noise band alone; the verdict then says so and
never claims significance, because there is nothing to test it with.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from perfgate.baseline.metric_table import Direction, spec_for

MIN_SAMPLES = 5
ALPHA = 0.05
BOOTSTRAP_RESAMPLES = 4000
CONFIDENCE = 0.90
# Fixed so that the same samples always give the same verdict and CI.
_BOOTSTRAP_SEED = 20240611

Verdict = Literal["improved", "within noise", "regressed"]
# The error rate has methods of its own (`perfgate.baseline.errorrate`).
Method = Literal["mann-whitney", "tolerance-only", "zero baseline", "fisher exact"]


@dataclass(frozen=True)
class MetricVerdict:
    metric: str
    unit: str
    direction: Direction
    verdict: Verdict
    method: Method
    baseline: float
    current: float
    change: float
    relative_change: float | None
    tolerance: float
    cov: float | None
    band: float
    band_abs: float
    p_value: float | None
    ci_low: float | None
    ci_high: float | None
    n_baseline: int
    n_current: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def coefficient_of_variation(values: Sequence[float]) -> float | None:
    """Sample stdev over |mean|; None when undefined (one sample, or zero mean with spread)."""
    if len(values) < 2:
        return None
    mean = float(np.mean(values))
    stdev = float(np.std(values, ddof=1))
    if stdev == 0.0:
        return 0.0
    if mean == 0.0:
        return None
    return stdev / abs(mean)


def decide(
    metric: str,
    baseline: Sequence[float],
    current: Sequence[float],
    tolerance: float,
    cov: float | None = None,
) -> MetricVerdict:
    """Compare the samples of one metric; `cov` is the baseline's stored CoV."""
    if len(baseline) == 0 or len(current) == 0:
        raise ValueError(f"Metric {metric!r} needs at least one baseline and one current sample.")
    spec = spec_for(metric)
    # Orient so that a positive "worse" amount is always bad.
    sign = 1.0 if spec.direction == "lower" else -1.0
    base = np.asarray(baseline, dtype=float)
    cur = np.asarray(current, dtype=float)
    base_median = float(np.median(base))
    cur_median = float(np.median(cur))
    change = cur_median - base_median
    relative = change / abs(base_median) if base_median != 0 else None

    noise = 3.0 * cov if cov is not None and math.isfinite(cov) else 0.0
    band = max(tolerance, noise)
    band_abs = max(band * abs(base_median), spec.floor)

    statistical = len(base) >= MIN_SAMPLES and len(cur) >= MIN_SAMPLES
    p_value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    if statistical:
        verdict, p_value, (low, high) = _tested_verdict(sign * base, sign * cur, band_abs)
        # Report the interval of the plain change (current - baseline).
        ci_low, ci_high = (low, high) if sign > 0 else (-high, -low)
    else:
        verdict = _verdict_beyond_band(sign * change, band_abs)

    return MetricVerdict(
        metric=metric,
        unit=spec.unit,
        direction=spec.direction,
        verdict=verdict,
        method="mann-whitney" if statistical else "tolerance-only",
        baseline=base_median,
        current=cur_median,
        change=change,
        relative_change=relative,
        tolerance=tolerance,
        cov=cov,
        band=band,
        band_abs=band_abs,
        p_value=p_value,
        ci_low=ci_low,
        ci_high=ci_high,
        n_baseline=len(base),
        n_current=len(cur),
    )


def _tested_verdict(
    base: np.ndarray, cur: np.ndarray, band_abs: float
) -> tuple[Verdict, float, tuple[float, float]]:
    """Verdict, p-value and bootstrap interval of samples oriented so that higher is worse.

    A change counts only when it is both significant and beyond the band.
    """
    p_worse = _one_sided_p(cur, base, "greater")
    p_better = _one_sided_p(cur, base, "less")
    low, high = _bootstrap_worse_interval(base, cur)
    if p_worse < ALPHA and low > band_abs:
        return "regressed", p_worse, (low, high)
    if p_better < ALPHA and high < -band_abs:
        return "improved", p_better, (low, high)
    return "within noise", min(p_worse, p_better), (low, high)


def _verdict_beyond_band(worse: float, band_abs: float) -> Verdict:
    """The verdict of too few samples for a test: the band alone decides."""
    if worse > band_abs:
        return "regressed"
    if worse < -band_abs:
        return "improved"
    return "within noise"


def _one_sided_p(current: np.ndarray, baseline: np.ndarray, alternative: str) -> float:
    if np.all(current == current[0]) and np.all(baseline == current[0]):
        return 1.0  # identical constants: nothing to test, and scipy would divide by zero
    # Imported here: scipy.stats takes over a second to import, and recording a
    # baseline or appending history (every pabot worker) never needs it.
    from scipy.stats import mannwhitneyu

    return float(mannwhitneyu(current, baseline, alternative=alternative).pvalue)


def _bootstrap_worse_interval(base: np.ndarray, cur: np.ndarray) -> tuple[float, float]:
    """Percentile bootstrap interval of median(cur) - median(base), oriented values."""
    rng = np.random.default_rng(_BOOTSTRAP_SEED)
    base_medians = np.median(
        base[rng.integers(0, len(base), (BOOTSTRAP_RESAMPLES, len(base)))], axis=1
    )
    cur_medians = np.median(cur[rng.integers(0, len(cur), (BOOTSTRAP_RESAMPLES, len(cur)))], axis=1)
    diffs = cur_medians - base_medians
    tail = (1.0 - CONFIDENCE) / 2.0 * 100.0
    low, high = np.percentile(diffs, [tail, 100.0 - tail])
    return float(low), float(high)
