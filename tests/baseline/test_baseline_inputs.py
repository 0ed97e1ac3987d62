"""Parsing of tolerances, metric lists and result objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from perfgate.baseline.compare import chosen_metrics, parse_metrics
from perfgate.baseline.metric_table import DEFAULT_METRICS, METRICS, samples_from
from perfgate.baseline.tolerance import (
    DEFAULT_TOLERANCE,
    FALLBACK_TOLERANCE,
    parse_tolerances,
)


def test_single_tolerance_in_percent_or_fraction() -> None:
    assert parse_tolerances("10%").default == pytest.approx(0.10)
    assert parse_tolerances(" 7.5 % ").default == pytest.approx(0.075)
    assert parse_tolerances("0.2").default == pytest.approx(0.2)
    assert parse_tolerances(0.05).default == pytest.approx(0.05)


def test_per_metric_tolerances_with_a_default_for_the_rest() -> None:
    tolerances = parse_tolerances("15%, p95:10%, rps: 5%")
    assert tolerances.for_metric("p95", statistical=True) == (pytest.approx(0.10), True)
    assert tolerances.for_metric("rps", statistical=False) == (pytest.approx(0.05), True)
    assert tolerances.for_metric("p99", statistical=True) == (pytest.approx(0.15), True)


def test_unset_tolerance_is_generous_without_a_significance_test() -> None:
    tolerances = parse_tolerances(None)
    assert tolerances.for_metric("p95", statistical=True) == (DEFAULT_TOLERANCE, False)
    assert tolerances.for_metric("p95", statistical=False) == (FALLBACK_TOLERANCE, False)
    assert parse_tolerances("").default is None
    only_p95 = parse_tolerances("p95:5%")
    assert only_p95.for_metric("p99", statistical=False) == (FALLBACK_TOLERANCE, False)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("fast", "is not a number"),
        ("10", "ambiguous: write 10% for percent"),
        ("-5%", "must be zero or positive"),
        ("p42:10%", "Unknown metric 'p42'"),
        ("p95:10%, p95:5%", "given twice"),
        ("10%, 20%", "two values without a metric"),
    ],
)
def test_bad_tolerances_are_explained(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_tolerances(spec)


def test_metric_lists() -> None:
    assert parse_metrics("p95, rps") == ["p95", "rps"]
    assert parse_metrics(["p99"]) == ["p99"]
    assert parse_metrics("") is None and parse_metrics(None) is None
    with pytest.raises(ValueError, match="Unknown metric 'latency'"):
        parse_metrics("latency")
    with pytest.raises(ValueError, match="name a metric twice"):
        parse_metrics("p95, p95")


def test_defaults_are_known_metrics_with_directions() -> None:
    for kind, metrics in DEFAULT_METRICS.items():
        assert metrics, kind
        for metric in metrics:
            assert METRICS[metric].direction in ("lower", "higher")
    assert METRICS["rps"].direction == "higher"
    assert METRICS["connection_success_rate"].direction == "higher"
    assert METRICS["event_loss_rate"].direction == "lower"
    assert METRICS["leak_rate_mb_per_hour"].direction == "lower"


def test_chosen_metrics_must_exist_in_the_result() -> None:
    samples = [{"p95": 1.0, "rps": 2.0}]
    assert chosen_metrics("load", samples, ["p95"]) == ["p95"]
    with pytest.raises(ValueError, match="The load result has no p50, p99, error_rate"):
        chosen_metrics("load", samples, None)


@dataclass
class FakeLoadResult:
    p95: float
    kind: str = "load"

    def to_dict(self) -> dict[str, Any]:
        return {"p95": self.p95, "label": "text is ignored", "ok": True, "nan": float("nan")}


def test_result_objects_dicts_and_lists_become_samples() -> None:
    kind, samples = samples_from(FakeLoadResult(12.5))
    assert kind == "load" and samples == [{"p95": 12.5}]
    kind, samples = samples_from(
        [{"kind": "memory", "peak_mb": 3}, {"kind": "memory", "peak_mb": 4}]
    )
    assert kind == "memory" and samples == [{"peak_mb": 3.0}, {"peak_mb": 4.0}]


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ("p95=3", "Cannot compare a str"),
        ({"p95": 3}, "Result kind None is not one of"),
        ({"kind": "cpu"}, "Result kind 'cpu'"),
        ([], "The result list is empty"),
        ([{"kind": "load"}, {"kind": "memory"}], "mixes kinds"),
    ],
)
def test_bad_results_are_explained(result: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        samples_from(result)
