"""Mergeable log-linear latency histogram, laid out like HdrHistogram.

Values are recorded in integer nanoseconds. Every value from the lowest
discernible value (default 1 µs) up to the highest trackable value (default
1 hour) is kept to `significant_digits` (default 3) significant digits: a
reported value is never more than 10**-digits (0.1 %) above the true value,
and below about 0.5 ms (where 0.1 % is less than 1 µs) the error is below the
lowest discernible value. Values above the highest trackable value are
clamped into the top bucket and counted in `clamped`; negative values are
rejected.

Memory is fixed by the layout, not by the number of values: the default
layout holds 24,576 int64 counters (192 KiB), whether it saw ten values or an
8-hour soak's billions.

Percentiles follow HdrHistogram: the p-th percentile is the smallest recorded
value at which the cumulative count reaches p % of all values (nearest rank,
numpy's ``method="inverted_cdf"``), reported as the highest value of its
bucket - so it errs high, never low, which is the safe side for a gate - and
clipped to the exact min and max (the first and last ranks report the exact
min and max). `min`, `max` and `mean` are exact; `stdev`
is computed from the raw values (Welford/Chan), not from the buckets.

We hand-write this instead of using the `hdrhistogram` package because the
load engine records a second's worth of raw values at once with
`record_array`, which must be vectorised numpy, and because results travel
between processes and into result files as a compact, sparse JSON form
(`to_dict`/`from_dict`).

`record` only appends to a list; every 4096 values, or when anything is
read, the list is folded in with the same vectorised code as `record_array`.

Not thread-safe: each thread or process records into its own histogram and
the results are merged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

_FORMAT_VERSION = 1
# Single values wait in a list and are folded in with one vectorised call:
# appending is several times cheaper than updating a numpy counter.
_PENDING_LIMIT = 4096


class Histogram:
    """Counts of integer-nanosecond values in log-linear buckets."""

    def __init__(
        self,
        significant_digits: int = 3,
        lowest_ns: int = 1_000,
        highest_ns: int = 3_600 * 10**9,
    ) -> None:
        if isinstance(significant_digits, bool) or significant_digits not in range(1, 6):
            raise ValueError(
                f"significant_digits must be an integer from 1 to 5, not {significant_digits!r}."
            )
        if int(lowest_ns) != lowest_ns or lowest_ns < 1:
            raise ValueError(f"lowest_ns must be a positive integer, not {lowest_ns!r}.")
        if int(highest_ns) != highest_ns or highest_ns < 2 * lowest_ns or highest_ns >= 2**53:
            raise ValueError(
                f"highest_ns must be an integer of at least 2 * lowest_ns and below 2**53, "
                f"not {highest_ns!r}."
            )
        self._digits = int(significant_digits)
        self._lowest = int(lowest_ns)
        self._highest = int(highest_ns)

        # Same derivation as HdrHistogram: a sub-bucket of 2**k linear slots
        # with 2**k >= 2 * 10**digits keeps `digits` significant digits in
        # every power-of-two bucket.
        single_unit_resolution = 2 * 10**self._digits
        sub_bucket_magnitude = (single_unit_resolution - 1).bit_length()
        self._half_magnitude = max(sub_bucket_magnitude, 1) - 1
        self._half_count = 1 << self._half_magnitude
        self._unit_magnitude = self._lowest.bit_length() - 1
        sub_bucket_count = 1 << (self._half_magnitude + 1)
        self._sub_bucket_mask = (sub_bucket_count - 1) << self._unit_magnitude
        self._bucket_shift = self._unit_magnitude + self._half_magnitude + 1

        smallest_untrackable = sub_bucket_count << self._unit_magnitude
        bucket_count = 1
        while smallest_untrackable <= self._highest:
            smallest_untrackable <<= 1
            bucket_count += 1
        self._length = (bucket_count + 1) << self._half_magnitude

        self._counts = np.zeros(self._length, dtype=np.int64)
        self._pending: list[int] = []
        self._clear_totals()

    def _clear_totals(self) -> None:
        self._count = 0
        self._clamped = 0
        self._min = 0
        self._max = 0
        self._sum = 0  # Python int: exact at any count.
        self._mean_f = 0.0  # running mean for the Welford/Chan update of _m2
        self._m2 = 0.0  # sum of squared deviations from the mean

    # -- layout -------------------------------------------------------------

    def _index(self, value: int) -> int:
        bucket = (value | self._sub_bucket_mask).bit_length() - self._bucket_shift
        sub_bucket = value >> (bucket + self._unit_magnitude)
        return ((bucket + 1) << self._half_magnitude) + sub_bucket - self._half_count

    def _indices(self, values: np.ndarray) -> np.ndarray:
        # frexp's exponent is the bit length of a positive integer; exact
        # because every value here is below 2**53.
        ored = np.bitwise_or(values, self._sub_bucket_mask)
        bit_length = np.frexp(ored.astype(np.float64))[1].astype(np.int64)
        bucket = bit_length - self._bucket_shift
        sub_bucket = np.right_shift(values, bucket + self._unit_magnitude)
        return ((bucket + 1) << self._half_magnitude) + sub_bucket - self._half_count

    def _bounds(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lowest and highest value (inclusive) that land in each index."""
        bucket = (indices >> self._half_magnitude) - 1
        sub_bucket = (indices & (self._half_count - 1)) + self._half_count
        below = bucket < 0
        sub_bucket = np.where(below, sub_bucket - self._half_count, sub_bucket)
        bucket = np.where(below, 0, bucket)
        shift = bucket + self._unit_magnitude
        low = np.left_shift(sub_bucket, shift)
        return low, low + np.left_shift(1, shift) - 1

    def _same_layout(self, other: Histogram) -> bool:
        return (self._digits, self._lowest, self._highest) == (
            other._digits,
            other._lowest,
            other._highest,
        )

    @property
    def layout(self) -> tuple[int, int, int]:
        """(significant_digits, lowest_ns, highest_ns): histograms merge only if equal."""
        return (self._digits, self._lowest, self._highest)

    @property
    def bucket_array_size(self) -> int:
        """Number of counters; fixed by the layout, independent of how much was recorded."""
        return int(self._counts.size)

    # -- recording ----------------------------------------------------------

    def record(self, value_ns: int, count: int = 1) -> None:
        """Record `value_ns` (a non-negative integer) `count` times."""
        if count == 1 and type(value_ns) is int and value_ns >= 0:
            pending = self._pending
            pending.append(value_ns)
            if len(pending) >= _PENDING_LIMIT:
                self._flush()
            return
        self._record_counted(value_ns, count)

    def _flush(self) -> None:
        if not self._pending:
            return
        values, self._pending = self._pending, []
        try:
            array = np.array(values, dtype=np.int64)
        except OverflowError:  # a value beyond int64 (it will be clamped)
            for value in values:
                self._record_counted(value, 1)
            return
        self.record_array(array)

    def _record_counted(self, value_ns: int, count: int) -> None:
        if value_ns < 0:
            raise ValueError(
                f"cannot record a negative latency ({value_ns} ns); measure with a monotonic clock."
            )
        if count <= 0:
            if count == 0:
                return
            raise ValueError(f"count must not be negative, got {count}.")
        value = int(value_ns)
        clipped = value
        if value > self._highest:
            clipped = self._highest
            self._clamped += count
        self._counts[self._index(clipped)] += count
        if self._count == 0:
            self._min = self._max = value
        elif value < self._min:
            self._min = value
        elif value > self._max:
            self._max = value
        self._sum += value * count
        total = self._count + count
        delta = value - self._mean_f
        self._mean_f += delta * count / total
        self._m2 += delta * delta * self._count * count / total
        self._count = total

    def record_array(self, values_ns: np.ndarray) -> None:
        """Record every value of a one-dimensional integer array (vectorised)."""
        values = np.asarray(values_ns)
        if values.size == 0:
            return
        if values.dtype.kind not in "iu":
            raise ValueError(
                f"record_array needs an integer array of nanoseconds, got dtype {values.dtype}."
            )
        values = values.astype(np.int64, copy=False).ravel()
        n = int(values.size)
        lo = int(values.min())
        hi = int(values.max())
        if lo < 0:
            raise ValueError(
                f"cannot record a negative latency ({lo} ns); measure with a monotonic clock."
            )
        if hi > self._highest:
            self._clamped += int(np.count_nonzero(values > self._highest))
            clipped = np.minimum(values, self._highest)
        else:
            clipped = values
        self._counts += np.bincount(self._indices(clipped), minlength=self._length)

        # Past int64's range, exactness matters more than speed.
        fits_int64 = hi <= (2**63 - 1) // n
        batch_sum = int(values.sum()) if fits_int64 else sum(values.tolist())
        as_float = values.astype(np.float64)
        batch_mean = batch_sum / n
        batch_m2 = float(np.square(as_float - batch_mean).sum())
        self._combine(n, lo, hi, batch_sum, batch_mean, batch_m2)

    def _combine(self, n: int, lo: int, hi: int, total: int, mean: float, m2: float) -> None:
        if self._count == 0:
            self._min, self._max = lo, hi
        else:
            self._min = min(self._min, lo)
            self._max = max(self._max, hi)
        self._sum += total
        combined = self._count + n
        delta = mean - self._mean_f
        # Chan et al.'s pairwise update keeps the variance accurate when
        # batches are merged in any order.
        self._m2 += m2 + delta * delta * self._count * n / combined
        self._mean_f += delta * n / combined
        self._count = combined

    def merge(self, other: Histogram) -> None:
        """Add `other`'s values to this histogram (in place); layouts must match."""
        if not self._same_layout(other):
            raise ValueError(
                f"cannot merge histograms with different layouts {self.layout} and "
                f"{other.layout}; create both with the same significant_digits, lowest_ns "
                f"and highest_ns."
            )
        other._flush()
        if other._count == 0:
            return
        self._counts += other._counts
        self._clamped += other._clamped
        self._combine(other._count, other._min, other._max, other._sum, other._mean_f, other._m2)

    def copy(self) -> Histogram:
        self._flush()
        clone = Histogram(self._digits, self._lowest, self._highest)
        clone._counts = self._counts.copy()
        clone._count = self._count
        clone._clamped = self._clamped
        clone._min = self._min
        clone._max = self._max
        clone._sum = self._sum
        clone._mean_f = self._mean_f
        clone._m2 = self._m2
        return clone

    def reset(self) -> None:
        self._pending = []
        self._counts[:] = 0
        self._clear_totals()

    # -- statistics ---------------------------------------------------------

    @property
    def count(self) -> int:
        self._flush()
        return self._count

    @property
    def clamped(self) -> int:
        """How many values were above highest_ns and so counted in the top bucket."""
        self._flush()
        return self._clamped

    @property
    def min(self) -> int:
        """Exact smallest value recorded (ns); 0 when empty."""
        self._flush()
        return self._min

    @property
    def max(self) -> int:
        """Exact largest value recorded (ns), even if it was clamped; 0 when empty."""
        self._flush()
        return self._max

    @property
    def sum_ns(self) -> int:
        """Exact sum of every value recorded (ns)."""
        self._flush()
        return self._sum

    @property
    def mean(self) -> float:
        """Exact mean (ns) of the raw values; 0.0 when empty."""
        self._flush()
        return self._sum / self._count if self._count else 0.0

    @property
    def stdev(self) -> float:
        """Population standard deviation (ns) of the raw values; 0.0 when empty."""
        self._flush()
        if self._count == 0:
            return 0.0
        return math.sqrt(max(self._m2, 0.0) / self._count)

    def percentile(self, p: float) -> float:
        """Value (ns) at percentile `p` in [0, 100]; 0.0 when empty."""
        return self.percentiles([p])[0]

    def percentiles(self, ps: Sequence[float]) -> list[float]:
        """Values (ns) at each percentile in `ps`, with one pass over the counters."""
        self._flush()
        for p in ps:
            if not 0.0 <= p <= 100.0:  # also rejects NaN
                raise ValueError(f"percentile must be between 0 and 100, got {p!r}.")
        if self._count == 0:
            return [0.0 for _ in ps]
        cumulative = np.cumsum(self._counts)
        ranks = [self._rank(p) for p in ps]
        indices = np.searchsorted(cumulative, np.array(ranks, dtype=np.int64), side="left")
        _, high = self._bounds(indices.astype(np.int64))
        values = []
        for rank, bound in zip(ranks, high.tolist(), strict=True):
            # The first and last ranked values are known exactly.
            if rank == 1:
                values.append(float(self._min))
            elif rank == self._count:
                values.append(float(self._max))
            else:
                values.append(float(min(max(bound, self._min), self._max)))
        return values

    def _rank(self, p: float) -> int:
        # The tiny relative slack stops float noise such as 0.07 * 100 =
        # 7.000000000000001 from pushing the rank one value too far.
        exact = p / 100.0 * self._count
        return min(max(math.ceil(exact * (1.0 - 1e-12)), 1), self._count)

    def count_at_or_below(self, value_ns: int) -> int:
        """How many values fall in buckets at or below the one holding `value_ns`."""
        self._flush()
        if value_ns < 0:
            return 0
        index = self._index(min(int(value_ns), self._highest))
        return int(self._counts[: index + 1].sum())

    def buckets(self) -> list[tuple[float, int]]:
        """(bucket upper bound ns, count) for every non-empty bucket, ascending.

        The bound is inclusive: every value counted in the bucket is at most
        the bound.
        """
        self._flush()
        indices = np.flatnonzero(self._counts)
        if indices.size == 0:
            return []
        _, high = self._bounds(indices.astype(np.int64))
        counts = self._counts[indices]
        return [(float(h), int(c)) for h, c in zip(high.tolist(), counts.tolist(), strict=True)]

    # -- serialisation ------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe, sparse form: only non-empty buckets are listed."""
        self._flush()
        indices = np.flatnonzero(self._counts)
        return {
            "version": _FORMAT_VERSION,
            "significant_digits": self._digits,
            "lowest_ns": self._lowest,
            "highest_ns": self._highest,
            "count": self._count,
            "clamped": self._clamped,
            "min_ns": self._min,
            "max_ns": self._max,
            "sum_ns": self._sum,
            "mean_ns": self._mean_f,
            "m2": self._m2,
            "index": [int(i) for i in indices.tolist()],
            "n": [int(c) for c in self._counts[indices].tolist()],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Histogram:
        """Rebuild a histogram from `to_dict` output; rejects damaged data."""
        if not isinstance(d, dict):
            raise ValueError(f"a histogram must be a dict from Histogram.to_dict, not {d!r:.60}.")
        if d.get("version") != _FORMAT_VERSION:
            raise ValueError(
                f"unsupported histogram format version {d.get('version')!r}; "
                f"expected {_FORMAT_VERSION}."
            )
        try:
            hist = cls(int(d["significant_digits"]), int(d["lowest_ns"]), int(d["highest_ns"]))
            indices = np.asarray(d["index"], dtype=np.int64)
            counts = np.asarray(d["n"], dtype=np.int64)
            count = int(d["count"])
            totals = (
                int(d["clamped"]),
                int(d["min_ns"]),
                int(d["max_ns"]),
                int(d["sum_ns"]),
                float(d["mean_ns"]),
                float(d["m2"]),
            )
        except KeyError as missing:
            raise ValueError(f"histogram dict lacks the field {missing}.") from None
        except (TypeError, ValueError, OverflowError) as bad:
            raise ValueError(f"histogram dict has a malformed field: {bad}.") from None
        if (
            indices.ndim != 1
            or indices.shape != counts.shape
            or (indices.size and (indices.min() < 0 or indices.max() >= hist._length))
            or (counts.size and counts.min() <= 0)
            or int(counts.sum()) != count
        ):
            raise ValueError(
                "histogram dict is inconsistent: 'index' and 'n' must be equally long, "
                "in range, positive and sum to 'count'."
            )
        hist._counts[indices] = counts
        hist._count = count
        (hist._clamped, hist._min, hist._max, hist._sum, hist._mean_f, hist._m2) = totals
        return hist

    def __repr__(self) -> str:
        self._flush()
        return (
            f"Histogram(count={self._count}, min={self._min}, max={self._max}, "
            f"mean={self.mean:.1f}, layout={self.layout})"
        )
