"""Summaries of repeated samples, and the number formatting files use."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from perfgate.baseline.decision import coefficient_of_variation

# Six significant digits: far below run-to-run noise, and it keeps files
# byte-identical for identical numbers so that reviews show real changes only.
SIGNIFICANT_DIGITS = 6


def stable_float(value: float) -> float | int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not math.isfinite(value):
        raise ValueError(f"Cannot store the non-finite number {value!r}: results must be finite.")
    rounded = float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    return 0.0 if rounded == 0 else rounded  # no "-0.0" in files


def stable_numbers(data: Any) -> Any:
    """Apply `stable_float` to every float in a JSON-like structure."""
    if isinstance(data, float):
        return stable_float(data)
    if isinstance(data, dict):
        return {key: stable_numbers(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [stable_numbers(value) for value in data]
    return data


def metric_names(samples: Sequence[dict[str, float]]) -> list[str]:
    """Metrics present in every sample, in first-seen order."""
    if not samples:
        return []
    names = [name for name in samples[0] if all(name in sample for sample in samples)]
    return names


def summarize(samples: Sequence[dict[str, float]]) -> dict[str, dict[str, float | int | None]]:
    """Per metric: n, median, mean, stdev, min, max and coefficient of variation."""
    summary: dict[str, dict[str, float | int | None]] = {}
    for name in metric_names(samples):
        values = [sample[name] for sample in samples]
        summary[name] = {
            "n": len(values),
            "median": float(np.median(values)),
            "mean": float(np.mean(values)),
            "stdev": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0,
            "min": float(min(values)),
            "max": float(max(values)),
            "cov": coefficient_of_variation(values),
        }
    return summary
