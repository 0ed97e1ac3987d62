"""The regression decision on synthetic, seeded samples."""

from __future__ import annotations

import numpy as np
import pytest

from perfgate.baseline.decision import coefficient_of_variation, decide
from perfgate.baseline.tolerance import DEFAULT_TOLERANCE, FALLBACK_TOLERANCE

PAIRS = 100


def _noisy(rng: np.random.Generator, centre: float, cov: float, n: int) -> list[float]:
    # Log-normal: latencies are positive and their noise is multiplicative.
    return list(centre * rng.lognormal(0.0, cov, n))


def _run_pairs(n: int, cov: float, factor: float, seed: int, metric: str = "p95") -> list[str]:
    rng = np.random.default_rng(seed)
    tolerance = DEFAULT_TOLERANCE if n >= 5 else FALLBACK_TOLERANCE
    verdicts = []
    for _ in range(PAIRS):
        baseline = _noisy(rng, 100.0, cov, n)
        current = _noisy(rng, 100.0 * factor, cov, n)
        cov_stored = coefficient_of_variation(baseline)
        verdicts.append(decide(metric, baseline, current, tolerance, cov_stored).verdict)
    return verdicts


@pytest.mark.parametrize("n", [1, 5, 10])
@pytest.mark.parametrize("cov", [0.03, 0.06])
def test_unchanged_rerun_is_within_noise_in_at_least_95_of_100_pairs(n: int, cov: float) -> None:
    verdicts = _run_pairs(n, cov, 1.0, seed=11)
    assert verdicts.count("within noise") >= 95
    assert verdicts.count("regressed") <= 5


@pytest.mark.parametrize("n", [1, 5, 10])
@pytest.mark.parametrize("cov", [0.03, 0.06])
def test_2x_slowdown_is_always_regressed(n: int, cov: float) -> None:
    assert _run_pairs(n, cov, 2.0, seed=12) == ["regressed"] * PAIRS


def test_halved_throughput_is_regressed_because_higher_rps_is_better() -> None:
    assert _run_pairs(5, 0.03, 0.5, seed=13, metric="rps") == ["regressed"] * PAIRS
    assert set(_run_pairs(5, 0.03, 2.0, seed=14, metric="rps")) == {"improved"}


def test_2x_faster_latency_is_improved_not_regressed() -> None:
    assert set(_run_pairs(5, 0.03, 0.5, seed=15)) == {"improved"}


def test_statistical_verdict_reports_method_p_value_and_interval() -> None:
    baseline = [100.0, 101.0, 99.0, 100.5, 99.5]
    current = [150.0, 151.0, 149.0, 150.5, 149.5]
    verdict = decide("p95", baseline, current, 0.10, coefficient_of_variation(baseline))
    assert verdict.verdict == "regressed"
    assert verdict.method == "mann-whitney"
    assert verdict.p_value is not None and verdict.p_value < 0.05
    assert verdict.ci_low is not None and verdict.ci_high is not None
    assert verdict.ci_low <= verdict.change <= verdict.ci_high
    assert verdict.relative_change == pytest.approx(0.5)


def test_significant_but_small_change_stays_within_noise() -> None:
    # +5 % is clearly real with this little noise, but smaller than the 10 % that matters.
    baseline = [100.0, 100.2, 99.8, 100.1, 99.9]
    current = [105.0, 105.2, 104.8, 105.1, 104.9]
    verdict = decide("p95", baseline, current, 0.10, coefficient_of_variation(baseline))
    assert verdict.p_value is not None and verdict.p_value < 0.05
    assert verdict.verdict == "within noise"


def test_noisy_baseline_widens_the_band_to_three_times_its_cov() -> None:
    baseline = [80.0, 120.0, 100.0, 90.0, 110.0]  # CoV ~15.8 %
    cov = coefficient_of_variation(baseline)
    assert cov == pytest.approx(0.158, abs=0.001)
    verdict = decide("p95", baseline, [125.0, 126.0, 124.0, 125.5, 124.5], 0.10, cov)
    assert verdict.band == pytest.approx(3 * cov)
    assert verdict.verdict == "within noise"  # +25 % is inside a ±47 % band


