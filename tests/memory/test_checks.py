"""Stay-below and recover-after-idle checks, and re-judging a result."""

from __future__ import annotations

import numpy as np
import pytest

from memory.results import result_from
from memory.synthetic import rss_series
from perfgate.memory.checks import check_recovery, check_stays_below
from perfgate.memory.display import BYTES_PER_MB
from perfgate.memory.leak import LEAK, NO_LEAK, LeakCriteria


def load_then_idle(recover: bool) -> tuple[np.ndarray, np.ndarray]:
    """5 min of load that lifts memory by 60 MB, then 2 min idle."""
    t = np.arange(0, 420, 1.0)
    rss = 200 + np.where(t < 300, 60 * np.minimum(t / 120, 1), 0 if recover else 50)
    rss[(t >= 300) & (t < 310)] = 230  # collections take a few seconds to hand memory back
    return t, rss


def test_stays_below_uses_the_exact_peak():
    t, rss = rss_series(duration_s=600, interval_s=1, sawtooth_mb=20)
    result = result_from(t, rss)
    ok = check_stays_below(result, 512 * BYTES_PER_MB)
    assert ok.ok and "stayed below" in ok.message
    over = check_stays_below(result, 210 * BYTES_PER_MB)
    assert not over.ok and "reached the 210.0 MB limit" in over.message
    assert over.peak_mb == pytest.approx(rss.max(), abs=1e-5)
    assert check_stays_below(result, 205 * BYTES_PER_MB, "uss").ok


def test_stays_below_rejects_uss_without_uss_and_bad_metrics():
    t, rss = rss_series(duration_s=60, interval_s=1)
    result = result_from(t, rss, uss=False)
    with pytest.raises(ValueError, match="no USS"):
        check_stays_below(result, BYTES_PER_MB, "uss")
    with pytest.raises(ValueError, match="metric must be"):
        check_stays_below(result, BYTES_PER_MB, "vss")


def test_recovery_passes_when_the_floor_comes_back():
    t, rss = load_then_idle(recover=True)
    check = check_recovery(result_from(t, rss, LeakCriteria(warmup_s=0)), 0.10, idle_s=60)
    assert check.ok, check.message
    assert check.baseline_mb == pytest.approx(200, abs=0.01)


def test_recovery_fails_when_memory_stays_up():
    t, rss = load_then_idle(recover=False)
    check = check_recovery(result_from(t, rss, LeakCriteria(warmup_s=0)), 0.10, idle_s=60)
    assert not check.ok
    assert "did not come back under 220.0 MB" in check.message


def test_recovery_rejects_an_idle_period_overlapping_the_baseline():
    t, rss = load_then_idle(recover=True)
    with pytest.raises(ValueError, match="overlaps"):
        check_recovery(result_from(t, rss), 0.1, idle_s=400)


def test_rejudging_with_other_criteria_and_bytes_per_request():
    t, rss = rss_series(leak_mb_per_hour=30, duration_s=600, interval_s=2, sawtooth_mb=15)
    result = result_from(t, rss, LeakCriteria(max_rate_mb_per_hour=100, min_growth_mb=2))
    assert result.verdict != LEAK
    strict = result.with_criteria(LeakCriteria(max_rate_mb_per_hour=5, min_growth_mb=2))
    assert strict.verdict == LEAK
    loaded = strict.with_requests(10_000)
    expected = strict.leak_rate_mb_per_hour * BYTES_PER_MB * loaded.duration_s / 3600 / 10_000
    assert loaded.bytes_per_request == pytest.approx(expected)
    assert loaded.with_criteria(LeakCriteria(max_rate_mb_per_hour=100)).requests == 10_000
    with pytest.raises(ValueError, match="request count"):
        strict.with_requests(-1)


def test_result_figures():
    t = np.arange(0, 7200, 10.0)
    rss = 100 + t / 3600 * 2  # 2 MB/h, 4 MB in two hours
    result = result_from(t, rss, LeakCriteria(min_growth_mb=1))
    assert result.initial_mb == pytest.approx(100, abs=1e-5)
    assert result.growth_mb == pytest.approx(rss[-1] - 100, abs=1e-5)
    assert result.growth_pct == pytest.approx((rss[-1] - 100), abs=1e-3)
    assert result.ols_slope_mb_per_hour == pytest.approx(2, rel=1e-3)
    assert result.ols_r_squared == pytest.approx(1, abs=1e-6)
    assert result.verdict == NO_LEAK  # 2 MB/h is under the 5 MB/h limit
    assert result.peak_at_s == pytest.approx(t[-1])
