"""An HTTP load exported to a real Prometheus: per-second samples with the run's own
timestamps, totals equal to the saved result's, quantiles that agree with PerfGate's."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from types import SimpleNamespace

import pytest
from prometheus import free_port

from perfgate.live.httpseries import http_live
from perfgate.live.series import bucket_of
from perfgate.live.session import LiveRun
from perfgate.live.settings import LiveSettings
from perfgate.load.http.plan import plan_run
from perfgate.load.http.runner import execute

SCENARIO = """requests:
  - {name: fast, path: "/slow?ms=1", weight: 3}
  - {name: slow, path: "/slow?ms=15", weight: 1}
  - {name: broken, path: /status/503, weight: 1}
"""


@pytest.fixture(autouse=True)
def _leaves_no_process(no_leftover_workers: None) -> None:
    """No load worker may outlive its run (tests/conftest.py)."""


def _plan(server, tmp_path):
    (tmp_path / "scenarios").mkdir(exist_ok=True)
    (tmp_path / "scenarios" / "mix.yaml").write_text(SCENARIO)
    return plan_run(
        "constant", server.url, clients=4, duration="4 s", warmup="1 s", workers=2,
        scenario="mix", thresholds="p95 < 5 s", search_dirs=[tmp_path],
    )  # fmt: skip


def _run(server, tmp_path, write_url):
    warnings: list[str] = []
    infos: list[str] = []
    run = uuid.uuid4().hex[:10]
    live = LiveSettings(
        write_url, {"run": run, "test": "HTTP export", "pabot": "3"},
        tmp_path / "live", warnings.append, infos.append,
    )  # fmt: skip
    outcome = execute(_plan(server, tmp_path), directory=tmp_path, live=live)
    return run, outcome.result, warnings, infos


def test_totals_by_name_kind_and_status_equal_the_results(server, tmp_path, prometheus):
    run, result, warnings, infos = _run(server, tmp_path, prometheus.write_url)
    assert warnings == [] and "not delivered" not in infos[0], infos
    sel = f'run="{run}"'
    for name, stats in result.by_name.items():
        got = prometheus.value(f'perfgate_http_requests_total{{{sel},name="{name}"}}')
        assert got == stats.requests > 0
    assert prometheus.value(f"sum(perfgate_http_requests_total{{{sel}}})") == result.requests
    kinds = prometheus.query(f"sum by (kind) (perfgate_http_errors_total{{{sel}}})")
    assert {r["metric"]["kind"]: float(r["value"][1]) for r in kinds} == result.errors_by_kind
    codes = prometheus.query(f"sum by (status) (perfgate_http_responses_total{{{sel}}})")
    assert {r["metric"]["status"]: float(r["value"][1]) for r in codes} == result.status_codes
    count = prometheus.value(f"sum(perfgate_http_request_duration_seconds_count{{{sel}}})")
    assert count == result.requests
    series = prometheus.query(f'perfgate_http_requests_total{{{sel},name="fast"}}')[0]["metric"]
    assert series["test"] == "HTTP export" and series["pabot"] == "3"
    assert series["load"] == "constant" and series["protocol"] == "http"


def test_histogram_quantile_agrees_with_perfgates_p95_to_the_bucket(server, tmp_path, prometheus):
    run, result, _, _ = _run(server, tmp_path, prometheus.write_url)
    bucket = f'perfgate_http_request_duration_seconds_bucket{{run="{run}"'
    overall = prometheus.value(f"histogram_quantile(0.95, sum by (le) ({bucket}}}))")
    lower, upper = bucket_of(result.p95 / 1000)
    assert lower <= overall <= upper, (overall, result.p95)
    for name, stats in result.by_name.items():
        q = prometheus.value(f'histogram_quantile(0.95, sum by (le) ({bucket},name="{name}"}}))')
        lower, upper = bucket_of(stats.p95 / 1000)
        assert lower <= q <= upper, (name, q, stats.p95)


def test_one_sample_a_second_at_the_runs_own_time(server, tmp_path, prometheus):
    before = time.time()
    run, result, _, _ = _run(server, tmp_path, prometheus.write_url)
    after = time.time()
    rows = prometheus.query(f'perfgate_clients_active{{run="{run}"}}[1m]')
    stamps = [float(t) for t, _ in rows[0]["values"]]
    # Each second stamped at its own end from the run's start instant: the first a second
    # after the start at the earliest, none after the run ended (a sample stamped later
    # than the query's instant is not in its range).
    assert before + 1 <= stamps[0] and stamps[-1] <= after, (before, stamps, after)
    assert len(stamps) == len(result.timeline)  # warm-up seconds included
    assert all(0.8 <= b - a <= 1.2 for a, b in itertools.pairwise(stamps))
    measured = prometheus.query(f'perfgate_http_requests_total{{run="{run}",name="fast"}}[1m]')
    assert len(measured[0]["values"]) == sum(not row.warmup for row in result.timeline)
    cpu = prometheus.value(f'perfgate_generator_cpu_seconds_total{{run="{run}"}}')
    assert cpu > 0


def test_the_live_file_ends_marked_with_the_verdict(server, tmp_path, prometheus):
    _, result, _, _ = _run(server, tmp_path, prometheus.write_url)
    (path,) = (tmp_path / "live").glob("live-constant-q*.json")
    data = json.loads(path.read_text())
    assert data["state"] == "passed" and data["test"] == "HTTP export"
    assert data["errors"] == result.errors and data["planned_s"] == 4.0
    assert data["line"].startswith("[constant] 4.0/4.0 s")


def test_an_unreachable_prometheus_warns_once_and_the_run_goes_on(server, tmp_path):
    url = f"http://127.0.0.1:{free_port()}/api/v1/write"
    _, result, warnings, infos = _run(server, tmp_path, url)
    assert result.requests > 0
    assert len(warnings) == 1 and "did not take its samples" in warnings[0]
    assert "0 samples delivered" in infos[0] and "not delivered" in infos[0]


def test_the_samples_clock_is_the_runs_start_not_its_first_seconds_arrival():
    """A first second that reaches the coordinator late (a busy machine) does not move
    the timestamps: they come from the run's start instant (`LiveRun.started`)."""
    live = LiveRun(LiveSettings(), "x", http_live(False))
    live.started(time.monotonic_ns() - 3_000_000_000)  # the run began 3 s ago
    expected = time.time() - 3
    assert live.start_wall == pytest.approx(expected, abs=0.05)
    live(SimpleNamespace(elapsed_s=1.0))  # second 0, arriving 2 s late
    assert live.start_wall == pytest.approx(expected, abs=0.05)
