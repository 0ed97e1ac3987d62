"""Thresholds during the run (abort_on_fail, breaking point) and the verdict at the end."""

from __future__ import annotations

import json
import math

import pytest

from loadkw.results import load_result
from perfgate.load.gate import (
    BreakingPoint,
    EarlyStop,
    LiveGate,
    judge,
    live_thresholds,
)
from perfgate.load.http.result import Progress, TimelineRow
from perfgate.load.http.result_metrics import KNOWN_METRICS, LoadMetrics
from perfgate.load.stages import parse_stages
from perfgate.load.thresholds import parse_thresholds


def thresholds(text: str):
    return parse_thresholds(text, KNOWN_METRICS)


def progress(
    t: float,
    *,
    p95: float = 10.0,
    requests: int = 1000,
    errors: int = 0,
    row_requests: int = 100,
    row_errors: int = 0,
    target: float = 100.0,
    missed: int = 0,
    warmup: bool = False,
    total_p95: float | None = None,
) -> Progress:
    row = TimelineRow(
        t=t,
        rps=float(row_requests),
        p50=p95 / 2,
        p95=p95,
        p99=p95 * 1.5,
        requests=row_requests,
        errors=row_errors,
        active=4,
        target=target,
        missed=missed,
        warmup=warmup,
    )
    p95_total = p95 if total_p95 is None else total_p95
    return Progress(
        row=row,
        elapsed_s=t + 1.0,
        duration_s=60.0,
        warmup=warmup,
        requests=requests,
        errors=errors,
        error_rate=errors / requests if requests else 0.0,
        rps=requests / (t + 1.0),
        p50=p95_total / 2,
        p95=p95_total,
        p99=p95_total * 1.5,
        missed=missed,
        max=p95_total * 3,
    )


def totals_gate(text: str) -> LiveGate:
    return LiveGate(thresholds(text), per_second=False, open_model=False)


def test_only_thresholds_that_can_be_lost_early_are_live():
    live = live_thresholds(
        thresholds(
            "p95 < 200 ms, create.p95 < 1 s, rps >= 100, errors < 10, requests >= 5000, "
            "requests <= 1000000, error_rate < 1%, max < 2 s"
        )
    )
    assert [t.text for t in live] == [
        "p95 < 200 ms",
        "errors < 10",
        "requests <= 1000000",
        "error_rate < 1%",
        "max < 2 s",
    ]


def test_running_totals_stop_at_the_first_breach_after_warmup_and_enough_samples():
    gate = totals_gate("p95 < 50 ms")
    assert not gate.check(progress(0, p95=900, warmup=True))
    assert not gate.check(progress(1, p95=900, requests=99))
    assert not gate.check(progress(2, p95=40, requests=500))
    assert gate.check(progress(3, p95=60, requests=600))
    assert gate.stop is not None
    assert gate.stop.reasons == ("p95 was 60.0 ms, limit < 50 ms",)
    assert gate.stop.at_s == 4.0 and gate.stop.row is None
    # Once stopped, it stays stopped and does not change its reason.
    assert not gate.check(progress(4, p95=900))
    assert gate.stop.reasons == ("p95 was 60.0 ms, limit < 50 ms",)


def test_counts_that_only_grow_are_lost_for_good():
    gate = totals_gate("errors < 10, requests >= 100000")
    assert not gate.check(progress(1, errors=9, requests=500))
    assert gate.check(progress(2, errors=10, requests=600))
    assert gate.stop is not None and gate.stop.reasons == ("errors was 10, limit < 10",)


def test_without_live_thresholds_nothing_stops():
    gate = totals_gate("rps >= 1000000, default.p95 < 0.001 ms")
    assert not any(gate.check(progress(t, p95=999)) for t in range(10))


def breakpoint_gate(text: str = "p95 < 100 ms, error_rate < 5%") -> LiveGate:
    return LiveGate(thresholds(text), per_second=True, open_model=True)


def test_a_single_slow_second_does_not_break_the_run():
    gate = breakpoint_gate()
    assert not gate.check(progress(5, p95=500, target=50))
    assert not gate.check(progress(6, p95=20, target=60))
    assert not gate.check(progress(7, p95=500, target=70))
    assert gate.stop is None


