"""The Grafana dashboard as Grafana would query it: every panel's query, with the
dashboard's variables filled in, run against a real Prometheus after an HTTP run (its
gateway's memory watched, its result compared with a baseline) and a WebSocket run,
returns that run's series, and its totals are the saved results'."""

from __future__ import annotations

import json
import math
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from perfgate.baseline import workflow
from perfgate.live.baselineseries import VERDICT_NUMBERS as BASELINE_VERDICTS
from perfgate.live.memoryseries import VERDICT_NUMBERS as LEAK_VERDICTS
from perfgate.live.memoryseries import MemoryExport
from perfgate.live.settings import LiveSettings
from perfgate.load.http.plan import plan_run
from perfgate.load.http.runner import execute as execute_http
from perfgate.load.ws import WsLoadConfig
from perfgate.load.ws.runner import execute as execute_ws
from perfgate.memory.monitor import MemoryMonitor
from perfgate.memory.sources import ProcessTreeSource

DASHBOARD = (
    Path(__file__).resolve().parents[2] / "resources" / "grafana" / "perfgate-dashboard.json"
)
HTTP_TEST, WS_TEST = "Checkout Holds", "Feed Broadcast"


@pytest.fixture(scope="module")
def runs(prometheus, tmp_path_factory, shared_gateway) -> dict[str, Any]:
    """One HTTP and one WebSocket run of one run id; the time window they covered."""
    tmp = tmp_path_factory.mktemp("dash")
    run = uuid.uuid4().hex[:10]
    started = time.time()

    def live(test: str, gateway: str = "") -> LiveSettings:
        labels = {"run": run, "test": test, "suite": "Dash", "gateway": gateway}
        return LiveSettings(prometheus.write_url, labels)

    plan = plan_run("constant", f"{shared_gateway.url}/health", clients=2, duration="3 s",
                    warmup="1 s", workers=1, thresholds="p95 < 5 s, p99 < 10 s")  # fmt: skip
    monitor = MemoryMonitor(ProcessTreeSource(shared_gateway.proc.pid), 0.5, alias="gw-memory",
                            live=MemoryExport(live(HTTP_TEST, "gw"), "gw-memory"))  # fmt: skip
    monitor.start()
    try:
        http = execute_http(plan, directory=tmp, live=live(HTTP_TEST)).result
    finally:
        memory = monitor.stop()
    stored = workflow.Settings(tmp / "baselines", tmp / "history.jsonl", "dash")
    workflow.compare_to_baseline(stored, http, "checkout")  # records version 1
    with_live = workflow.Settings(stored.baselines_dir, stored.history_file, "dash",
                                  live=live(HTTP_TEST))  # fmt: skip
    baseline = workflow.compare_to_baseline(with_live, http, "checkout").comparison
    config = WsLoadConfig(url=shared_gateway.ws_url, connections=4, event_rate=50.0,
                          duration_s=3.0, warmup_s=1.0, mode="broadcast")  # fmt: skip
    ws = execute_ws(config, [], directory=tmp, live=live(WS_TEST)).result
    return {"run": run, "http": http, "ws": ws, "memory": memory, "baseline": baseline,
            "start": started - 1, "end": time.time() + 1}  # fmt: skip


def _panels() -> list[dict[str, Any]]:
    data = json.loads(DASHBOARD.read_text())
    return [p for p in data["panels"] if p["type"] != "row"]


def _expr(expr: str, run: str, test: str) -> str:
    """What Grafana sends: the variables replaced (a 1 s resolution's rate interval, a
    time range that covers the runs)."""
    for name, value in (("$__rate_interval", "4s"), ("$__range", "10m"), ("$run", run),
                        ("$test", test)):  # fmt: skip
        expr = expr.replace(name, value)
    return expr


