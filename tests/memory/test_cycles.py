"""Finding a runtime's collection cycle from the falls in its memory series."""

from __future__ import annotations

import math

import numpy as np
import pytest

from memory.synthetic import rss_series
from perfgate.memory.cycles import find_collections


def test_each_collection_of_a_sawtooth_is_found_where_it_happened():
    t, rss = rss_series(duration_s=300, interval_s=1, sawtooth_mb=30, gc_period_s=25, seed=3)
    found = find_collections(t, rss)
    # rss_series starts a cycle where the sawtooth drops back to its floor.
    drops = t[1:][np.diff(rss) < -10]
    assert found.at_s == pytest.approx(tuple(drops))
    assert all(f == pytest.approx(30, abs=2) for f in found.fall_mb)
    assert 25 * 0.7 <= found.typical_s() <= 25 * 1.3


def test_noise_and_a_steady_leak_have_no_collections():
    for shape in (
        {"noise_mb": 0.3},
        {"leak_mb_per_hour": 600, "noise_mb": 0.05},
        {},
    ):
        t, rss = rss_series(duration_s=600, interval_s=1, seed=1, **shape)
        assert not find_collections(t, rss).seen, shape


def test_minor_collections_do_not_set_the_cycle():
    # Frequent small falls (a young generation) on top of rare full collections.
    t = np.arange(0.0, 240.0, 0.5)
    full = 40.0 * (t % 30.0) / 30.0
    minor = -1.5 * ((t % 2.0) >= 1.5)
    found = find_collections(t, 100 + full + minor)
    # A minor fall just before a full one runs into it: one collection.
    assert found.at_s == pytest.approx((30.0, 60.0, 90.0, 120.0, 150.0, 180.0, 210.0), abs=0.5)
    assert found.min_fall_mb > 1.5


def test_a_fall_split_over_two_readings_is_one_collection():
    t = np.arange(0.0, 40.0)
    climb = 100 + 0.5 * np.arange(20.0)
    rss = np.concatenate([climb, [104.0], climb[:19] - 4])  # 109.5 -> 104 -> 96
    found = find_collections(t, rss)
    assert found.at_s == (20.0,)
    assert found.fall_mb == (pytest.approx(13.5),)


def test_a_climb_in_bursts_is_not_noise_that_hides_its_collections():
    # A heap that allocates in chunks: flat, a jump, flat... then a collection.
    t = np.arange(0.0, 300.0, 2.0)
    bursts = np.floor((t % 60) / 8) * 6.0  # 6 MB every 8 s, given back every 60 s
    found = find_collections(t, 200 + bursts)
    assert len(found.at_s) == 4
    assert found.min_fall_mb < 42


def test_longest_stretch_counts_the_open_ends_of_the_span():
    t = np.arange(0.0, 200.0)
    rss = 100 + 20 * ((t >= 50) & (t < 60)) + 20 * ((t >= 90) & (t < 100))
    found = find_collections(t, rss)
    assert found.at_s == (60.0, 100.0)
    # From the cut at 20 s to the first collection: 40 s; 60 to 100: 40 s;
    # 100 s to the end: 99 s, a collection not yet seen.
    assert found.longest_stretch(20.0, 199.0) == pytest.approx(99.0)
    assert found.longest_stretch(20.0, 120.0) == pytest.approx(40.0)
    assert math.isnan(find_collections(t, np.full(t.size, 100.0)).longest_stretch(0, 199))


def test_too_few_readings_have_no_collections():
    assert not find_collections(np.array([0.0, 1.0]), np.array([5.0, 1.0])).seen
