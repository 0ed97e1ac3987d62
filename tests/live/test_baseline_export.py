"""Compare To Baseline's verdicts exported to a real Prometheus: per metric the baseline's
and the current value and the verdict as a number, with the run's labels; an unreachable
Prometheus warns once and the comparison stands."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from prometheus import free_port

from perfgate.baseline import workflow
from perfgate.live.baselineseries import VERDICT_NUMBERS
from perfgate.live.settings import LiveSettings


def _result(p95: float, rps: float) -> dict[str, Any]:
    return {"kind": "load", "p50": p95 / 4, "p95": p95, "p99": p95 * 1.5, "rps": rps,
            "error_rate": 0.0, "requests": 10_000, "errors": 0}  # fmt: skip


def _compare(tmp: Path, result: Any, live: LiveSettings | None) -> workflow.Outcome:
    settings = workflow.Settings(tmp / "baselines", tmp / "history.jsonl", "ci", live=live)
    return workflow.compare_to_baseline(settings, result, "checkout", tolerance="10%")


def test_each_metrics_values_and_verdict_arrive(tmp_path, prometheus):
    run = uuid.uuid4().hex[:10]
    warnings: list[str] = []
    live = LiveSettings(prometheus.write_url, {"run": run, "test": "Checkout"}, None,
                        warnings.append)  # fmt: skip
    base = [_result(40.0 + i % 3, 1000.0 - i % 3) for i in range(5)]
    assert _compare(tmp_path, base, None).action == "recorded"  # nothing to export yet
    slower = [_result(80.0 + i % 3, 1000.0 - i % 3) for i in range(5)]
    outcome = _compare(tmp_path, slower, live)
    assert outcome.comparison is not None and outcome.comparison.regressed and warnings == []
    verdicts = {v.metric: v for v in outcome.comparison.verdicts}
    sel = f'run="{run}",baseline="checkout",environment="ci"'
    got = {
        r["metric"]["metric"]: float(r["value"][1])
        for r in prometheus.query(f"perfgate_baseline_verdict{{{sel}}}")
    }
    assert got == {m: VERDICT_NUMBERS[v.verdict] for m, v in verdicts.items()}
    assert got["p95"] == 1.0 and got["rps"] == 0.0
    for series, field in (("perfgate_baseline_value", "baseline"),
                          ("perfgate_baseline_current_value", "current")):  # fmt: skip
        values = {
            r["metric"]["metric"]: float(r["value"][1])
            for r in prometheus.query(f"{series}{{{sel}}}")
        }
        assert values == {m: getattr(v, field) for m, v in verdicts.items()}
    (p95,) = prometheus.query(f'perfgate_baseline_verdict{{{sel},metric="p95"}}')
    assert p95["metric"]["unit"] == verdicts["p95"].unit and p95["metric"]["test"] == "Checkout"


def test_an_unreachable_prometheus_warns_once_and_the_comparison_stands(tmp_path):
    warnings: list[str] = []
    url = f"http://127.0.0.1:{free_port()}/api/v1/write"
    live = LiveSettings(url, {"run": "x"}, None, warnings.append)
    _compare(tmp_path, [_result(40.0, 1000.0)] * 5, None)
    outcome = _compare(tmp_path, [_result(80.0, 1000.0)] * 5, live)
    assert outcome.failure and "p95" in outcome.failure
    assert len(warnings) == 1 and "Live metrics of baseline 'checkout'" in warnings[0]
    assert "The comparison stands; 15 samples were not delivered." in warnings[0]
