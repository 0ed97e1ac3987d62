"""Warnings about the load generator itself: numbers from a starved or
lagging generator describe the generator, not the gateway."""

from __future__ import annotations

CPU_BOUND_PERCENT = 90.0  # a worker this busy may be what limits the load
MIN_SAMPLES = 100  # below this, p99 rests on a single value


def health_warnings(
    cpu_percent: list[float], intended: int, missed: int, samples: int
) -> list[str]:
    warnings = []
    for i, cpu in enumerate(cpu_percent, start=1):
        if cpu >= CPU_BOUND_PERCENT:
            warnings.append(f"load generator CPU-bound (worker {i} at {cpu:.0f}% CPU)")
    if missed > 0:
        warnings.append(f"missed {missed:,} of {intended:,} intended requests")
    if samples < MIN_SAMPLES:
        warnings.append(f"only {samples:,} samples: percentiles are rough")
    return warnings
