"""The bounded sample store keeps floors, peaks and exact summary figures."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from perfgate.memory.display import BYTES_PER_MB
from perfgate.memory.sample import MemorySample, merge
from perfgate.memory.series import SampleSeries


def sample(sec: float, mb: float, uss_mb: float | None = None) -> MemorySample:
    rss = int(mb * BYTES_PER_MB)
    uss = None if uss_mb is None else int(uss_mb * BYTES_PER_MB)
    return MemorySample(int(sec * 1e9), 1e9 + sec, rss, rss, uss, 10, 4)


def test_merge_keeps_the_floor_reading_and_the_higher_peak():
    a, b = sample(0, 120), sample(1, 100)
    m = merge(a, b)
    assert m.mono_ns == b.mono_ns and m.rss == b.rss
    assert m.rss_high == a.rss and m.count == 2


def test_series_stays_bounded_and_keeps_floors_peaks_and_exact_figures():
    rng = np.random.default_rng(1)
    secs = np.arange(0, 8 * 3600, 1.0)  # an 8-hour soak at 1 s
    mb = 200 + 20 * ((secs % 97) / 97) + rng.normal(0, 0.5, secs.size) + secs / 3600
    series = SampleSeries(capacity=512)
    for s, m in zip(secs, mb, strict=True):
        series.add(sample(float(s), float(m)))
    points = series.points()
    assert len(points) <= 513
    assert series.count == secs.size
    assert sum(p.count for p in points) == secs.size
    assert min(p.rss for p in points) == series.lowest.rss  # type: ignore[union-attr]
    assert max(p.rss_high for p in points) == series.peak.rss  # type: ignore[union-attr]
    assert series.peak.rss == int(mb.max() * BYTES_PER_MB)  # type: ignore[union-attr]
    assert series.mean_rss / BYTES_PER_MB == pytest.approx(mb.mean(), abs=1e-3)
    ols = stats.linregress(secs / 3600, mb)
    fit = series.least_squares()
    assert fit.slope_mb_per_hour == pytest.approx(ols.slope, rel=1e-6)
    assert fit.r_squared == pytest.approx(ols.rvalue**2, rel=1e-4)
    # Every point covers the same number of raw samples, but for the last.
    assert {p.count for p in points[:-1]} == {series.stride}


def test_tracks_uss_files_threads_and_order():
    series = SampleSeries(capacity=16)
    series.add(sample(0, 100, 80))
    series.add(sample(1, 90, 85))
    assert series.peak_uss == int(85 * BYTES_PER_MB)
    assert series.max_open_files == 10 and series.max_threads == 4
    with pytest.raises(ValueError, match="order"):
        series.add(sample(0.5, 100))


def test_capacity_must_be_sensible():
    with pytest.raises(ValueError, match="capacity"):
        SampleSeries(capacity=3)


def test_least_squares_needs_two_samples():
    series = SampleSeries()
    series.add(sample(0, 100))
    assert np.isnan(series.least_squares().slope_mb_per_hour)
