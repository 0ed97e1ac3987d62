"""Which metrics a baseline compares, and which way is better for each.

This is the one table of metric knowledge in the baseline package. The
`floor` is the smallest absolute change that can matter at all: a relative
tolerance alone is meaningless when the baseline is near zero (an error rate
going from 0 to 0.0001 is an "infinite" relative change but no regression).
"""

from __future__ import annotations

import difflib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Direction = Literal["lower", "higher"]
KINDS = ("load", "websocket", "memory", "sse")


@dataclass(frozen=True)
class MetricSpec:
    name: str
    direction: Direction
    unit: str
    floor: float


def _spec(name: str, direction: Direction, unit: str, floor: float) -> MetricSpec:
    return MetricSpec(name, direction, unit, floor)


METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        # load
        _spec("p50", "lower", "ms", 0.05),
        _spec("p75", "lower", "ms", 0.05),
        _spec("p90", "lower", "ms", 0.05),
        _spec("p95", "lower", "ms", 0.05),
        _spec("p99", "lower", "ms", 0.05),
        _spec("p99_9", "lower", "ms", 0.05),
        _spec("mean", "lower", "ms", 0.05),
        _spec("max", "lower", "ms", 0.05),
        _spec("rps", "higher", "req/s", 1.0),
        _spec("goodput", "higher", "req/s", 1.0),
        _spec("error_rate", "lower", "fraction", 0.001),
        _spec("requests", "higher", "requests", 1.0),
        # websocket
        _spec("connect_p95", "lower", "ms", 0.05),
        _spec("connect_p99", "lower", "ms", 0.05),
        _spec("event_latency_p50", "lower", "ms", 0.05),
        _spec("event_latency_p95", "lower", "ms", 0.05),
        _spec("event_latency_p99", "lower", "ms", 0.05),
        _spec("event_latency_max", "lower", "ms", 0.05),
        _spec("event_loss_rate", "lower", "fraction", 0.001),
        _spec("connection_success_rate", "higher", "fraction", 0.001),
        _spec("disconnections", "lower", "count", 0.5),
        # sse (and the websocket figures above)
        _spec("first_event_p95", "lower", "ms", 0.05),
        _spec("first_event_p99", "lower", "ms", 0.05),
        # memory
        _spec("leak_rate_mb_per_hour", "lower", "MB/h", 1.0),
        _spec("growth_mb", "lower", "MB", 2.0),
        _spec("peak_mb", "lower", "MB", 2.0),
    )
}

# Defaults leave out the metrics that are noisy by nature (max, p99.9,
# disconnections) or depend on the run length (requests); `metrics=` adds them.
DEFAULT_METRICS: dict[str, tuple[str, ...]] = {
    "load": ("p50", "p95", "p99", "rps", "error_rate"),
    "websocket": (
        "connect_p95",
        "event_latency_p95",
        "event_latency_p99",
        "event_loss_rate",
        "connection_success_rate",
    ),
    "memory": ("leak_rate_mb_per_hour", "growth_mb", "peak_mb"),
    "sse": (
        "first_event_p95",
        "event_latency_p95",
        "event_latency_p99",
        "event_loss_rate",
        "connection_success_rate",
    ),
}


def spec_for(metric: str) -> MetricSpec:
    """The spec of a metric; unknown metrics are refused rather than guessed."""
    try:
        return METRICS[metric]
    except KeyError:
        close = difflib.get_close_matches(metric, list(METRICS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(
            f"Unknown metric {metric!r}{hint}: choose from {', '.join(METRICS)}."
        ) from None


def saved_results(result: Any) -> Any:
    """`result` with every path of a saved result JSON file (one, or items of a list) read
    back as its dictionary, as the check keywords take a saved result."""
    if isinstance(result, (list, tuple)):
        return [_saved(item) for item in result]
    return _saved(result)


def _saved(item: Any) -> Any:
    if not isinstance(item, (str, os.PathLike)):
        return item
    path = Path(item)
    if path.suffix != ".json":
        raise ValueError(
            f"Cannot compare the text {str(item)!r}: pass a result, or the path of its saved "
            "JSON file (ending in .json)."
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        problem = f": {error.strerror}" if isinstance(error, OSError) else f" as JSON ({error})"
        raise ValueError(f"Cannot read a saved result from {str(path)!r}{problem}.") from None
    if not isinstance(data, dict):
        raise ValueError(f"Saved result {str(path)!r} holds no result: expected a JSON object.")
    return data


def result_kind_and_values(result: Any) -> tuple[str, dict[str, float]]:
    """Turn a result object or a plain dict into its kind and numeric metrics.

    Accepts anything with `kind` and `to_dict()` (LoadResult, WebSocketResult,
    MemoryResult) and plain dicts with a `kind` key. Non-numeric entries are
    dropped; only finite numbers are kept so that JSON stays valid.
    """
    if isinstance(result, Mapping):
        data: Mapping[str, Any] = result
    elif hasattr(result, "to_dict") and hasattr(result, "kind"):
        data = result.to_dict()
        data = {"kind": result.kind, **data}
    else:
        raise ValueError(
            f"Cannot compare a {type(result).__name__}: pass a LoadResult, WebSocketResult, "
            "MemoryResult, a dict with a 'kind' key, or a list of them."
        )
    kind = data.get("kind")
    if kind not in KINDS:
        raise ValueError(
            f"Result kind {kind!r} is not one of {', '.join(KINDS)}: "
            "pass a result from the load, WebSocket, SSE or memory keywords."
        )
    values: dict[str, float] = {}
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if math.isfinite(value):
            values[key] = float(value)
    return str(kind), values


def samples_from(result: Any) -> tuple[str, list[dict[str, float]]]:
    """One result, or a list of repeated results of the same kind, as samples."""
    items = list(result) if isinstance(result, (list, tuple)) else [result]
    if not items:
        raise ValueError("The result list is empty: pass at least one result to compare.")
    kinds_and_values = [result_kind_and_values(item) for item in items]
    kinds = {kind for kind, _ in kinds_and_values}
    if len(kinds) > 1:
        raise ValueError(
            f"The result list mixes kinds {sorted(kinds)}: repeated samples must all "
            "measure the same thing."
        )
    return kinds_and_values[0][0], [values for _, values in kinds_and_values]