def test_two_breaching_seconds_give_the_breaking_point_of_the_first():
    gate = breakpoint_gate()
    # Running totals still pass: each second is judged on its own figures.
    for t, target in enumerate([50, 100, 150, 200]):
        assert not gate.check(progress(t, p95=20, target=target, total_p95=20))
    assert not gate.check(progress(4, p95=150, target=250, total_p95=30))
    assert gate.check(progress(5, p95=180, target=300, total_p95=40))
    point = gate.breaking_point(load_result())
    assert point.broke and point.target == 250 and point.unit == "req/s"
    assert point.at_s == 4 and point.rps == 100
    assert point.reasons == ("p95 was 150.0 ms, limit < 100 ms",)
    assert "Breaking point: 250.0 req/s (at 4.0 s" in point.describe()


def test_during_a_ramp_the_breaking_point_is_the_mean_target_of_its_second():
    gate = LiveGate(
        thresholds("p95 < 100 ms"), per_second=True, open_model=True, stages=parse_stages("10s:400")
    )
    assert not gate.check(progress(1, p95=150, target=80))
    assert gate.check(progress(2, p95=150, target=120))
    point = gate.breaking_point(load_result())
    assert point.target == pytest.approx(60.0)  # 40 req/s at 1 s to 80 req/s at 2 s


def test_error_rate_per_second_and_too_few_samples():
    gate = breakpoint_gate("error_rate < 5%")
    assert not gate.check(progress(1, row_requests=40, row_errors=40))  # too few to judge
    assert not gate.check(progress(2, row_requests=100, row_errors=10))
    assert gate.check(progress(3, row_requests=100, row_errors=6))
    assert gate.stop is not None and gate.stop.reasons == ("error_rate was 10%, limit < 5%",)


def test_a_stalled_open_model_second_breaks_even_without_responses():
    gate = breakpoint_gate()
    assert not gate.check(progress(1, row_requests=3, missed=400, target=400))
    assert gate.check(progress(2, row_requests=0, missed=500, target=500))
    assert gate.stop is not None and "were never sent" in gate.stop.reasons[0]


def test_a_run_that_never_broke_reports_its_peak_as_a_lower_bound():
    gate = LiveGate(thresholds("p95 < 1 s"), per_second=True, open_model=False)
    result = load_result(warmup_s=2)
    for row, target in zip(result.timeline, range(10), strict=True):
        row.target = float(target)
    point = gate.breaking_point(result)
    assert not point.broke and point.target == 9 and point.unit == "clients"
    assert point.describe().startswith("No breaking point: the thresholds held up to 9.0 clients")
    assert BreakingPoint.from_dict(point.to_dict()) == point


def test_the_verdict_lists_every_breach_and_the_suspect_note():
    result = load_result([5.0] * 900 + [500.0] * 100, errors=30)
    checks = thresholds("p95 < 200 ms, p99 < 1 s, error_rate < 1%")
    verdict = judge(checks, LoadMetrics(result).metric, warnings=["only 37 samples"])
    assert verdict.failed
    assert verdict.message() == (
        "2 thresholds breached: p95 was 500.0 ms, limit < 200 ms; error_rate was 2.91%, "
        "limit < 1%. The result is suspect: only 37 samples; the figures may describe the load "
        "generator rather than the system under test."
    )
    data = verdict.to_dict()
    json.dumps(data, allow_nan=False)
    assert [b["threshold"] for b in data["breaches"]] == ["p95 < 200 ms", "error_rate < 1%"]


def test_an_aborted_run_fails_and_says_where_it_stopped():
    result = load_result()
    stop = EarlyStop(at_s=12.0, of_s=60.0, reasons=("p95 was 250.0 ms, limit < 200 ms",))
    verdict = judge(thresholds("p95 < 1 s"), LoadMetrics(result).metric, stop=stop)
    assert verdict.failed and not verdict.breaches
    assert verdict.message() == (
        "Load run stopped early (abort_on_fail): p95 was 250.0 ms, limit < 200 ms "
        "(at 12.0 s of 60 s)."
    )


def test_a_breakpoint_run_does_not_fail_on_its_thresholds():
    result = load_result([500.0] * 100)
    point = BreakingPoint(True, 120.0, "req/s", 8.0, 110.0, ("p95 was 500.0 ms, limit < 1 ms",))
    result.breaking_point = point  # type: ignore[attr-defined]
    verdict = judge(thresholds("p95 < 1 ms"), LoadMetrics(result).metric, breaking_point=point)
    assert verdict.breaches and not verdict.failed
    assert LoadMetrics(result).metric("breaking_point") == 120.0
    assert verdict.to_dict()["breaking_point"]["target"] == 120.0


def test_a_passing_verdict():
    verdict = judge(thresholds("p95 < 1 s"), LoadMetrics(load_result()).metric)
    assert not verdict.failed and verdict.to_dict()["passed"]
    assert not math.isnan(LoadMetrics(load_result()).metric("p95") or math.nan)
