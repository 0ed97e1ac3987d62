"""Leak verdicts on synthetic series with the shapes real servers show."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from memory.synthetic import rss_series
from perfgate.memory.floors import RATE_PRECISION
from perfgate.memory.leak import INCONCLUSIVE, LEAK, NO_LEAK, LeakCriteria, analyse_leak

# The seed's synthetic check: 10 minutes, 2 s samples, 40 MB warm-up, 15 MB sawtooth.
SEED_CASE = {
    "duration_s": 600,
    "interval_s": 2,
    "warmup_mb": 40,
    "sawtooth_mb": 15,
    "noise_mb": 0.1,
}
# A soak: 3 hours at 10 s, a 20 MB sawtooth every ~2 minutes.
SOAK = {
    "duration_s": 3 * 3600,
    "interval_s": 10,
    "sawtooth_mb": 20,
    "gc_period_s": 120,
    "noise_mb": 0.3,
}


def verdict(criteria: LeakCriteria | None = None, seed: int = 0, **shape: float) -> str:
    t, rss = rss_series(seed=seed, **shape)  # type: ignore[arg-type]
    return analyse_leak(t, rss, criteria=criteria).verdict


def test_seed_regression_was_fooled_both_ways():
    # What the seed did: OLS over every sample, pass when slope < 5 MB/h or R² < 0.7.
    t, flat = rss_series(**SEED_CASE)
    t, leaky = rss_series(leak_mb_per_hour=30, **SEED_CASE)
    no_leak = stats.linregress(t / 3600, flat)
    leak = stats.linregress(t / 3600, leaky)
    assert no_leak.slope > 5  # warm-up read as a leak
    assert leak.rvalue**2 < 0.7  # the sawtooth hides the real leak


def test_seed_case_without_leak_is_no_leak_at_the_rate_ten_minutes_can_resolve():
    criteria = LeakCriteria(max_rate_mb_per_hour=20, min_growth_mb=2)
    analysis = analyse_leak(*rss_series(**SEED_CASE), criteria=criteria)
    assert analysis.verdict == NO_LEAK, analysis.reason
    assert abs(analysis.rate_mb_per_hour) < 5


def test_seed_case_with_30_mb_per_hour_leak_is_leak():
    for limit in (5, 20):
        criteria = LeakCriteria(max_rate_mb_per_hour=limit, min_growth_mb=2)
        analysis = analyse_leak(*rss_series(leak_mb_per_hour=30, **SEED_CASE), criteria=criteria)
        assert analysis.verdict == LEAK, analysis.reason
        low, high = analysis.rate_ci_mb_per_hour
        assert low < 30 < high


def test_seed_case_is_never_a_leak_and_the_leak_is_found_at_its_rate_across_seeds():
    # With windows of whole collection cycles and the rate held to +-30 %, a
    # few of these ten-minute runs cannot pin the 30 MB/h rate: INCONCLUSIVE,
    # never NO LEAK.
    criteria = LeakCriteria(max_rate_mb_per_hour=20, min_growth_mb=2)
    verdicts = []
    for seed in range(25):
        assert verdict(criteria, seed, **SEED_CASE) != LEAK
        analysis = analyse_leak(
            *rss_series(leak_mb_per_hour=30, seed=seed, **SEED_CASE), criteria=criteria
        )
        verdicts.append(analysis.verdict)
        assert analysis.verdict != NO_LEAK, analysis.reason
        if analysis.verdict == LEAK:
            assert analysis.rate_mb_per_hour == pytest.approx(30, rel=RATE_PRECISION)
    assert verdicts.count(LEAK) >= 20


def test_ten_minutes_cannot_clear_a_server_against_five_mb_per_hour():
    criteria = LeakCriteria(max_rate_mb_per_hour=5, min_growth_mb=2)
    analysis = analyse_leak(*rss_series(**SEED_CASE), criteria=criteria)
    assert analysis.verdict == INCONCLUSIVE
    assert analysis.required_run_s is not None and analysis.required_run_s > 600
    assert "run at least" in analysis.reason


def test_flat_with_sawtooth_is_no_leak():
    for seed in range(10):
        assert verdict(None, seed, **SOAK) == NO_LEAK


def test_warmup_then_flat_is_no_leak():
    for seed in range(10):
        assert verdict(None, seed, warmup_mb=60, warmup_tau_s=300, **SOAK) == NO_LEAK


def test_slow_leak_above_the_limit_is_leak():
    for seed in range(10):
        assert verdict(None, seed, leak_mb_per_hour=8, **SOAK) == LEAK


def test_slow_leak_under_the_limit_is_no_leak():
    for seed in range(10):
        assert verdict(None, seed, leak_mb_per_hour=3, **SOAK) == NO_LEAK


def test_fast_leak_is_leak_in_ten_minutes_with_default_criteria():
    shape = {"duration_s": 600, "interval_s": 2, "sawtooth_mb": 15, "noise_mb": 0.2}
    analysis = analyse_leak(*rss_series(leak_mb_per_hour=600, **shape))
    assert analysis.verdict == LEAK, analysis.reason
    assert 500 < analysis.rate_mb_per_hour < 700


def test_short_noisy_run_is_inconclusive_and_says_how_long_it_needs():
    analysis = analyse_leak(*rss_series(duration_s=60, interval_s=1, noise_mb=3))
    assert analysis.verdict == INCONCLUSIVE
    assert analysis.required_run_s is not None and analysis.required_run_s > 3600
    assert "run at least" in analysis.reason


def test_too_few_samples_is_inconclusive():
    analysis = analyse_leak([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [100.0] * 10)
    assert analysis.verdict == INCONCLUSIVE
    assert "samples" in analysis.reason
    assert analysis.required_run_s == pytest.approx(12 / 0.8)


def test_no_samples_is_inconclusive():
    assert analyse_leak([], []).verdict == INCONCLUSIVE


def test_cache_that_fills_then_stops_is_no_leak():
    t, rss = rss_series(**SOAK)
    # 40 MB fills in over the first half after warm-up, then holds.
    cache = np.clip((t - 0.2 * t[-1]) / (0.4 * t[-1]), 0, 1) * 40
    analysis = analyse_leak(t, rss + cache)
    assert analysis.verdict == NO_LEAK, analysis.reason
    assert not analysis.last_floors_rose
    assert "did not each rise" in analysis.reason


def test_warmup_tail_still_settling_is_not_a_leak():
    criteria = LeakCriteria(max_rate_mb_per_hour=20, min_growth_mb=2)
    for seed in range(25):
        assert verdict(criteria, seed, **{**SEED_CASE, "warmup_tau_s": 60}) != LEAK


def test_explicit_warmup_moves_the_cut():
    t, rss = rss_series(**SOAK)
    analysis = analyse_leak(t, rss, criteria=LeakCriteria(warmup_s=1800))
    assert analysis.warmup_s == 1800
    assert analysis.floors[0].start_s == pytest.approx(1800)
    assert analysis.window_floors[0].start_s == pytest.approx(1800)


def test_a_window_without_samples_is_left_out():
    t, rss = rss_series(leak_mb_per_hour=30, **SOAK)
    keep = (t < 5500) | (t > 7400)  # the target did not answer for half an hour
    analysis = analyse_leak(t[keep], rss[keep])
    assert len(analysis.window_floors) == 4
    assert all(not 5500 < f.at_s < 7400 for f in analysis.floors)
    assert analysis.verdict == LEAK


def test_floors_use_the_low_and_sawtooth_the_high_of_downsampled_points():
    t = np.arange(0, 3600 * 4, 60.0)
    low = np.full(t.size, 100.0)
    analysis = analyse_leak(t, low, low + 12)
    assert analysis.sawtooth_mb == pytest.approx(12)
    assert all(f.floor_mb == 100 for f in analysis.floors + analysis.window_floors)


def test_to_dict_is_json_safe():
    for analysis in (analyse_leak([0, 1], [1.0, 2.0]), analyse_leak(*rss_series(**SOAK))):
        json.dumps(analysis.to_dict(), allow_nan=False)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"max_rate_mb_per_hour": 0}, "max_rate"),
        ({"min_growth_mb": -1}, "min_growth"),
        ({"warmup_s": -5}, "warmup"),
        ({"warmup_fraction": 1.0}, "warmup"),
        ({"windows": 3}, "windows"),
        ({"alpha": 0.7}, "alpha"),
    ],
)
def test_bad_criteria_are_rejected(kwargs, word):
    with pytest.raises(ValueError, match=word):
        LeakCriteria(**kwargs)


def test_times_must_not_go_backwards():
    with pytest.raises(ValueError, match="backwards"):
        analyse_leak([0, 2, 1], [1.0, 1.0, 1.0])
