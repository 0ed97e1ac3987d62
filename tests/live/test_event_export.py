"""WebSocket and SSE runs exported to a real Prometheus: events sent, received and lost,
event latency, connections; totals equal to the saved result's."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from perfgate.live.series import bucket_of
from perfgate.live.settings import LiveSettings
from perfgate.load.sse import SseFormat, SseLoadConfig
from perfgate.load.sse.runner import execute as execute_sse
from perfgate.load.ws import WsLoadConfig
from perfgate.load.ws.runner import execute as execute_ws


@pytest.fixture(autouse=True)
def _leaves_no_process(no_leftover_workers: None) -> None:
    """No load worker may outlive its run (tests/conftest.py)."""


@pytest.fixture
def leftover_marker() -> str:
    return "perfgate.load."  # the gateways are their fixture's


def _live(prometheus: Any, tmp_path: Any) -> tuple[str, LiveSettings]:
    run = uuid.uuid4().hex[:10]
    return run, LiveSettings(prometheus.write_url, {"run": run}, tmp_path / "live")


def _check_totals(prometheus: Any, run: str, result: Any) -> None:
    sel = f'{{run="{run}"}}'
    assert prometheus.value(f"perfgate_events_sent_total{sel}") == result.events_sent
    received = prometheus.value(f"perfgate_events_received_total{sel}")
    assert received > 0 and prometheus.value(f"perfgate_events_lost_total{sel}") == 0
    assert prometheus.value(f"perfgate_connects_total{sel}") == result.connect_attempts
    assert prometheus.value(f"perfgate_disconnections_total{sel}") == result.disconnections
    count = prometheus.value(f"perfgate_event_latency_seconds_count{sel}")
    assert count == result.latency_samples > 0
    q = prometheus.value(
        f"histogram_quantile(0.95, sum by (le) (perfgate_event_latency_seconds_bucket{sel}))"
    )
    lower, upper = bucket_of(result.event_latency_p95 / 1000)
    assert lower <= q <= upper, (q, result.event_latency_p95)
    assert prometheus.value(f"max_over_time(perfgate_connections{sel}[1m])") > 0


def test_a_websocket_broadcast(start_gateway, prometheus, tmp_path):
    gw = start_gateway()
    run, live = _live(prometheus, tmp_path)
    config = WsLoadConfig(
        url=gw.ws_url, connections=8, event_rate=100.0, duration_s=3.0, warmup_s=1.0,
        ramp_per_s=200.0, mode="broadcast",
    )  # fmt: skip
    result = execute_ws(config, [], directory=tmp_path, live=live).result
    _check_totals(prometheus, run, result)
    series = prometheus.query(f'perfgate_events_sent_total{{run="{run}"}}')[0]["metric"]
    assert series["protocol"] == "websocket" and series["load"] == "broadcast"


def test_an_event_stream(start_gateway, prometheus, tmp_path):
    gw = start_gateway("--event-rate", "40")
    run, live = _live(prometheus, tmp_path)
    config = SseLoadConfig(
        url=f"{gw.url}/sse/{{channel}}", connections=6, event_rate=0.0, duration_s=3.0,
        warmup_s=1.0, timeout_s=5.0, protocol=SseFormat(time_field="ts_ns", time_format="epoch_ns"),
    )  # fmt: skip
    result = execute_sse(config, [], directory=tmp_path, live=live).result
    _check_totals(prometheus, run, result)
