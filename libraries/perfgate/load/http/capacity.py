"""Capacity and throughput figures count only successful responses.

``rps`` (every response), ``goodput`` (successful responses per second) and
``breaking_point`` are the figures of how much a gateway can take. None of
them can pass - as a threshold, in `Get Load Metric` or in `Throughput Should
Be At Least` - when the responses they rest on mostly failed: a gateway that
answers every request with 404 in a millisecond is not fast, it is broken.

- ``rps`` and ``goodput`` (overall or per name) are refused when the run's
  error rate (that name's) is above its limit (`perfgate.load.errorlimit`: the
  run's ``error_rate`` threshold, else 50 %).
- ``breaking_point`` is refused when no request succeeded up to the second
  the load broke in (or in the whole run): its point is 0 and not *served*. A breakpoint
  run's overall error rate is not the measure here: the seconds that broke
  it are expected to fail.
"""

from __future__ import annotations

from collections.abc import Sequence

from perfgate.load.errorlimit import limit_of
from perfgate.load.http.result import LoadResult
from perfgate.load.thresholds import Threshold

CAPACITY_METRICS = frozenset({"rps", "goodput", "breaking_point"})


def refusal(result: LoadResult, metric: str, scope: str | None = None) -> str | None:
    """Why `metric` of `result` cannot pass, in one sentence naming the error rate; else None."""
    if metric not in CAPACITY_METRICS:
        return None
    if metric == "breaking_point":
        point = result.breaking_point
        return None if point is None or point.served else point.describe()
    stats = result if scope is None else result.by_name.get(scope)
    limit = limit_of(result)
    if stats is None or not stats.requests or not limit.exceeded(stats.error_rate):
        return None
    whose = "" if scope is None else f" of {scope!r}"
    kinds = ", ".join(f"{kind} {n:,}" for kind, n in stats.errors_by_kind.items())
    return (
        f"The error rate{whose} was {stats.error_rate:.2%} ({stats.errors:,} of "
        f"{stats.requests:,} requests failed{': ' + kinds if kinds else ''}), above the limit "
        f"{limit.text}: {metric} counts only successful responses (goodput "
        f"{stats.goodput:,.1f} req/s of {stats.rps:,.1f} req/s), so it cannot pass."
    )


def run_refusal(result: LoadResult, thresholds: Sequence[Threshold]) -> str | None:
    """Why a finished run fails for its capacity figures: a breaking point that served
    nothing, or a capacity threshold on a run whose error rate is above its limit."""
    point = result.breaking_point
    if point is not None:
        return refusal(result, "breaking_point")
    for threshold in thresholds:
        reason = refusal(result, threshold.metric, threshold.scope)
        if reason is not None:
            return reason
    return None
