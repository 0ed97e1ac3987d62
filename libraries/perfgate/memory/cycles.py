"""The runtime's collection cycle, read from the memory series itself.

A collected runtime (V8, the JVM, .NET, a Python service with big cyclic
garbage) lets garbage pile up and then gives much of it back at once: RSS
climbs, then falls. A window shorter than that cycle sees only part of a
climb, and floors taken on a climb rise although nothing leaks. So the
verdict needs the cycle, and it takes it from the falls in the samples:

- A *fall* is a run of consecutive decreasing readings; its size is how much
  it gave back.
- A *collection* is a fall large enough to shape the floors: at least
  `MIN_FALL_MB`, at least `NOISE_FACTOR` times the readings' jitter,
  and at least `LARGEST_SHARE` of the second-largest fall in the run (so a
  runtime with frequent minor collections and rarer full ones is judged on
  the full ones, whose sawtooth is the one that lifts a floor, and one
  outsized fall does not make the regular ones look minor).
- The *cycle* the windows must span is the longest stretch of the analysed
  span without a collection: between two of them, and the open stretches
  from the warm-up cut to the first and from the last to the end of the run
  (a collection not yet seen is at least that far away). A window that wide
  holds a collection wherever it lies.

The runtime's own GC counters are not used on purpose: V8 ran a full
mark-compact every 5 s while its RSS came back down only every 20-90 s, and
it is the RSS cycle that decides what a window floor means.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

# A fall smaller than this is page-level noise for a whole process.
MIN_FALL_MB = 1.0
NOISE_FACTOR = 8.0
LARGEST_SHARE = 0.3
# The robust spread of steps (MAD) is scaled to a normal standard deviation.
_MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class Collections:
    """The collections seen in a run and the cycle they imply.

    `at_s` are the times of the first reading after each fall, `fall_mb` how
    much each gave back, `min_fall_mb` the smallest fall counted. `cycle_s`
    is NaN when no collection was seen.
    """

    at_s: tuple[float, ...] = ()
    fall_mb: tuple[float, ...] = ()
    min_fall_mb: float = math.nan

    @property
    def seen(self) -> bool:
        return bool(self.at_s)

    def longest_stretch(self, start_s: float, end_s: float) -> float:
        """The longest stretch of (start_s, end_s] without a collection.

        A window at least that wide, anywhere in the span, holds a collection.
        """
        if not self.at_s:
            return math.nan
        inside = [a for a in self.at_s if start_s < a <= end_s]
        edges = [start_s, *inside, end_s]
        return float(max(b - a for a, b in itertools.pairwise(edges)))

    def typical_s(self) -> float:
        """The median time between consecutive collections (NaN with fewer than two)."""
        if len(self.at_s) < 2:
            return math.nan
        return float(np.median(np.diff(self.at_s)))


def find_collections(t: np.ndarray, low: np.ndarray) -> Collections:
    """Collections in a series of readings (`low`, MB) taken at times `t` (s)."""
    if t.size < 3:
        return Collections()
    steps = np.diff(low)
    falls = _falls(t, low, steps)
    # The second-largest fall: one outsized fall (V8 handing back a heap it
    # had grown) must not make the regular collections look minor.
    sizes = sorted((size for _, size in falls), reverse=True)
    large = sizes[1] if len(sizes) > 1 else sizes[0] if sizes else 0.0
    threshold = max(MIN_FALL_MB, NOISE_FACTOR * _jitter(low), LARGEST_SHARE * large)
    kept = [(at, size) for at, size in falls if size >= threshold]
    return Collections(
        at_s=tuple(at for at, _ in kept),
        fall_mb=tuple(size for _, size in kept),
        min_fall_mb=threshold,
    )


def _jitter(low: np.ndarray) -> float:
    """How much the readings wobble (as a normal sigma), apart from climbs and falls.

    The residuals from a running median of five: a running median follows a
    climb, even one in bursts (a heap allocating in chunks), and keeps a
    fall's edge, so what is left is the up-and-down noise a fall could be
    mistaken for.
    """
    if low.size < 5:
        return 0.0
    windows = np.lib.stride_tricks.sliding_window_view(low, 5)
    residuals = low[2:-2] - np.median(windows, axis=1)
    return _MAD_TO_SIGMA * float(np.median(np.abs(residuals)))


def _falls(t: np.ndarray, low: np.ndarray, steps: np.ndarray) -> list[tuple[float, float]]:
    """(time of its first lower reading, size) of every run of consecutive decreasing readings."""
    falls = []
    i = 0
    while i < steps.size:
        if steps[i] >= 0:
            i += 1
            continue
        j = i
        while j + 1 < steps.size and steps[j + 1] < 0:
            j += 1
        # Readings i .. j+1 fall; the collection shows at the first reading
        # after the fall began, the size is the whole way down.
        falls.append((float(t[i + 1]), float(low[i] - low[j + 1])))
        i = j + 1
    return falls
