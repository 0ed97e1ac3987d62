"""Inline assertions: getter values, operators, units, per-name, suspect notes, errors."""

from __future__ import annotations

import numpy as np
import pytest

from loadkw.results import load_result
from perfgate.load.assertions import (
    assert_metric,
    build_check,
    failure_text,
    generator_warnings,
    get_metric,
    normalise_operator,
    parse_metric,
    passed_text,
)
from perfgate.load.thresholds import REQUEST_METRICS

LATENCIES = np.arange(1, 1001, dtype=float)  # 1..1000 ms: p95 is 950 ms


def result(**kwargs):
    return load_result(LATENCIES, **kwargs)


def test_getter_returns_the_value_without_an_operator():
    r = result()
    assert get_metric(r, "p95", known=REQUEST_METRICS) == pytest.approx(950.0, rel=1e-3)
    assert get_metric(r, "requests") == 1000
    assert get_metric(r, "p99.9") == pytest.approx(999.0, rel=1e-3)


@pytest.mark.parametrize(
    ("op", "expected"),
    [("<", "1 s"), ("<=", "951 ms"), (">", "0.9 s"), ("greater than", "900"), ("!=", "1 ms")],
)
def test_holding_assertions_return_the_value(op, expected):
    assert get_metric(result(), "p95", op, expected) == pytest.approx(950.0, rel=1e-3)


def test_failing_assertion_names_metric_value_and_limit():
    with pytest.raises(AssertionError) as failure:
        get_metric(result(), "p95", "<", "200 ms")
    assert str(failure.value) == "assertion failed: p95 was 950.0 ms, limit < 200 ms."


def test_units_follow_the_metric():
    r = result(errors=10)  # 10 of 1010
    assert_metric(r, "error_rate", "<", "1%")
    with pytest.raises(AssertionError, match=r"error_rate was 0.99%, limit < 0.5%"):
        assert_metric(r, "error_rate", "<", "0.5%")
    assert_metric(r, "rps", ">=", "100 rps")
    with pytest.raises(AssertionError, match=r"rps was 101.0 req/s, limit >= 6100 rpm"):
        assert_metric(r, "rps", ">=", "6100 rpm")


def test_per_name_metrics_and_unknown_names():
    r = load_result(
        LATENCIES,
        by_name={"create": list(LATENCIES[:100]), "list": list(LATENCIES[100:])},
    )
    names = set(r.by_name)
    assert get_metric(r, "create.max", names=names) == pytest.approx(100.0, rel=1e-3)
    assert get_metric(r, "p95{name=list}", "<", "1 s", names=names) > 900
    with pytest.raises(ValueError, match=r"no request named 'craete' \(did you mean 'create'\?\)"):
        get_metric(r, "craete.p95", names=names)


def test_a_metric_without_data_fails_any_assertion():
    r = load_result(LATENCIES, by_name={"create": list(LATENCIES)})
    with pytest.raises(AssertionError, match=r"other\.p95 had no data"):
        assert_metric(r, "other.p95", "<", "1 s")
    assert get_metric(r, "other.p95") is None


def test_a_suspect_result_says_so_in_the_failure():
    warnings = ["load generator CPU-bound (worker 1 at 98% CPU)"]
    r = result(warnings=warnings)
    assert generator_warnings(r) == warnings
    with pytest.raises(AssertionError) as failure:
        assert_metric(r, "p95", "<", "10 ms", warnings=generator_warnings(r))
    assert "The result is suspect: load generator CPU-bound (worker 1 at 98% CPU)" in str(
        failure.value
    )
    with pytest.raises(AssertionError) as custom:
        assert_metric(r, "p95", "<", "10 ms", warnings=warnings, message="too slow")
    assert str(custom.value).startswith("too slow The result is suspect")


def test_bad_input_is_one_sentence():
    with pytest.raises(ValueError, match="unknown assertion operator 'lt'"):
        normalise_operator("lt")
    with pytest.raises(ValueError, match=r"unknown metric 'p96' \(did you mean 'p9[59]'\?\)"):
        parse_metric("p96", REQUEST_METRICS)
    with pytest.raises(ValueError, match=r"unknown metric 'create.p96' \(did you mean"):
        parse_metric("create.p96", REQUEST_METRICS)
    with pytest.raises(ValueError, match="needs a time such as '200 ms'"):
        get_metric(result(), "p95", "<", "1%")
    with pytest.raises(ValueError, match="needs an operator"):
        get_metric(result(), "p95", None, "200 ms")
    with pytest.raises(ValueError, match="has no expected value"):
        get_metric(result(), "p95", "<", "")


def test_operator_words_and_symbols():
    assert normalise_operator("Less  Than") == "<"
    assert normalise_operator("should be") == "=="
    assert normalise_operator("≥") == ">="


def test_messages_for_the_log():
    check = build_check("p95", "<", "200 ms")
    assert passed_text(check, 12.345) == "p95 was 12.3 ms, limit < 200 ms: OK"
    ref = parse_metric("create.p95")
    assert (ref.metric, ref.scope, ref.kind) == ("p95", "create", "time")
    assert ref.format(None) == "n/a"
    assert failure_text([]) == "no assertion failed"
