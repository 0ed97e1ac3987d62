"""Threshold parsing, unit conversion, evaluation and the failure message."""

from __future__ import annotations

import math
import re

import pytest

from perfgate.load.thresholds import (
    REQUEST_METRICS,
    Breach,
    Threshold,
    evaluate,
    failure_message,
    metric_kind,
    parse_thresholds,
)

WS_METRICS = REQUEST_METRICS | {"event_latency_p95", "connect_p95", "event_loss_rate"}


def one(text: str, known=REQUEST_METRICS) -> Threshold:
    (threshold,) = parse_thresholds(text, known)
    return threshold


@pytest.mark.parametrize(
    ("text", "metric", "op", "limit", "scope"),
    [
        ("p95 < 200 ms", "p95", "<", 200.0, None),
        ("p99 < 1.5 s", "p99", "<", 1500.0, None),
        ("p99 < 1.1 s", "p99", "<", 1100.0, None),
        ("p99.9 <= 2s", "p99.9", "<=", 2000.0, None),
        ("mean <= 50ms", "mean", "<=", 50.0, None),
        ("max < 250 us", "max", "<", 0.25, None),
        ("error_rate < 1%", "error_rate", "<", 0.01, None),
        ("error_rate < 0.5 %", "error_rate", "<", 0.005, None),
        ("error_rate < 0.02", "error_rate", "<", 0.02, None),
        ("rps >= 500", "rps", ">=", 500.0, None),
        ("rps >= 1.5k rps", "rps", ">=", 1500.0, None),
        ("rps > 30000 rpm", "rps", ">", 500.0, None),
        ("requests >= 1000", "requests", ">=", 1000.0, None),
        ("errors == 0", "errors", "==", 0.0, None),
        ("errors = 0", "errors", "==", 0.0, None),
        ("errors ≤ 3", "errors", "<=", 3.0, None),
        ("create_mission.p95 < 300 ms", "p95", "<", 300.0, "create_mission"),
        ("create-mission.p99.9 < 1 s", "p99.9", "<", 1000.0, "create-mission"),
        ("api.v2.p95 < 300 ms", "p95", "<", 300.0, "api.v2"),
        ("p95{name=create_mission} < 300 ms", "p95", "<", 300.0, "create_mission"),
        ("p95{name:create_mission} < 300 ms", "p95", "<", 300.0, "create_mission"),
        ("p95{ name = GET /api/v1.2/x } < 3 s", "p95", "<", 3000.0, "GET /api/v1.2/x"),
        ("error_rate{name=login} < 2%", "error_rate", "<", 0.02, "login"),
    ],
)
def test_parse_one_threshold(text: str, metric: str, op: str, limit: float, scope) -> None:
    threshold = one(text)
    assert (threshold.metric, threshold.op, threshold.scope) == (metric, op, scope)
    assert threshold.limit == pytest.approx(limit, rel=1e-12)
    assert threshold.text == text


def test_other_result_types_bring_their_own_metrics() -> None:
    parsed = parse_thresholds(
        "event_latency_p95 < 50 ms; connect_p95 < 1 s; event_loss_rate < 0.1%", WS_METRICS
    )
    assert [(t.metric, t.limit, t.kind) for t in parsed] == [
        ("event_latency_p95", 50.0, "time"),
        ("connect_p95", 1000.0, "time"),
        ("event_loss_rate", pytest.approx(0.001), "fraction"),
    ]


def test_any_identifier_is_accepted_without_a_known_list() -> None:
    threshold = one("custom_thing >= 3", known=None)
    assert (threshold.metric, threshold.limit, threshold.kind) == ("custom_thing", 3.0, "number")


@pytest.mark.parametrize(
    ("text", "kind", "limit"),
    [
        ("gizmo < 200 ms", "time", 200.0),
        ("gizmo < 5%", "fraction", 0.05),
        ("gizmo < 500 rps", "rate", 500.0),
        ("gizmo < 5 MB/h", "growth", 5.0),
        ("gizmo < 256 MB", "bytes", 256.0 * 2**20),
        ("gizmo > -2.5", "number", -2.5),
    ],
)
def test_the_unit_decides_the_kind_of_an_unfamiliar_metric(
    text: str, kind: str, limit: float
) -> None:
    threshold = one(text, known=None)
    assert (threshold.kind, threshold.limit) == (kind, pytest.approx(limit))


def test_lists_and_separators() -> None:
    spec = "p95 < 200 ms, p99 < 1.5 s; error_rate < 1%\n rps >= 500 ,"
    assert [t.metric for t in parse_thresholds(spec)] == ["p95", "p99", "error_rate", "rps"]
    assert [t.metric for t in parse_thresholds(["p95 < 200 ms", "p99 < 1 s, rps > 5"])] == [
        "p95",
        "p99",
        "rps",
    ]
    assert parse_thresholds(None) == []
    assert parse_thresholds("") == []
    assert parse_thresholds([]) == []


def test_commas_inside_a_tag_do_not_split() -> None:
    (threshold,) = parse_thresholds("p95{name=a,b} < 5 ms")
    assert threshold.scope == "a,b"


