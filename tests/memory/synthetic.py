"""Synthetic RSS series with the shapes real servers show.

Each part is something a real process does: a warm-up that settles
(exponential approach, like caches and pools filling), a garbage-collection
sawtooth (the heap grows steadily, then a collection drops it back to the
floor; cycles vary in length), a leak (a steady rise of the floor) and
sampling noise.
"""

from __future__ import annotations

import numpy as np


def rss_series(
    duration_s: float,
    interval_s: float,
    *,
    base_mb: float = 200.0,
    warmup_mb: float = 0.0,
    warmup_tau_s: float = 25.0,
    sawtooth_mb: float = 0.0,
    gc_period_s: float = 40.0,
    leak_mb_per_hour: float = 0.0,
    noise_mb: float = 0.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Times (s) and RSS (MB) sampled every `interval_s` for `duration_s`."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, duration_s + interval_s / 2, interval_s)
    warm = warmup_mb * (1.0 - np.exp(-t / warmup_tau_s))
    saw = np.zeros_like(t)
    if sawtooth_mb > 0:
        # Cycle boundaries with +-30 % jitter: collections are not a metronome.
        edges = [0.0]
        while edges[-1] <= duration_s:
            edges.append(edges[-1] + gc_period_s * rng.uniform(0.7, 1.3))
        starts = np.array(edges)
        cycle = np.searchsorted(starts, t, side="right") - 1
        length = starts[cycle + 1] - starts[cycle]
        saw = sawtooth_mb * (t - starts[cycle]) / length
    leak = leak_mb_per_hour * t / 3600.0
    noise = rng.normal(0.0, noise_mb, t.size) if noise_mb > 0 else 0.0
    return t, base_mb + warm + saw + leak + noise
