"""A baseline comparison's verdicts as Prometheus series, sent once when it is made.

| Series | Meaning |
|---|---|
| ``perfgate_baseline_value`` | the baseline's value of the metric (its median) |
| ``perfgate_baseline_current_value`` | the current result's value |
| ``perfgate_baseline_verdict`` | -1 improved, 0 within noise, 1 regressed |

All gauges, labelled with the run's labels (run, suite, test, pabot,
machine), ``baseline`` (its name), ``environment``, ``metric`` and ``unit``.
The verdict's sign is the direction of the change that matters, so that
``max`` over a run's metrics is 1 when anything regressed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from perfgate.live.export import Export
from perfgate.live.sender import SendTotals
from perfgate.live.settings import LiveSettings

if TYPE_CHECKING:
    from perfgate.baseline.compare import Comparison

VERDICT_NUMBERS = {"improved": -1.0, "within noise": 0.0, "regressed": 1.0}


def export_comparison(settings: LiveSettings | None, comparison: Comparison) -> SendTotals | None:
    """Send `comparison`'s verdicts (nothing when `settings` export nothing); the totals."""
    if settings is None or not settings.write_url:
        return None
    labels = {"baseline": comparison.name, "environment": comparison.environment}
    export = Export(settings, f"baseline '{comparison.name}'", labels, "The comparison stands")
    book = export.book
    for verdict in comparison.verdicts:
        extra = (("metric", verdict.metric), ("unit", verdict.unit))
        book.gauge("perfgate_baseline_value", verdict.baseline, extra)
        book.gauge("perfgate_baseline_current_value", verdict.current, extra)
        book.gauge("perfgate_baseline_verdict", VERDICT_NUMBERS[verdict.verdict], extra)
    export.send(time.time())
    return export.close()
