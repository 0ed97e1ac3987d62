"""Trend projection, `perfgate trends` text and HTML, and rendering in a headless browser."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from perfgate.baseline import history, trends
from perfgate.baseline.trend_model import build_series

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def entry(
    run: int,
    p95: float,
    *,
    version: int = 1,
    verdict: str | None = "within noise",
    limit: float | None = 60.0,
    test: str = "Checkout Stays Fast",
    event: str = "compared",
) -> history.HistoryEntry:
    verdicts = {}
    if verdict is not None:
        verdicts["p95"] = {"verdict": verdict, "baseline": 40.0, "limit": limit, "method": "x"}
    return history.HistoryEntry(
        time=(START + timedelta(hours=run)).isoformat().replace("+00:00", "Z"),
        event=event,
        baseline="checkout",
        environment="ci",
        kind="load",
        fingerprint={"digest": "abc"},
        baseline_version=version,
        values={"p95": p95, "rps": 1000.0},
        samples=5,
        test=test,
        git_commit=f"{run:040x}",
        verdicts=verdicts,
    )


def drifting(n: int = 12, slope: float = 0.5, seed: int = 1) -> list[history.HistoryEntry]:
    rng = np.random.default_rng(seed)
    return [entry(i, 40.0 + slope * i + float(rng.normal(0, 0.2))) for i in range(n)]


def test_steady_drift_is_projected_to_cross_the_limit() -> None:
    [series] = build_series(drifting())
    projection = series.projection
    assert projection.direction == "worse"
    assert projection.slope_per_run == pytest.approx(0.5, abs=0.1)
    assert projection.p_value is not None and projection.p_value < 0.05
    assert projection.level is not None and projection.level == pytest.approx(45.5, abs=0.6)
    # (60 - ~45.5) / ~0.5 runs, one run an hour.
    assert projection.runs_to_limit == pytest.approx(29, abs=5)
    assert projection.eta is not None
    expected = START + timedelta(hours=11) + timedelta(hours=projection.runs_to_limit)
    assert abs((projection.eta - expected).total_seconds()) < 1


def test_noise_without_drift_is_flat() -> None:
    rng = np.random.default_rng(5)
    [series] = build_series([entry(i, 40.0 + float(rng.normal(0, 1.0))) for i in range(15)])
    assert series.projection.direction == "flat"
    assert series.projection.runs_to_limit is None


def test_throughput_falling_is_worse() -> None:
    entries = [entry(i, 40.0, verdict=None) for i in range(8)]
    for i, item in enumerate(entries):
        item.values["rps"] = 1000.0 - 20.0 * i
        item.verdicts["rps"] = {"verdict": "within noise", "baseline": 1000.0, "limit": 800.0}
    rps = next(s for s in build_series(entries) if s.metric == "rps")
    assert rps.projection.direction == "worse"
    assert rps.projection.runs_to_limit == pytest.approx(3.0, abs=0.01)


def test_new_baseline_version_restarts_the_trend() -> None:
    entries = drifting(10)
    entries += [entry(10 + i, 50.0, version=2) for i in range(3)]
    [series] = build_series(entries)
    assert series.projection.points_used == 3
    assert series.projection.p_value is None  # too few runs on version 2
    assert [p.run for p in series.version_changes] == [11]


def test_beyond_limit_and_regressions_are_reported() -> None:
    entries = [*drifting(6), entry(6, 70.0, verdict="regressed")]
    [series] = build_series(entries)
    assert [p.run for p in series.regressions] == [7]
    assert series.projection.beyond_limit


def test_series_per_test_and_last_n() -> None:
    entries = drifting(10) + [entry(i, 30.0, test="Login") for i in range(4)]
    series = build_series(entries, last=5)
    assert [(s.test, len(s.points)) for s in series] == [("Checkout Stays Fast", 5), ("Login", 4)]


def _write_history(path: Path, entries: list[history.HistoryEntry]) -> None:
    for item in entries:
        history.append(path, item)


def test_text_summary_for_ci_logs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "history.jsonl"
    _write_history(path, [*drifting(), entry(12, 70.0, verdict="regressed")])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("{ half a line\n")
    assert trends.main(["--history", str(path), "--text"]) == 0
    out = capsys.readouterr().out
    assert "[ci] checkout / Checkout Stays Fast" in out
    assert "p95" in out and "latest 70 ms" in out
    assert "regressed in 1 of 13 runs (latest runs: 13)" in out
    assert "Skipped 1 unreadable history lines (first: line 14)" in out


def test_text_summary_states_the_predicted_crossing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "history.jsonl"
    _write_history(path, drifting())
    assert trends.main(["--history", str(path), "--text"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"crosses the regression limit 60 ms in about \d+ runs \(around 2026-", out)


def test_missing_history_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert trends.main(["--history", str(tmp_path / "none.jsonl"), "--text"]) == 2
    assert "does not exist" in capsys.readouterr().err


def _html(tmp_path: Path) -> Path:
    history_file = tmp_path / "history.jsonl"
    entries = [entry(0, 40.0, verdict=None, event="recorded"), *drifting()[1:]]
    entries += [entry(12, 70.0, verdict="regressed")]
    entries += [entry(13, 52.0, version=2, verdict=None, event="updated")]
    entries += [entry(14 + i, 52.0 + i, version=2, limit=58.0) for i in range(5)]
    entries += [entry(i, 30.0, test="Login <script>") for i in range(3)]
    _write_history(history_file, entries)
    output = tmp_path / "trends.html"
    assert trends.main(["--history", str(history_file), "--output", str(output)]) == 0
    return output


def test_html_report_has_a_chart_per_test_and_metric(tmp_path: Path) -> None:
    page = _html(tmp_path).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 2
    assert page.count('class="point regressed"') == 1
    assert "baseline v2" in page
    assert 'class="projection"' in page
    assert "crosses the regression limit" in page
    assert "Login &lt;script&gt;" in page and "Login <script>" not in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")


def test_html_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium) to render the report")
    page = _html(tmp_path)
    command = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri(),
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        dom, errors = process.communicate(timeout=90)
    finally:
        # Chromium forks helpers; end the whole session it started.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == 0, errors[-2000:]
    html_tag = re.search(r"<html[^>]*>", dom)
    assert html_tag is not None, dom[:500]
    attributes = dict(re.findall(r'data-([\w-]+)="([^"]*)"', html_tag.group(0)))
    assert "errors" not in attributes, attributes
    assert attributes.get("charts") == "2"
    assert attributes.get("charts-drawn") == "2"
    assert dom.count("<circle") == 19 + 3  # every run of both tests is drawn


def test_history_lines_are_sorted_json(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    history.append(path, entry(1, 40.123456789))
    [line] = path.read_text(encoding="utf-8").splitlines()
    data = json.loads(line)
    assert list(data) == sorted(data)
    assert data["values"]["p95"] == 40.1235
