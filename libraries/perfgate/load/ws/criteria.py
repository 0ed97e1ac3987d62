"""Pass criteria of a WebSocket run: the defaults, `thresholds=` on top of them, the verdict.

The defaults follow the seed WebSocket suite: connection success rate above
99.5 %, connection time p95 under 500 ms, event latency p95 under 200 ms and
no event lost. `thresholds=` uses the expression language of
`perfgate.load.thresholds` with the metric names of `WS_METRICS`; a threshold
on a metric that has a default replaces that default, the others stay.
`NONE` (alone, or first in the list) drops the defaults.

A threshold on the event latency of a run that measured none (no event
carried a send time PerfGate could read) fails with one sentence saying
so and why, as do the assertion keywords (`get_ws_metric`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from perfgate.load.assertions import build_check, get_metric, suspect_note
from perfgate.load.gate import Verdict, judge
from perfgate.load.thresholds import Breach, Threshold, parse_thresholds
from perfgate.load.ws.result import WS_METRICS, WebSocketResult

DEFAULT_THRESHOLDS = (
    "connection_success_rate > 99.5%",
    "connect_p95 < 500 ms",
    "event_latency_p95 < 200 ms",
    "event_loss_rate == 0%",
)
NO_DEFAULTS = "NONE"


def resolve_thresholds(spec: str | Sequence[str] | None) -> list[Threshold]:
    """The thresholds a run is judged by: the defaults, overridden and extended by `spec`."""
    items: list[str] = []
    if isinstance(spec, str):
        items = [spec] if spec.strip() else []
    elif spec is not None:
        items = [str(item) for item in spec]
    use_defaults = True
    if items and items[0].strip().upper().startswith(NO_DEFAULTS):
        first = items[0].strip()[len(NO_DEFAULTS) :].lstrip(" ,;\n")
        items = ([first] if first else []) + items[1:]
        use_defaults = False
    given = parse_thresholds(items, WS_METRICS)
    if not use_defaults:
        return given
    overridden = {t.metric for t in given}
    defaults = [t for t in parse_thresholds(list(DEFAULT_THRESHOLDS), WS_METRICS)
                if t.metric not in overridden]  # fmt: skip
    return defaults + given


LATENCY_METRICS = frozenset(m for m in WS_METRICS if m.startswith("event_latency_"))


@dataclass(frozen=True)
class LatencyNotMeasured(Breach):
    """A threshold on an event latency that was not measured: the breach says why."""

    reason: str = ""

    def message(self) -> str:
        return (
            f"{self.threshold.text} cannot hold: no event latency was measured "
            f"({self.reason or 'no event carried a send time'})"
        )


def no_latency(result: WebSocketResult, metric: str) -> str | None:
    """Why `metric` has no value when it is an event latency the run did not measure."""
    if metric.strip() not in LATENCY_METRICS or result.latency_samples:
        return None
    return result.latency_note or "no event carried a send time"


def judge_result(result: WebSocketResult, thresholds: Sequence[Threshold]) -> Verdict:
    """Every threshold against the finished result (a metric not measured is a breach)."""
    verdict = judge(thresholds, result.metric, warnings=result.warnings)
    verdict.breaches = [
        LatencyNotMeasured(b.threshold, b.value, reason)
        if (reason := no_latency(result, b.threshold.metric)) is not None
        else b
        for b in verdict.breaches
    ]
    return verdict


def get_ws_metric(
    result: WebSocketResult,
    metric: str,
    operator: str | None = None,
    expected: str | None = None,
    message: str = "",
) -> float | None:
    """`Get WebSocket Metric`: the value, asserted given an operator; an assertion on an
    event latency the run did not measure fails with one sentence saying why."""
    reason = no_latency(result, metric)
    if reason is not None and operator is not None and str(operator).strip():
        check = build_check(metric, operator, expected, WS_METRICS)
        breach = LatencyNotMeasured(check, float("nan"), reason)
        text = message or f"assertion failed: {breach.message()}."
        raise AssertionError(text + suspect_note(result.warnings))
    return get_metric(
        result, metric, operator, expected, known=WS_METRICS, warnings=result.warnings,
        message=message,
    )  # fmt: skip
