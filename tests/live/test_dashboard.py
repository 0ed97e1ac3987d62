"""The Grafana dashboard as Grafana would query it: every panel's query, with the
dashboard's variables filled in, run against a real Prometheus after an HTTP and a
WebSocket run, returns that run's series, and its totals are the saved results'."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from perfgate.live.settings import LiveSettings
from perfgate.load.http.plan import plan_run
from perfgate.load.http.runner import execute as execute_http
from perfgate.load.ws import WsLoadConfig
from perfgate.load.ws.runner import execute as execute_ws

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

    def live(test: str) -> LiveSettings:
        return LiveSettings(prometheus.write_url, {"run": run, "test": test, "suite": "Dash"})

    plan = plan_run("constant", f"{shared_gateway.url}/health", clients=2, duration="3 s",
                    warmup="1 s", workers=1, thresholds="p95 < 5 s, p99 < 10 s")  # fmt: skip
    http = execute_http(plan, directory=tmp, live=live(HTTP_TEST)).result
    config = WsLoadConfig(url=shared_gateway.ws_url, connections=4, event_rate=50.0,
                          duration_s=3.0, warmup_s=1.0, mode="broadcast")  # fmt: skip
    ws = execute_ws(config, [], directory=tmp, live=live(WS_TEST)).result
    return {"run": run, "http": http, "ws": ws, "start": started - 1, "end": time.time() + 1}


def _panels() -> list[dict[str, Any]]:
    data = json.loads(DASHBOARD.read_text())
    return [p for p in data["panels"] if p["type"] != "row"]


def _expr(expr: str, run: str, test: str) -> str:
    """What Grafana sends: the variables replaced (a 1 s resolution's rate interval)."""
    for name, value in (("$__rate_interval", "4s"), ("$run", run), ("$test", test)):
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
    tests = prometheus.query(f'perfgate_run_elapsed_seconds{{run="{runs["run"]}"}}')
    assert {r["metric"]["test"] for r in tests} == {HTTP_TEST, WS_TEST}


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
