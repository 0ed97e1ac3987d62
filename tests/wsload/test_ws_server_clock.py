"""Events a real `ws` server (Node, tests/fixtures/node-ws) generates and stamps with its own
wall clock: no latency where none was measured, real latencies with `time_format`, and the
loss counted exactly against the server's own count. Each run lasts 2 s at 200 events/s."""

from __future__ import annotations

import json
import math
import shutil
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from perfgate.gateway.manager import Gateway
from perfgate.load.ws import WsLoadConfig, WsProtocol
from perfgate.load.ws.charts import all_charts
from perfgate.load.ws.criteria import resolve_thresholds
from perfgate.load.ws.report import render_table, summary_line
from perfgate.load.ws.runner import Outcome, execute

from .conftest import StartServer

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "node-ws"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed (apt-get install nodejs)"
)
# The server's protocol: its own, not the reference gateway's.
PROTOCOL = {
    "subscribe": '{"op": "subscribe", "topic": "{channel}"}',
    "unsubscribe": '{"op": "unsubscribe", "topic": "{channel}"}',
    "type_field": "kind",
    "time_field": "ts",
}
DROP_EVERY = 20

StartNode = Callable[[str], Gateway]


@pytest.fixture
def start_node(start_server: StartServer) -> StartNode:
    """`ws` servers (200 events/s, every DROP_EVERY-th dropped) stamped by `clock`."""
    if not (FIXTURE / "node_modules" / "ws").is_dir():
        pytest.fail(f"the ws package is not installed in {FIXTURE}: run `make node-fixtures`")
    options = ["--rate", "200", "--drop-every", str(DROP_EVERY)]
    return lambda clock: start_server(
        [str(NODE), str(FIXTURE / "server.js"), "--port", "{port}", "--clock", clock, *options]
    )


def run(
    gw: Gateway, tmp_path: Path, time_format: str = "perfgate", warmup_s: float = 0.0
) -> tuple[Outcome, list[str]]:
    """2 s of 200 events/s to 5 subscribers; judged by a latency threshold alone (the server
    drops events on purpose)."""
    config = WsLoadConfig(
        url=f"ws://127.0.0.1:{gw.port}/ws",
        connections=5,
        event_rate=0.0,  # the server generates the events
        duration_s=2.0,
        warmup_s=warmup_s,
        ramp_per_s=100.0,
        protocol=WsProtocol().with_overrides({**PROTOCOL, "time_format": time_format}),
    )
    console: list[str] = []
    thresholds = resolve_thresholds("NONE, event_latency_p95 < 200 ms")
    outcome = execute(config, thresholds, console=console.append, directory=tmp_path)
    return outcome, console


def dropped(gw: Gateway) -> int:
    with urllib.request.urlopen(f"{gw.url}/stats", timeout=5) as answer:
        return int(json.loads(answer.read())["dropped"])


def saved(outcome: Outcome) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(outcome.json_path.read_text(encoding="utf-8"))
    return data


def test_server_clock_stamps_read_as_perfgate_stamps_show_no_latency_anywhere(
    start_node: StartNode, tmp_path: Path
) -> None:
    """The issue's case: Date.now() in `time_field`, read as PerfGate's stamp. Before, the
    console and every timeline row showed p95 of about the machine's uptime (2,654,289 ms)."""
    gw = start_node("ms")
    outcome, console = run(gw, tmp_path)
    result = outcome.result
    assert result.events_received > 1500 and result.events_lost == dropped(gw) > 0
    assert result.latency_samples == 0 and math.isnan(result.event_latency_p95)
    assert math.isnan(result.latency_uncertainty_ms)
    assert result.stamps_rejected >= result.events_received
    assert result.timeline and all(
        (r.p50, r.p95, r.p99) == (None, None, None) for r in result.timeline
    )
    assert console and all("p95 n/a" in line for line in console)
    note = result.latency_note
    assert note.startswith("'ts' held no PerfGate send time of this run (e.g. ")
    assert "reads as the wall clock in epoch milliseconds; give time_format=epoch_ms" in note
    assert f"latency not measured ({note})" in summary_line(result)
    assert f"<b>not measured</b>: {note}".replace("'", "&#x27;") in render_table(
        result, outcome.verdict
    )
    charts = all_charts(result)
    assert charts[0].startswith("<p><b>No latency chart</b>") and "<svg" not in charts[0]
    data = saved(outcome)
    assert data["event_latency_p95"] is None and data["latency_note"] == note
    assert all(row["p95"] is None for row in data["timeline"])
    assert outcome.verdict.message() == (
        "Threshold breached: event_latency_p95 < 200 ms cannot hold: no event latency was "
        f"measured ({note})."
    )


