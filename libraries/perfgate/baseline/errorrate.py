"""The error rate in baselines: never recorded from a failing run, any rise flagged.

Recording. A load result whose error rate is above its limit describes
failures, not the gateway: `recording_refusal` says why it cannot become a
baseline version (the limit is the run's own ``error_rate`` threshold, which
`Run Load Profile` attaches to its result, else 50 %; `perfgate.load.errorlimit`).

Comparing. The error rate is compared in every comparison of load results
that have one, named in ``metrics=`` or not, and any rise counts - not a rise
beyond a relative tolerance, which means nothing near zero:

1. **From zero.** When every baseline sample had no error, any error in the
   current samples is a regression: no tolerance, noise band or floor. The
   current value is their mean, so one failing run in five shows.
2. **From a nonzero rate**, with request counts on both sides (every
   `LoadResult` has them): errors are binomial, so a rise is *significant*
   when a one-sided Fisher exact test of the pooled counts (current errors
   and successes against the baseline's) gives p < ALPHA. It is a regression
   when also larger than the baseline's between-run noise (3 x the CoV of its
   error rates, none for a single sample): a rise within the sampling noise of
   the counts, or within the spread the baseline's own runs showed, is within
   noise. The tolerance does not apply.
3. Without request counts (a plain dictionary of rates), the sampling noise
   cannot be computed: the error rate is decided like any other metric.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from perfgate.baseline.decision import ALPHA, Method, MetricVerdict, Verdict, decide
from perfgate.load.errorlimit import limit_of

METRIC = "error_rate"


def recording_refusal(result: Any, samples: Sequence[Mapping[str, float]], name: str) -> str | None:
    """Why `samples` (of `result`, one item or a list) cannot be recorded; None if they can."""
    items = list(result) if isinstance(result, (list, tuple)) else [result]
    for item, sample in zip(items, samples, strict=True):
        limit = limit_of(item)
        rate = sample.get(METRIC)
        if rate is not None and limit.exceeded(rate):
            return (
                f"Baseline '{name}' was not recorded: the error rate was {rate:.2%}, above the "
                f"limit {limit.text}, so the result describes failures rather than the gateway; "
                f"make the requests succeed (check the URL, the route and the status it "
                f"answers) and run again."
            )
    return None


def decide_error_rate(
    stored: Sequence[Mapping[str, float]],
    current: Sequence[Mapping[str, float]],
    tolerance: float,
    cov: float | None,
) -> MetricVerdict:
    """The verdict on the error rate (see the module doc)."""
    base = [float(s[METRIC]) for s in stored]
    cur = [float(s[METRIC]) for s in current]
    if not any(base):
        return _from_zero(base, cur)
    base_counts, cur_counts = _counts(stored), _counts(current)
    if base_counts is None or cur_counts is None:
        return decide(METRIC, base, cur, tolerance, cov)
    return _fisher(base, cur, base_counts, cur_counts, cov)


def _counts(samples: Sequence[Mapping[str, float]]) -> tuple[int, int] | None:
    """Pooled (errors, requests), or None when a sample has no request count."""
    errors = requests = 0
    for sample in samples:
        n = sample.get("requests")
        if not n or n < 0:
            return None
        requests += round(n)
        errors += round(sample.get("errors", sample[METRIC] * n))
    return errors, requests


def _from_zero(base: list[float], cur: list[float]) -> MetricVerdict:
    current = float(np.mean(cur))
    verdict: Verdict = "regressed" if current > 0 else "within noise"
    return _verdict(verdict, "zero baseline", base, cur, current)


def _fisher(
    base: list[float],
    cur: list[float],
    base_counts: tuple[int, int],
    cur_counts: tuple[int, int],
    cov: float | None,
) -> MetricVerdict:
    # Imported here, as in decision.py: scipy.stats takes over a second to import.
    from scipy.stats import fisher_exact

    (eb, nb), (ec, nc) = base_counts, cur_counts
    table = [[ec, nc - ec], [eb, nb - eb]]
    p_worse = float(fisher_exact(table, alternative="greater").pvalue)
    p_better = float(fisher_exact(table, alternative="less").pvalue)
    base_median, current = float(np.median(base)), float(np.median(cur))
    band_abs = _band(cov) * base_median
    change = current - base_median
    if p_worse < ALPHA and change > band_abs:
        return _verdict("regressed", "fisher exact", base, cur, current, cov, p_worse)
    if p_better < ALPHA and -change > band_abs:
        return _verdict("improved", "fisher exact", base, cur, current, cov, p_better)
    p_value = min(p_worse, p_better)
    return _verdict("within noise", "fisher exact", base, cur, current, cov, p_value)


def _band(cov: float | None) -> float:
    """The baseline's between-run noise, as a fraction of its median."""
    return 3.0 * cov if cov is not None and math.isfinite(cov) else 0.0


def _verdict(
    verdict: Verdict,
    method: Method,
    base: list[float],
    cur: list[float],
    current: float,
    cov: float | None = None,
    p_value: float | None = None,
) -> MetricVerdict:
    baseline = float(np.median(base))
    return MetricVerdict(
        metric=METRIC,
        unit="fraction",
        direction="lower",
        verdict=verdict,
        method=method,
        baseline=baseline,
        current=current,
        change=current - baseline,
        relative_change=(current - baseline) / baseline if baseline else None,
        tolerance=0.0,
        cov=cov,
        band=_band(cov),
        band_abs=_band(cov) * baseline,
        p_value=p_value,
        ci_low=None,
        ci_high=None,
        n_baseline=len(base),
        n_current=len(cur),
    )