def test_whitespace_is_normalised_in_the_text() -> None:
    assert one("  p95   <   200   ms ").text == "p95 < 200 ms"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p96 < 200 ms", "unknown metric 'p96' in threshold 'p96 < 200 ms'"),
        ("latency < 200 ms", "known: error_rate, errors, goodput, max, mean"),
        ("p95 200 ms", "is not 'metric operator limit'"),
        ("p95 <", "is not 'metric operator limit'"),
        ("< 200 ms", "is not 'metric operator limit'"),
        ("p95 < 5%", "'p95' needs a time"),
        ("error_rate < 200 ms", "'error_rate' needs a percentage"),
        ("error_rate < 5", "above 1; write a percentage"),
        ("rps > 200 ms", "'rps' needs a rate"),
        ("requests > 5 ms", "counts take a plain number"),
        ("p95 < -5", "negative limit"),
        ("p95 < nan", "finite limit"),
        ("p95{scenario=x} < 5 ms", "only {name=...} is supported"),
        ("p95{name=} < 5 ms", "empty request name"),
        ("9 < 5", "does not name a metric"),
        (".p95 < 5", "does not name a metric"),
        ("p95 < 100", "threshold 'p95 < 100' has no unit on its limit; write e.g. 'p95 < 100 ms'."),
    ],
)
def test_bad_thresholds_get_one_clear_sentence(text: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_thresholds(text, REQUEST_METRICS)
    assert message in str(error.value)
    assert not re.search(r"\.\s+[A-Z]", str(error.value)), "one sentence"


def test_a_size_without_unit_is_refused_with_a_hint() -> None:
    with pytest.raises(
        ValueError, match=r"'rss < 512' has no unit on its limit; write e\.g\. 'rss < 512 MB'"
    ):
        parse_thresholds("rss < 512")


def test_unknown_metric_error_suggests_a_close_name() -> None:
    with pytest.raises(ValueError, match="did you mean 'error_rate'"):
        parse_thresholds("eror_rate < 1%", REQUEST_METRICS)


def test_unknown_unit_on_an_unfamiliar_metric() -> None:
    with pytest.raises(ValueError, match="no known unit"):
        parse_thresholds("gizmo < 5 parsecs")


def test_non_text_items_are_rejected() -> None:
    with pytest.raises(ValueError, match="is not text"):
        parse_thresholds(["p95 < 5 ms", 42])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("op", "value", "holds"),
    [
        ("<", 199.9, True),
        ("<", 200.0, False),
        ("<=", 200.0, True),
        ("<=", 200.1, False),
        (">", 200.1, True),
        (">", 200.0, False),
        (">=", 200.0, True),
        (">=", 199.9, False),
        ("==", 200.0, True),
        ("==", 200.1, False),
        ("!=", 200.1, True),
        ("!=", 200.0, False),
        ("<", math.nan, False),
        ("!=", math.nan, False),
    ],
)
def test_holds_applies_the_operator(op: str, value: float, holds: bool) -> None:
    assert one(f"p95 {op} 200 ms").holds(value) is holds


def test_evaluate_reports_each_breach_with_the_measured_value() -> None:
    thresholds = parse_thresholds(
        "p95 < 200 ms, p99 < 1.5 s, error_rate < 1%, rps >= 500, create.p95 < 300 ms"
    )
    measured = {
        ("p95", None): 312.4,
        ("p99", None): 900.0,
        ("error_rate", None): 0.0231,
        ("rps", None): 480.2,
        ("p95", "create"): 250.0,
    }
    breaches = evaluate(thresholds, lambda metric, scope: measured.get((metric, scope)))
    assert [b.threshold.metric for b in breaches] == ["p95", "error_rate", "rps"]
    assert [b.value for b in breaches] == [312.4, 0.0231, 480.2]
    assert [b.message() for b in breaches] == [
        "p95 was 312.4 ms, limit < 200 ms",
        "error_rate was 2.31%, limit < 1%",
        "rps was 480.2 req/s, limit >= 500",
    ]


def test_missing_data_is_a_breach() -> None:
    thresholds = parse_thresholds("creat.p95 < 300 ms, p95{name=GET /x} < 1 s, p99 < 1 s")
    breaches = evaluate(thresholds, lambda metric, scope: math.nan if scope is None else None)
    assert [b.message() for b in breaches] == [
        "creat.p95 had no data, limit < 300 ms",
        "p95{name=GET /x} had no data, limit < 1 s",
        "p99 had no data, limit < 1 s",
    ]
    assert all(math.isnan(b.value) for b in breaches)


def test_all_held_gives_no_breaches() -> None:
    thresholds = parse_thresholds("p95 < 200 ms, errors == 0")
    assert evaluate(thresholds, lambda metric, scope: 0.0) == []
    assert evaluate([], lambda metric, scope: None) == []


def test_failure_message_lists_every_breach_in_one_message() -> None:
    thresholds = parse_thresholds("p95 < 200 ms, requests >= 1000, rss < 256 MB")
    breaches = [
        Breach(thresholds[0], 312.44),
        Breach(thresholds[1], 950),
        Breach(thresholds[2], 300 * 2**20),
    ]
    assert failure_message(breaches) == (
        "3 thresholds breached: p95 was 312.4 ms, limit < 200 ms; "
        "requests was 950, limit >= 1000; rss was 300.0 MiB, limit < 256 MB"
    )
    assert failure_message(breaches[:1]) == ("threshold breached: p95 was 312.4 ms, limit < 200 ms")
    assert failure_message([]) == "no threshold was breached"


@pytest.mark.parametrize(
    ("metric", "kind"),
    [
        ("p95", "time"),
        ("p99.9", "time"),
        ("min", "time"),
        ("stdev", "time"),
        ("connect_p95", "time"),
        ("event_latency_p95", "time"),
        ("handshake_ms", "time"),
        ("error_rate", "fraction"),
        ("connection_success_rate", "fraction"),
        ("rps", "rate"),
        ("events_rps", "rate"),
        ("requests", "count"),
        ("reconnect_count", "count"),
        ("rss_growth", "growth"),
        ("heap_bytes", "bytes"),
        ("gizmo", "number"),
    ],
)
def test_metric_kind_from_name(metric: str, kind: str) -> None:
    assert metric_kind(metric) == kind
