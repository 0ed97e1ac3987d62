"""Every sample of a run, in bounded memory, with exact summary figures.

An 8-hour soak at 1 s is 28,800 samples; a week-long one would grow without
bound. So the stored points are halved (neighbours merged, keeping each
pair's floor and peak) whenever they exceed `capacity`, and later samples are
merged at the same stride so every point covers the same span. Figures that
must be exact whatever the resolution - first, last, peak, lowest, mean and
the least-squares fit the seed report used - are kept as running totals of
the raw samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from perfgate.memory.display import BYTES_PER_MB, SECONDS_PER_HOUR
from perfgate.memory.sample import MemorySample, merge


@dataclass(frozen=True)
class LeastSquares:
    slope_mb_per_hour: float
    r_squared: float


class SampleSeries:
    def __init__(self, capacity: int = 4096) -> None:
        if capacity < 16:
            raise ValueError(f"capacity must be at least 16 points, got {capacity}.")
        self.capacity = capacity
        self._points: list[MemorySample] = []
        self._pending: MemorySample | None = None
        self._stride = 1
        self.count = 0
        self.first: MemorySample | None = None
        self.last: MemorySample | None = None
        self.peak: MemorySample | None = None
        self.lowest: MemorySample | None = None
        self.peak_uss: int | None = None
        self.max_open_files: int | None = None
        self.max_threads: int | None = None
        self.max_processes = 0
        # Sums over raw samples for the mean and the least-squares fit, in
        # hours and MB since the first sample, so the sums stay well scaled
        # and the differences of sums do not cancel away the precision.
        self._sx = self._sy = self._sxx = self._syy = self._sxy = 0.0

    @property
    def stride(self) -> int:
        """How many raw samples each stored point now stands for."""
        return self._stride

    def add(self, sample: MemorySample) -> None:
        if self.last is not None and sample.mono_ns < self.last.mono_ns:
            raise ValueError("samples must be added in the order they were taken.")
        self.count += 1
        if self.first is None:
            self.first = sample
        self.last = sample
        if self.peak is None or sample.rss > self.peak.rss:
            self.peak = sample
        if self.lowest is None or sample.rss < self.lowest.rss:
            self.lowest = sample
        self.peak_uss = _max(self.peak_uss, sample.uss)
        self.max_open_files = _max(self.max_open_files, sample.open_files)
        self.max_threads = _max(self.max_threads, sample.threads)
        self.max_processes = max(self.max_processes, sample.processes)
        x = (sample.mono_ns - self.first.mono_ns) / 1e9 / SECONDS_PER_HOUR
        y = (sample.rss - self.first.rss) / BYTES_PER_MB
        self._sx += x
        self._sy += y
        self._sxx += x * x
        self._syy += y * y
        self._sxy += x * y

        self._pending = sample if self._pending is None else merge(self._pending, sample)
        if self._pending.count >= self._stride:
            self._points.append(self._pending)
            self._pending = None
        if len(self._points) > self.capacity:
            self._halve()

    def _halve(self) -> None:
        pts = self._points
        halved = [merge(pts[i], pts[i + 1]) for i in range(0, len(pts) - 1, 2)]
        if len(pts) % 2:
            # The odd one out waits for the next samples to fill it up to the
            # new stride, so every point keeps covering the same span.
            self._pending = pts[-1]
        self._points = halved
        self._stride *= 2

    def points(self) -> list[MemorySample]:
        """The stored points in time order, the partly filled last one included."""
        return self._points + ([self._pending] if self._pending is not None else [])

    @property
    def mean_rss(self) -> float:
        if self.first is None:
            return math.nan
        return self.first.rss + self._sy / self.count * BYTES_PER_MB

    def least_squares(self) -> LeastSquares:
        """Ordinary least squares of RSS over time across every raw sample."""
        n = self.count
        if n < 2:
            return LeastSquares(math.nan, math.nan)
        sxx = self._sxx - self._sx**2 / n
        syy = self._syy - self._sy**2 / n
        sxy = self._sxy - self._sx * self._sy / n
        if sxx <= 0:
            return LeastSquares(math.nan, math.nan)
        slope = sxy / sxx
        r2 = (sxy * sxy) / (sxx * syy) if syy > 0 else 0.0
        return LeastSquares(slope, min(1.0, max(0.0, r2)))


def _max(current: int | None, value: int | None) -> int | None:
    if value is None:
        return current
    return value if current is None else max(current, value)