def test_whole_interval_must_clear_the_band_not_just_the_median() -> None:
    # Median change +30 % beyond a 10 % band, but one current sample sits at the
    # baseline: the conservative end of the interval does not clear the band.
    baseline = [100.0, 100.0, 100.0, 100.0, 100.0]
    current = [100.0, 130.0, 130.0, 131.0, 101.0]
    verdict = decide("p95", baseline, current, 0.10, 0.0)
    assert verdict.relative_change == pytest.approx(0.30)
    assert verdict.ci_low is not None and verdict.ci_low < 10.0
    assert verdict.verdict == "within noise"


def test_single_samples_use_tolerance_only_and_claim_no_significance() -> None:
    within = decide("p95", [100.0], [120.0], FALLBACK_TOLERANCE)
    assert within.method == "tolerance-only"
    assert within.verdict == "within noise"
    assert within.p_value is None and within.ci_low is None
    assert decide("p95", [100.0], [130.0], FALLBACK_TOLERANCE).verdict == "regressed"
    assert decide("p95", [100.0], [70.0], FALLBACK_TOLERANCE).verdict == "improved"


def test_four_samples_are_not_enough_for_the_test() -> None:
    verdict = decide("p95", [100.0] * 4, [200.0] * 5, 0.1)
    assert verdict.method == "tolerance-only"
    assert verdict.verdict == "regressed"


def test_stored_cov_widens_the_band_in_fallback_too() -> None:
    # Baseline of 5 runs with CoV 12 %: a single run 30 % slower is inside 3 x 12 %.
    verdict = decide("p95", [100.0] * 5, [130.0], 0.25, cov=0.12)
    assert verdict.band == pytest.approx(0.36)
    assert verdict.verdict == "within noise"


def test_zero_error_rate_baseline_uses_the_absolute_floor() -> None:
    tiny = decide("error_rate", [0.0] * 5, [0.0, 0.0005, 0.0, 0.0004, 0.0], 0.1, 0.0)
    assert tiny.relative_change is None
    assert tiny.verdict == "within noise"
    real = decide("error_rate", [0.0] * 5, [0.02, 0.03, 0.025, 0.02, 0.03], 0.1, 0.0)
    assert real.verdict == "regressed"


def test_identical_constant_samples_are_within_noise() -> None:
    verdict = decide("disconnections", [0.0] * 6, [0.0] * 6, 0.1, 0.0)
    assert verdict.verdict == "within noise"
    assert verdict.p_value == 1.0


def test_same_samples_give_the_same_interval_every_time() -> None:
    baseline = [100.0, 104.0, 97.0, 101.0, 99.0, 103.0]
    current = [140.0, 150.0, 139.0, 160.0, 141.0, 149.0]
    first = decide("p99", baseline, current, 0.1, coefficient_of_variation(baseline))
    second = decide("p99", baseline, current, 0.1, coefficient_of_variation(baseline))
    assert (first.ci_low, first.ci_high) == (second.ci_low, second.ci_high)


def test_coefficient_of_variation_edge_cases() -> None:
    assert coefficient_of_variation([5.0]) is None
    assert coefficient_of_variation([0.0, 0.0]) == 0.0
    assert coefficient_of_variation([-1.0, 1.0]) is None
    assert coefficient_of_variation([9.0, 11.0]) == pytest.approx(np.std([9, 11], ddof=1) / 10)


def test_unknown_metric_and_empty_samples_are_refused() -> None:
    with pytest.raises(ValueError, match="Unknown metric 'p42'"):
        decide("p42", [1.0], [1.0], 0.1)
    with pytest.raises(ValueError, match="at least one baseline and one current"):
        decide("p95", [], [1.0], 0.1)
