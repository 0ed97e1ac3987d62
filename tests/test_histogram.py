"""The histogram against exact order statistics computed from the raw values."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from perfgate.measure.histogram import Histogram

PERCENTILES = [0, 0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 99.999, 100]
US = 1_000
MS = 1_000_000
S = 1_000_000_000


def _distributions() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20240607)
    n = 40_000
    bimodal = np.concatenate(
        [rng.normal(2 * MS, 0.2 * MS, n // 2), rng.normal(80 * MS, 5 * MS, n // 2)]
    )
    outliers = rng.lognormal(np.log(5 * MS), 0.3, n)
    outliers[rng.choice(n, 25, replace=False)] = rng.uniform(30 * S, 1_800 * S, 25)
    return {
        "lognormal": rng.lognormal(np.log(3 * MS), 1.0, n),
        "lognormal-wide": rng.lognormal(np.log(200 * US), 2.5, n),
        "bimodal": np.abs(bimodal),
        "uniform": rng.uniform(0, 2 * S, n),
        "uniform-sub-ms": rng.uniform(0, 900 * US, n),
        "constant": np.full(n, 12_345_678),
        "constant-tiny": np.full(100, 7),
        "exponential": rng.exponential(40 * MS, n),
        "huge-outliers": outliers,
        "few-values": np.array([1, 2_000, 50 * MS, 3 * S, 3_599 * S]),
        "single": np.array([987_654_321]),
    }


DISTRIBUTIONS = _distributions()


def exact_percentile(sorted_values: np.ndarray, p: float) -> int:
    """Nearest rank computed with exact fractions: the reference the histogram approximates."""
    n = len(sorted_values)
    rank = Fraction(str(p)) / 100 * n
    k = max(int(-(-rank // 1)), 1)  # ceil
    return int(sorted_values[min(k, n) - 1])


def within_precision(reported: float, true: int, digits: int = 3) -> bool:
    # The reported value errs high by at most one bucket width: relative
    # 10**-digits above the bottom, under 1 µs below it.
    return true <= reported <= true * (1 + 10**-digits) + US


@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
def test_percentiles_match_exact_order_statistics(name: str) -> None:
    values = DISTRIBUTIONS[name].astype(np.int64)
    hist = Histogram()
    hist.record_array(values)
    ordered = np.sort(values)
    reported = hist.percentiles(PERCENTILES)
    for p, got in zip(PERCENTILES, reported, strict=True):
        true = exact_percentile(ordered, p)
        assert within_precision(got, true), (name, p, got, true)
    assert reported == sorted(reported), "percentiles must not decrease with p"
    assert hist.percentile(0) == values.min()
    assert hist.percentile(100) == values.max()


def test_percentiles_agree_with_numpy_inverted_cdf() -> None:
    values = DISTRIBUTIONS["lognormal"].astype(np.int64)
    hist = Histogram()
    hist.record_array(values)
    ps = [50, 75, 90, 95, 99]
    expected = np.percentile(values, ps, method="inverted_cdf")
    for got, true in zip(hist.percentiles(ps), expected, strict=True):
        assert within_precision(got, int(true))


def test_relative_error_stays_within_the_stated_precision_everywhere() -> None:
    # Every power of two and its neighbours, from 1 ns to just under 1 h.
    edges = [2**k + d for k in range(0, 42) for d in (-1, 0, 1) if 0 <= 2**k + d < 3_600 * S]
    rng = np.random.default_rng(3)
    values = np.concatenate([np.array(edges), rng.integers(0, 3_600 * S, 5_000)])
    for value in values.tolist():
        hist = Histogram()
        hist.record(value)
        hist.record(3_600 * S)  # so p50 is not clipped to the exact max
        got = hist.percentile(50)
        assert within_precision(got, value), (value, got)


@pytest.mark.parametrize("digits", [1, 2, 3, 4])
def test_significant_digits_set_the_precision(digits: int) -> None:
    values = DISTRIBUTIONS["lognormal-wide"].astype(np.int64)
    hist = Histogram(significant_digits=digits)
    hist.record_array(values)
    ordered = np.sort(values)
    for p, got in zip(PERCENTILES, hist.percentiles(PERCENTILES), strict=True):
        assert within_precision(got, exact_percentile(ordered, p), digits)


def test_scalar_record_equals_vectorised_record() -> None:
    values = DISTRIBUTIONS["huge-outliers"][:5_000].astype(np.int64)
    one_by_one, at_once = Histogram(), Histogram()
    for value in values.tolist():
        one_by_one.record(value)
    at_once.record_array(values)
    assert one_by_one.to_dict()["index"] == at_once.to_dict()["index"]
    assert one_by_one.to_dict()["n"] == at_once.to_dict()["n"]
    assert (one_by_one.count, one_by_one.min, one_by_one.max, one_by_one.sum_ns) == (
        at_once.count,
        at_once.min,
        at_once.max,
        at_once.sum_ns,
    )
    assert one_by_one.stdev == pytest.approx(at_once.stdev, rel=1e-9)


def test_single_records_of_any_integer_type_are_exact() -> None:
    hist = Histogram()
    values = [5_000, np.int64(7_000), np.uint32(9_000), 2**70, 3, 0]
    for value in values:
        hist.record(value)  # type: ignore[arg-type]
    hist.record(11_000, count=2)
    assert hist.count == 8
    assert hist.min == 0
    assert hist.max == 2**70
    assert hist.clamped == 1
    assert hist.sum_ns == sum(int(v) for v in values) + 22_000
    assert within_precision(hist.percentile(50), 7_000)  # 4th of 8 values


def test_record_with_count_equals_repeated_records() -> None:
    repeated, counted = Histogram(), Histogram()
    for _ in range(7):
        repeated.record(5 * MS)
    repeated.record(9 * MS)
    counted.record(5 * MS, count=7)
    counted.record(9 * MS)
    counted.record(1 * MS, count=0)
    a, b = repeated.to_dict(), counted.to_dict()
    assert a.pop("m2") == pytest.approx(b.pop("m2"))
    assert a.pop("mean_ns") == pytest.approx(b.pop("mean_ns"))
    assert a == b
    assert counted.count == 8


def test_merge_equals_recording_everything_in_one() -> None:
    parts = [DISTRIBUTIONS[name].astype(np.int64) for name in ("lognormal", "bimodal", "uniform")]
    merged = Histogram()
    for part in parts:
        piece = Histogram()
        piece.record_array(part)
        merged.merge(piece)
    merged.merge(Histogram())  # an empty histogram changes nothing
    everything = np.concatenate(parts)
    single = Histogram()
    single.record_array(everything)
    assert merged.to_dict()["index"] == single.to_dict()["index"]
    assert merged.to_dict()["n"] == single.to_dict()["n"]
    assert merged.count == single.count == len(everything)
    assert merged.min == int(everything.min())
    assert merged.max == int(everything.max())
    assert merged.mean == single.mean
    assert merged.stdev == pytest.approx(float(everything.std()), rel=1e-9)
    assert merged.percentiles(PERCENTILES) == single.percentiles(PERCENTILES)


def test_merge_into_empty_takes_min_and_max_from_other() -> None:
    other = Histogram()
    other.record_array(np.array([5 * MS, 7 * MS]))
    empty = Histogram()
    empty.merge(other)
    assert (empty.min, empty.max, empty.count) == (5 * MS, 7 * MS, 2)


def test_merge_rejects_a_different_layout() -> None:
    with pytest.raises(ValueError, match="different layouts"):
        Histogram().merge(Histogram(significant_digits=2))


def test_round_trip_through_json() -> None:
    hist = Histogram()
    hist.record_array(DISTRIBUTIONS["huge-outliers"].astype(np.int64))
    hist.record(7_200 * S)  # clamped
    data = json.loads(json.dumps(hist.to_dict()))
    again = Histogram.from_dict(data)
    assert again.to_dict() == hist.to_dict()
    assert again.percentiles(PERCENTILES) == hist.percentiles(PERCENTILES)
    assert (again.count, again.min, again.max, again.mean, again.stdev, again.clamped) == (
        hist.count,
        hist.min,
        hist.max,
        hist.mean,
        hist.stdev,
        hist.clamped,
    )
    # Sparse: one entry per non-empty bucket, not per counter.
    assert len(data["index"]) == len(hist.buckets()) < hist.bucket_array_size


def test_empty_round_trip() -> None:
    again = Histogram.from_dict(json.loads(json.dumps(Histogram().to_dict())))
    assert again.count == 0
    assert again.percentile(99) == 0.0


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d.pop("count"), "lacks the field 'count'"),
        (lambda d: d.update(version=99), "unsupported histogram format version"),
        (lambda d: d.update(n=d["n"][:-1]), "inconsistent"),
        (lambda d: d.update(count=d["count"] + 1), "inconsistent"),
        (lambda d: d["index"].__setitem__(0, 10**9), "inconsistent"),
        (lambda d: d.update(lowest_ns="x"), "malformed"),
    ],
)
def test_from_dict_rejects_damaged_data(damage, message: str) -> None:
    hist = Histogram()
    hist.record_array(np.array([1 * MS, 2 * MS, 3 * MS]))
    data = hist.to_dict()
    damage(data)
    with pytest.raises(ValueError, match=message):
        Histogram.from_dict(data)


def test_memory_is_bounded_by_the_layout_not_the_count() -> None:
    hist = Histogram()
    size = hist.bucket_array_size
    assert size == 24_576  # 3 digits, 1 µs .. 1 h
    rng = np.random.default_rng(11)
    for _ in range(5):
        hist.record_array(rng.integers(0, 3_600 * S, 200_000))
    assert hist.bucket_array_size == size
    assert len(hist.to_dict()["index"]) <= size
    assert hist.count == 1_000_000


def test_min_max_mean_are_exact() -> None:
    values = [3, 1_000_001, 999_999_999_937, 42 * MS, 17]
    hist = Histogram()
    for value in values:
        hist.record(value)
    assert hist.min == 3
    assert hist.max == 999_999_999_937
    assert hist.sum_ns == sum(values)
    assert hist.mean == sum(values) / len(values)


def test_sum_stays_exact_where_int64_would_overflow() -> None:
    hist = Histogram()
    hist.record_array(np.array([2**62, 2**62, 2**62], dtype=np.int64))
    assert hist.sum_ns == 3 * 2**62
    assert hist.clamped == 3


@pytest.mark.parametrize("name", ["lognormal", "bimodal", "uniform", "constant", "huge-outliers"])
def test_stdev_matches_numpy(name: str) -> None:
    values = DISTRIBUTIONS[name].astype(np.int64)
    hist = Histogram()
    for chunk in np.array_split(values, 7):
        hist.record_array(chunk)
    assert hist.stdev == pytest.approx(float(values.std()), rel=1e-9, abs=1e-6)


def test_values_above_highest_are_clamped_and_counted() -> None:
    hist = Histogram(highest_ns=10 * S)
    hist.record_array(np.array([1 * MS, 2 * MS, 30 * S, 40 * S], dtype=np.int64))
    hist.record(50 * S)
    assert hist.clamped == 3
    assert hist.max == 50 * S
    assert hist.count == 5
    assert hist.percentile(100) == 50 * S
    assert 10 * S <= hist.percentile(70) <= 10 * S * 1.001


def test_empty_histogram_reports_zeros() -> None:
    hist = Histogram()
    assert hist.percentile(50) == 0.0
    assert hist.percentiles([1, 99]) == [0.0, 0.0]
    assert (hist.count, hist.min, hist.max, hist.mean, hist.stdev) == (0, 0, 0, 0.0, 0.0)
    assert hist.buckets() == []


def test_bad_input_is_rejected_with_a_clear_error() -> None:
    hist = Histogram()
    with pytest.raises(ValueError, match="negative latency"):
        hist.record(-1)
    with pytest.raises(ValueError, match="negative latency"):
        hist.record_array(np.array([5, -3]))
    with pytest.raises(ValueError, match="integer array"):
        hist.record_array(np.array([1.5, 2.5]))
    with pytest.raises(ValueError, match="between 0 and 100"):
        hist.percentile(101)
    with pytest.raises(ValueError, match="between 0 and 100"):
        hist.percentile(float("nan"))
    with pytest.raises(ValueError, match="count must not be negative"):
        hist.record(5, count=-2)
    with pytest.raises(ValueError, match="significant_digits"):
        Histogram(significant_digits=0)
    with pytest.raises(ValueError, match="highest_ns"):
        Histogram(lowest_ns=1_000, highest_ns=1_500)
    assert hist.count == 0, "rejected values must not be half-recorded"


def test_copy_is_independent_and_reset_empties() -> None:
    hist = Histogram()
    hist.record_array(np.array([1 * MS, 2 * MS, 3 * MS]))
    clone = hist.copy()
    clone.record(10 * S)
    assert hist.count == 3 and clone.count == 4
    assert hist.max == 3 * MS
    hist.reset()
    assert hist.count == 0 and hist.buckets() == [] and hist.percentile(50) == 0.0
    hist.record(5 * MS)
    assert (hist.min, hist.max, hist.stdev) == (5 * MS, 5 * MS, 0.0)
    assert clone.count == 4


def test_buckets_cover_every_value_with_inclusive_upper_bounds() -> None:
    values = DISTRIBUTIONS["bimodal"].astype(np.int64)
    hist = Histogram()
    hist.record_array(values)
    buckets = hist.buckets()
    bounds = [bound for bound, _ in buckets]
    assert bounds == sorted(bounds)
    assert sum(count for _, count in buckets) == len(values)
    # Counting values at or below each bound reproduces the cumulative counts.
    ordered = np.sort(values)
    cumulative = 0
    for bound, count in buckets[::50]:
        cumulative = sum(c for b, c in buckets if b <= bound)
        assert int(np.searchsorted(ordered, bound, side="right")) == cumulative
        assert count > 0
    assert hist.count_at_or_below(int(ordered[-1])) == len(values)
    assert hist.count_at_or_below(-5) == 0
