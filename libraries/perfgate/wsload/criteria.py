"""Pass criteria of a WebSocket run: the defaults, `thresholds=` on top of them, the verdict.

The defaults follow the seed WebSocket suite: connection success rate above
99.5 %, connection time p95 under 500 ms, event latency p95 under 200 ms and
no event lost. `thresholds=` uses the expression language of
`perfgate.thresholds` with the metric names of `WS_METRICS`; a threshold
on a metric that has a default replaces that default, the others stay.
`NONE` (alone, or first in the list) drops the defaults.
"""

from __future__ import annotations

from collections.abc import Sequence

from perfgate.loadkw.gate import Verdict, judge
from perfgate.thresholds import Threshold, parse_thresholds
from perfgate.wsload.result import WS_METRICS, WebSocketResult

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


def judge_result(result: WebSocketResult, thresholds: Sequence[Threshold]) -> Verdict:
    """Every threshold against the finished result (a metric not measured is a breach)."""
    return judge(thresholds, result.metric, warnings=result.warnings)