def test_epoch_ms_stamps_give_latencies_against_the_server_clock_with_its_uncertainty(
    start_node: StartNode, tmp_path: Path
) -> None:
    gw = start_node("ms")
    outcome, console = run(gw, tmp_path, "epoch_ms")
    result = outcome.result
    assert not outcome.verdict.failed, outcome.verdict.message()
    assert result.events_lost == dropped(gw) > 0
    assert result.latency_samples == result.events_received > 1500
    # Date.now() truncates to the millisecond: a measured latency is the true one plus 0-1 ms.
    assert 0 <= result.event_latency_p50 <= result.event_latency_p95 < 50
    assert 0 <= result.clock_drift_ms < 1
    assert result.latency_uncertainty_ms == pytest.approx(1 + result.clock_drift_ms)
    assert result.events_stamped_ahead == 0 and result.stamps_rejected == 0
    assert result.warnings == [] and result.latency_note == ""
    assert all(r.p95 is not None and r.p95 < 50 for r in result.timeline if r.events)
    assert "against the server's wall clock, epoch_ms; uncertainty 1.00 ms" in summary_line(result)
    assert "the stamp's resolution 1.00 ms plus" in render_table(result, outcome.verdict)
    assert "<svg" in all_charts(result)[0]
    assert console and "p95 n/a" not in console[0]
    data = saved(outcome)
    assert data["time_format"] == "epoch_ms" and data["latency_uncertainty_ms"] >= 1
    assert data["latency_clock"].startswith("the server's wall clock (epoch_ms)")


def test_epoch_ns_stamps_from_hrtime_give_sub_millisecond_uncertainty(
    start_node: StartNode, tmp_path: Path
) -> None:
    gw = start_node("ns")
    began = time.monotonic()
    outcome, _ = run(gw, tmp_path, "epoch_ns", warmup_s=0.5)
    assert time.monotonic() - began < 4.5  # no wait for a warm-up floor no publisher gives
    result = outcome.result
    # Losses count from each subscription's start (no publisher marks the warm-up's end) ...
    assert result.events_lost == dropped(gw) > 0
    assert "PerfGate published nothing (event_rate=0)" in " ".join(result.notes)
    # ... latencies from the events stamped after the warm-up: 1.5 s of 2 s.
    assert 1000 < result.latency_samples < 0.8 * result.events_received, result.warnings
    assert 0 <= result.event_latency_p50 <= result.event_latency_p95 < 50
    assert result.latency_uncertainty_ms == pytest.approx(1e-6 + result.clock_drift_ms)
    assert result.latency_uncertainty_ms < 1
    assert result.events_stamped_ahead == 0 and result.warnings == []


def test_nanosecond_stamps_read_as_milliseconds_are_rejected_with_the_unit_they_are(
    start_node: StartNode, tmp_path: Path
) -> None:
    gw = start_node("ns")
    outcome, _ = run(gw, tmp_path, "epoch_ms")
    result = outcome.result
    assert result.latency_samples == 0 and result.events_lost == dropped(gw)
    assert result.latency_note.startswith("'ts' held no epoch_ms stamp from this run (e.g. ")
    assert "give time_format=epoch_ns" in result.latency_note
