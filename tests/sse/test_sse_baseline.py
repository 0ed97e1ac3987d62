"""An SSE result goes to BaselineLibrary like the others: its kind, its default metrics."""

from __future__ import annotations

from perfgate.baseline.metric_table import DEFAULT_METRICS, samples_from, spec_for
from perfgate.load.sse import SseResult


def test_an_sse_result_is_compared_by_its_default_metrics() -> None:
    result = SseResult(
        url="http://x/sse/c", method="GET", connections=2, event_rate=0.0, duration_s=1.0,
        warmup_s=0.0, channel="c", workers=1, first_event_p95=12.0, event_latency_p95=3.0,
        event_latency_p99=4.0, event_loss_rate=0.0, connection_success_rate=1.0,
    )  # fmt: skip
    kind, samples = samples_from(result)
    assert kind == "sse" and len(samples) == 1
    for metric in DEFAULT_METRICS["sse"]:
        assert metric in samples[0]
        assert spec_for(metric).direction in ("lower", "higher")
    assert samples[0]["first_event_p95"] == 12.0
