"""Load results built by hand, with figures the tests can predict."""

from __future__ import annotations

import math

import numpy as np

from perfgate.load.http.result import (
    GeneratorHealth,
    LoadResult,
    RequestStats,
    TimelineRow,
    latency_fields,
)
from perfgate.measure.histogram import Histogram


def histogram(latencies_ms: list[float] | np.ndarray) -> Histogram:
    hist = Histogram()
    hist.record_array((np.asarray(latencies_ms, dtype=float) * 1e6).astype(np.int64))
    return hist


def load_result(
    latencies_ms: list[float] | np.ndarray | None = None,
    *,
    errors: int = 0,
    seconds: int = 10,
    warmup_s: float = 0.0,
    by_name: dict[str, list[float]] | None = None,
    warnings: list[str] | None = None,
    model: str = "closed",
) -> LoadResult:
    """A result of `seconds` measured seconds whose latencies are exactly `latencies_ms`."""
    values = np.asarray(
        latencies_ms if latencies_ms is not None else np.linspace(1.0, 100.0, 1000), dtype=float
    )
    hist = histogram(values)
    requests = int(values.size)
    names = by_name or {"default": list(values)}
    stats = {}
    for name, lat in names.items():
        h = histogram(lat)
        stats[name] = RequestStats(
            name=name,
            requests=len(lat),
            successes=len(lat),
            rps=len(lat) / seconds,
            goodput=len(lat) / seconds,
            **latency_fields(h),
        )
    per_second = requests / seconds
    timeline = [
        TimelineRow(
            t=float(t),
            rps=per_second,
            p50=float(np.percentile(values, 50)),
            p95=float(np.percentile(values, 95)),
            p99=float(np.percentile(values, 99)),
            requests=int(per_second),
            errors=errors // seconds,
            active=4,
            target=4.0,
            warmup=t < warmup_s,
            goodput=per_second - errors // seconds,
        )
        for t in range(seconds)
    ]
    health = GeneratorHealth(cpu_percent=[40.0], warnings=list(warnings or []))
    return LoadResult(
        url="http://127.0.0.1:9/api/echo",
        model=model,
        profile="constant",
        stages=[{"duration_s": float(seconds), "target": 4.0}],
        warmup_s=warmup_s,
        duration_s=float(seconds),
        workers=1,
        requests=requests + errors,
        successes=requests,
        errors=errors,
        error_rate=errors / (requests + errors) if requests + errors else 0.0,
        rps=(requests + errors) / seconds,
        goodput=requests / seconds,
        errors_by_kind={"http_5xx": errors} if errors else {},
        status_codes={"200": requests},
        **latency_fields(hist),
        timeline=timeline,
        by_name=stats,
        health=health,
        suspect=bool(warnings),
        histograms={"latency": hist.to_dict(), "service": None, "by_name": {}},
    )


def nan() -> float:
    return math.nan
