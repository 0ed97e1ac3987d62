"""The whole sequence against a real server: run, judge, save before any failure, reap."""

from __future__ import annotations

import json
import socket

import psutil
import pytest

from perfgate.load.http.plan import plan_run
from perfgate.load.http.runner import execute, read_saved


def alive(pids: list[int]) -> list[int]:
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            continue
    return out


def test_a_passing_run_is_saved_with_its_verdict_and_plan(server, tmp_path):
    plan = plan_run(
        "constant",
        f"{server.url}/ok",
        clients=2,
        duration="1.5 s",
        warmup="0.5 s",
        workers=1,
        thresholds="p95 < 5 s, error_rate < 1%, default.requests > 0",
    )
    lines: list[str] = []
    pids: list[int] = []
    outcome = execute(plan, console=lines.append, on_worker_started=pids.append, directory=tmp_path)
    assert not outcome.verdict.failed and outcome.result.requests > 0
    assert len(pids) == 1 and not alive(pids)
    assert lines[0] == "[constant] warm-up 0.5 s (warmup=) of 1.5 s in all"
    data = json.loads(outcome.json_path.read_text())
    assert data["verdict"]["passed"] is True
    assert data["plan"]["thresholds"] == [t.text for t in plan.thresholds]
    assert data["json_path"] == str(outcome.json_path) == outcome.result.json_path  # type: ignore[attr-defined]
    again = read_saved(outcome.json_path)
    assert again.requests == outcome.result.requests and again.p95 == outcome.result.p95
    assert again.breaking_point is None  # type: ignore[attr-defined]


def test_abort_on_fail_stops_early_and_the_data_is_kept(server, tmp_path):
    plan = plan_run(
        "constant",
        f"{server.url}/slow?ms=20",
        clients=8,
        duration="20 s",
        warmup="0 s",
        workers=1,
        thresholds="p95 < 1 ms",
        abort_on_fail=True,
    )
    outcome = execute(plan, directory=tmp_path)
    assert outcome.result.stopped_early
    assert outcome.verdict.failed and outcome.verdict.stop is not None
    assert outcome.verdict.message().startswith("Load run stopped early (abort_on_fail): p95 was ")
    saved = json.loads(outcome.json_path.read_text())
    assert saved["stopped_early"] is True
    assert saved["verdict"]["stopped_early"]["reasons"] == list(outcome.verdict.stop.reasons)
    assert outcome.result.duration_s < 20


def test_breakpoint_reports_where_it_broke(server, tmp_path):
    # Every second breaches 'p95 < 0.001 ms', so the run stops after the first two
    # judged seconds and the breaking point is the target of the first.
    plan = plan_run(
        "breakpoint",
        f"{server.url}/ok",
        rate=2000,
        duration="20 s",
        workers=1,
        thresholds="p95 < 0.001 ms",
    )
    outcome = execute(plan, directory=tmp_path)
    point = outcome.result.breaking_point  # type: ignore[attr-defined]
    assert point is not None and point.broke and point.unit == "req/s"
    assert 0 < point.target < 2000
    assert outcome.result.stopped_early and not outcome.verdict.failed
    assert read_saved(outcome.json_path).breaking_point == point  # type: ignore[attr-defined]


def test_a_refused_connection_is_one_sentence_and_starts_nothing(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    plan = plan_run("smoke", f"http://127.0.0.1:{port}/", time_scale=0.01)
    pids: list[int] = []
    with pytest.raises(ConnectionError, match=r"connection refused; is the gateway running\?"):
        execute(plan, on_worker_started=pids.append, directory=tmp_path)
    assert pids == [] and not list(tmp_path.iterdir())


def test_a_result_saved_before_limits_needed_units_reads_back(server, tmp_path):
    plan = plan_run(
        "constant", f"{server.url}/ok", clients=1, duration="1 s", warmup="0 s", workers=1
    )
    outcome = execute(plan, directory=tmp_path)
    data = json.loads(outcome.json_path.read_text())
    # What an older PerfGate saved: a bare number on a latency limit, read as ms.
    data["verdict"]["thresholds"] = ["p95 < 100", "error_rate < 2%"]
    outcome.json_path.write_text(json.dumps(data))
    again = read_saved(outcome.json_path)
    assert again.requests == outcome.result.requests
    assert again.error_limit.text == "error_rate < 2%"  # type: ignore[attr-defined]