def test_the_dashboard_selects_a_run_and_its_tests(prometheus, runs):
    data = json.loads(DASHBOARD.read_text())
    variables = {v["name"]: v for v in data["templating"]["list"]}
    assert set(variables) == {"datasource", "run", "test"}
    runs_query = variables["run"]["definition"].removeprefix("label_values(").rstrip(")")
    metric, label = (part.strip() for part in runs_query.split(","))
    values = {r["metric"][label] for r in prometheus.query(metric)}
    assert runs["run"] in values
    tests_query = variables["test"]["definition"].removeprefix("label_values(")
    selector = tests_query.rsplit(",", 1)[0].replace("$run", runs["run"])
    assert {r["metric"]["test"] for r in prometheus.query(selector)} == {HTTP_TEST, WS_TEST}


@pytest.mark.parametrize("panel", _panels(), ids=lambda p: p["title"])
def test_every_panel_returns_the_runs_series(prometheus, runs, panel):
    found = []
    for target in panel["targets"]:
        expr = _expr(target["expr"], runs["run"], ".*")
        found += prometheus.query_range(expr, runs["start"], runs["end"], 1)
    assert found, f"{panel['title']}: no series"
    assert all(v[1] not in ("NaN", "+Inf") for s in found for v in s["values"][-1:])


def _stat(prometheus: Any, runs: dict[str, Any], title: str, test: str) -> float:
    (panel,) = (p for p in _panels() if p["title"] == title)
    return prometheus.value(_expr(panel["targets"][0]["expr"], runs["run"], test))


def test_the_totals_are_the_saved_results(prometheus, runs):
    http, ws = runs["http"], runs["ws"]
    assert _stat(prometheus, runs, "Requests", HTTP_TEST) == http.requests > 0
    assert _stat(prometheus, runs, "Requests", ".*") == http.requests  # WS runs add none
    assert _stat(prometheus, runs, "Errors", HTTP_TEST) == http.errors == 0
    assert _stat(prometheus, runs, "Events sent", WS_TEST) == ws.events_sent > 0
    assert _stat(prometheus, runs, "Events lost", WS_TEST) == ws.events_lost == 0
    assert _stat(prometheus, runs, "Disconnections", WS_TEST) == ws.disconnections
    assert _stat(prometheus, runs, "Planned", HTTP_TEST) == 3.0


def test_the_memory_row_shows_the_monitors_readings_and_verdict(prometheus, runs):
    memory = runs["memory"]
    assert _stat(prometheus, runs, "Readings", HTTP_TEST) == memory.samples >= 6
    assert _stat(prometheus, runs, "Peak RSS", HTTP_TEST) == memory.peak_mb * 1024 * 1024
    assert _stat(prometheus, runs, "Leak verdict", ".*") == LEAK_VERDICTS[memory.verdict]
    (panel,) = (p for p in _panels() if p["title"] == "Leak rate and limit")
    rate, limit = (_expr(t["expr"], runs["run"], HTTP_TEST) for t in panel["targets"])
    assert prometheus.value(limit) == 5.0
    finite = math.isfinite(memory.leak_rate_mb_per_hour)  # none from too short a run
    assert [float(r["value"][1]) for r in prometheus.query(rate)] == (
        [memory.leak_rate_mb_per_hour] if finite else []
    )
    assert _stat(prometheus, runs, "Processes", HTTP_TEST) == memory.points[-1].processes
    (readings,) = (p for p in _panels() if p["title"] == "Readings")
    ws_readings = _expr(readings["targets"][0]["expr"], runs["run"], WS_TEST)
    assert prometheus.query(ws_readings) == []  # no monitor in that test


def test_the_baseline_panel_shows_each_metrics_verdict(prometheus, runs):
    comparison = runs["baseline"]
    assert comparison is not None and comparison.verdicts
    (panel,) = (p for p in _panels() if p["title"] == "Baseline verdicts")
    rows = {}
    for target in panel["targets"]:
        for r in prometheus.query(_expr(target["expr"], runs["run"], HTTP_TEST)):
            rows.setdefault(r["metric"]["metric"], []).append(float(r["value"][1]))
    assert rows == {
        v.metric: [v.baseline, v.current, BASELINE_VERDICTS[v.verdict]] for v in comparison.verdicts
    }
    assert _stat(prometheus, runs, "Regressed metrics", HTTP_TEST) == len(comparison.regressed)
