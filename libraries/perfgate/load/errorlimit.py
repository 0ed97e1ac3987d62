"""How many failed requests a capacity or throughput figure may rest on.

A request *succeeds* when it got a response whose status it expects (any 2xx
or 3xx unless a scenario's ``expect`` says otherwise) and whose JSON checks
pass, without a transport error (refused, reset, closed, timeout, TLS,
protocol): `perfgate.load.http.checks.Expectations` decides, the engine counts
everything else as an error of its kind. ``successes = requests - errors``,
and *goodput* is successful responses per second.

Capacity, saturation, breaking points and throughput count successful
responses only, and no such figure passes, nor is recorded as a baseline,
from a run whose error rate is above its limit: the run's own overall
``error_rate`` threshold (the strictest, if it has several), or
`DEFAULT_MAX_ERROR_RATE` when it gives none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from perfgate.load.thresholds import Threshold, parse_thresholds

DEFAULT_MAX_ERROR_RATE = 0.5


@dataclass(frozen=True)
class ErrorLimit:
    """The error rate a run may have for its capacity figures to count."""

    threshold: Threshold
    default: bool = False

    @property
    def text(self) -> str:
        """``error_rate < 1%``, or the default saying it is one."""
        return f"{self.threshold.label} {self.threshold.op} {self.threshold.limit_text}"

    def exceeded(self, error_rate: float) -> bool:
        return not self.threshold.holds(error_rate)


def _default() -> ErrorLimit:
    (threshold,) = parse_thresholds(f"error_rate < {DEFAULT_MAX_ERROR_RATE:.0%}")
    # Breach messages say where the limit came from: "limit < 50% (the default ...)".
    note = f"{threshold.limit_text} (the default when no error_rate threshold is given)"
    return ErrorLimit(replace(threshold, limit_text=note), default=True)


DEFAULT_LIMIT = _default()


def error_limit(thresholds: Sequence[Threshold]) -> ErrorLimit:
    """The strictest overall upper bound on ``error_rate`` among `thresholds`, else the default."""
    bounds = [
        t
        for t in thresholds
        if t.metric == "error_rate" and t.scope is None and t.op in ("<", "<=")
    ]
    if not bounds:
        return DEFAULT_LIMIT
    return ErrorLimit(min(bounds, key=lambda t: (t.limit, t.op == "<=")))


def limit_of(result: object) -> ErrorLimit:
    """The limit `Run Load Profile` attached to its result (``error_limit``), else the default."""
    limit = getattr(result, "error_limit", None)
    return limit if isinstance(limit, ErrorLimit) else DEFAULT_LIMIT
