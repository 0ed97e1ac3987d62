"""Once a second, a run's figures as Prometheus series: counters, gauges, classic histograms.

A `SeriesBook` keeps every counter of a run (they only grow, so ``rate()``
and ``increase()`` work across seconds) and sends all of them, with the
gauges of the second, at the second's own timestamp. Counters count the
measured period only, as the saved result does, so that the last value of
``perfgate_http_requests_total`` is the result's ``requests``.

Latency goes out as a classic histogram in seconds (``_bucket{le=...}``,
``_sum``, ``_count``): each bucket of PerfGate's histogram is counted at its
upper bound, the value PerfGate's own percentiles report, so
``histogram_quantile(0.95, ...)`` lands in the bucket holding the result's
p95 (and interpolates inside it).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from typing import Any

from perfgate.live.remotewrite import Labels, Point, labels
from perfgate.measure.histogram import Histogram

# Upper bounds in seconds: about three a decade from 0.5 ms to a minute, the range of a
# gateway's answers; +Inf follows. Fixed, so that every run's series aggregate together.
LATENCY_BUCKETS_S = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03,
                     0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0,
                     10.0, 30.0, 60.0)  # fmt: skip
_BOUNDS_NS = tuple(round(b * 1e9) for b in LATENCY_BUCKETS_S)
_LE = (*(f"{b:g}" for b in LATENCY_BUCKETS_S), "+Inf")

Extra = tuple[tuple[str, str], ...]


class _Buckets:
    """One classic histogram's running counts: per bucket (not cumulative), sum, count."""

    def __init__(self) -> None:
        self.counts = [0] * len(_LE)
        self.sum_s = 0.0
        self.count = 0

    def add(self, hist: Histogram) -> None:
        for upper_ns, n in hist.buckets():
            self.counts[bisect_left(_BOUNDS_NS, upper_ns)] += n
        self.sum_s += hist.sum_ns / 1e9
        self.count += hist.count


class SeriesBook:
    """A run's series: `common` labels on every one (run, suite, test, ...)."""

    def __init__(self, common: Mapping[str, str]) -> None:
        self.common = tuple(common.items())
        self.counters: dict[Labels, float] = {}
        self.histograms: dict[tuple[str, Extra], _Buckets] = {}
        self.gauges: dict[Labels, float] = {}
        self._keys: dict[tuple[str, Extra], Labels] = {}

    def _labels(self, name: str, extra: Extra) -> Labels:
        # Sorted once per series, not once a second. An extra label replaces a common one
        # of its name (a cluster run's per-machine series: `machine`).
        key = (name, extra)
        found = self._keys.get(key)
        if found is None:
            given = {k for k, _ in extra}
            common = (pair for pair in self.common if pair[0] not in given)
            found = self._keys[key] = labels(name, (*common, *extra))
        return found

    def count(self, name: str, n: float, extra: Extra = ()) -> None:
        """Add `n` to the counter `name` (created at 0, so that it is sent from now on)."""
        key = self._labels(name, extra)
        self.counters[key] = self.counters.get(key, 0.0) + n

    def counts(self, name: str, by: str, values: Mapping[Any, int], extra: Extra = ()) -> None:
        """`count` for each of `values` (e.g. errors by kind), its key as the label `by`."""
        for value, n in values.items():
            self.count(name, n, (*extra, (by, str(value))))

    def gauge(self, name: str, value: float, extra: Extra = ()) -> None:
        """The value of `name` this second (sent with this second only)."""
        self.gauges[self._labels(name, extra)] = float(value)

    def observe(self, name: str, hist: Histogram, extra: Extra = ()) -> None:
        """Add a second's histogram (ns) to the histogram `name` (seconds)."""
        self.histograms.setdefault((name, extra), _Buckets()).add(hist)

    def take(self, timestamp_ms: int) -> dict[Labels, list[Point]]:
        """Every series at `timestamp_ms`: counters and histograms as they stand, the
        gauges of this second (which are then forgotten)."""
        out = {key: [(timestamp_ms, v)] for key, v in self.counters.items()}
        out.update((key, [(timestamp_ms, v)]) for key, v in self.gauges.items())
        self.gauges = {}
        for (name, extra), buckets in self.histograms.items():
            out.update(_histogram_points(self, name, extra, buckets, timestamp_ms))
        return out


def _histogram_points(
    book: SeriesBook, name: str, extra: Extra, buckets: _Buckets, timestamp_ms: int
) -> Iterable[tuple[Labels, list[Point]]]:
    cumulative = 0
    for le, n in zip(_LE, buckets.counts, strict=True):
        cumulative += n
        yield book._labels(f"{name}_bucket", (*extra, ("le", le))), [(timestamp_ms, cumulative)]
    yield book._labels(f"{name}_sum", extra), [(timestamp_ms, buckets.sum_s)]
    yield book._labels(f"{name}_count", extra), [(timestamp_ms, buckets.count)]


def bucket_of(value_s: float) -> tuple[float, float]:
    """The classic bucket (lower, upper bound in s) that holds `value_s`; what a quantile
    computed from the histogram can be trusted to (tests and docs)."""
    i = bisect_left(LATENCY_BUCKETS_S, value_s)
    lower = 0.0 if i == 0 else LATENCY_BUCKETS_S[i - 1]
    upper = LATENCY_BUCKETS_S[i] if i < len(LATENCY_BUCKETS_S) else float("inf")
    return lower, upper
