"""A gateway that answers 404 to everything has no capacity: every capacity, breaking-point
and throughput figure fails, in one sentence naming the error rate, and goodput says why."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from engine.servers import HttpTestServer
from loadkw.results import load_result
from LoadLibrary.http_keywords import HttpLoadKeywords
from perfgate.baseline import workflow
from perfgate.load.errorlimit import DEFAULT_LIMIT, error_limit
from perfgate.load.gate import LiveGate
from perfgate.load.http.capacity import refusal
from perfgate.load.http.plan import plan_run
from perfgate.load.http.report import render_table, summary_line
from perfgate.load.http.result import Progress, TimelineRow
from perfgate.load.http.result_metrics import KNOWN_METRICS
from perfgate.load.http.runner import Outcome, execute
from perfgate.load.thresholds import parse_thresholds

ERROR_RATE_100 = "The error rate was 100.00% ("


@pytest.fixture(scope="module")
def not_found() -> Iterator[str]:
    """The URL of a route that answers 404 to every request."""
    server = HttpTestServer().start()
    try:
        yield f"{server.url}/status/404"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def saturation(not_found: str, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """`The Saturation Point Is Found`, small: a rate rising to 400 req/s over 2 s."""
    plan = plan_run(
        "breakpoint",
        not_found,
        rate=400,
        duration="2 s",
        workers=1,
        thresholds="p95 < 100 ms, error_rate < 1%",
    )
    return execute(plan, directory=tmp_path_factory.mktemp("saturation"))


@pytest.fixture(scope="module")
def most(not_found: str, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """`The Most Requests Per Second Are Measured`, small: 4 clients for 1 s, no thresholds."""
    plan = plan_run("constant", not_found, clients=4, duration="1 s", warmup="0 s", workers=1)
    return execute(plan, directory=tmp_path_factory.mktemp("most"))


def test_the_saturation_point_of_a_gateway_that_fails_everything_is_no_point(saturation):
    point = saturation.result.breaking_point  # type: ignore[attr-defined]
    assert point.broke and not point.served and point.target == 0.0 and point.tried > 0
    assert point.error_rate == 1.0 and point.goodput == 0.0
    assert saturation.verdict.failed
    message = saturation.verdict.message()
    assert message.startswith("No breaking point above 0 req/s: no request succeeded")
    assert "error_rate was 100%, limit < 1%" in message
    saved = json.loads(saturation.json_path.read_text())
    assert saved["verdict"]["passed"] is False and saved["verdict"]["refusal"] == message


def test_the_breaking_point_getter_fails_naming_the_error_rate(saturation):
    keywords = HttpLoadKeywords()
    for result in (saturation.result, str(saturation.json_path)):
        with pytest.raises(AssertionError, match=r"error_rate was 100%, limit < 1%"):
            keywords.get_load_metric(result, "breaking_point")
        with pytest.raises(AssertionError, match=r"No breaking point above 0 req/s"):
            keywords.get_load_metric(result, "breaking_point", ">=", "1 rps")


def test_throughput_of_a_gateway_that_fails_everything_never_passes(most):
    result = most.result
    assert result.requests > 0 and result.errors == result.requests
    assert result.goodput == 0.0 and result.rps > 0
    assert result.error_limit == DEFAULT_LIMIT  # type: ignore[attr-defined]
    keywords = HttpLoadKeywords()
    for call in (
        lambda: keywords.throughput_should_be_at_least(result, "1 rps"),
        lambda: keywords.get_load_metric(result, "rps", ">=", "1 rps"),
        lambda: keywords.get_load_metric(result, "goodput"),
        lambda: keywords.get_load_metric(most.json_path.as_posix(), "rps"),
    ):
        with pytest.raises(AssertionError) as failure:
            call()
        text = str(failure.value)
        assert text.startswith(ERROR_RATE_100), text
        assert "requests failed: http_4xx " in text
        assert "above the limit error_rate < 50% (the default when no error_rate threshold" in text
        assert text.split(" The result is suspect")[0].count(". ") == 0  # one sentence
    # Figures that are not capacity figures are still read.
    assert keywords.get_load_metric(result, "error_rate", "==", "100%") == 1.0


def test_a_throughput_threshold_on_a_failing_run_fails_the_run(not_found, tmp_path):
    plan = plan_run(
        "constant",
        not_found,
        clients=2,
        duration="1 s",
        warmup="0 s",
        workers=1,
        thresholds="rps >= 1, error_rate < 60%",
    )
    outcome = execute(plan, directory=tmp_path)
    assert outcome.verdict.failed
    assert outcome.verdict.message().startswith(ERROR_RATE_100)
    assert "above the limit error_rate < 60%: rps counts only successful responses" in (
        outcome.verdict.message()
    )


def test_compare_to_baseline_refuses_a_first_baseline_from_such_a_run(saturation, most, tmp_path):
    settings = workflow.Settings(tmp_path / "baselines", tmp_path / "history.jsonl")
    outcome = workflow.compare_to_baseline(settings, saturation.result, "saturation")
    assert outcome.action == "skipped" and outcome.failure is not None
    assert outcome.failure.startswith(
        "Baseline 'saturation' was not recorded: the error rate was 100.00%, above the limit "
        "error_rate < 1%, so the result describes failures rather than the gateway; make the "
        "requests succeed"
    )
    outcome = workflow.compare_to_baseline(settings, most.result, "maximum")
    assert (
        outcome.failure is not None and "above the limit error_rate < 50% (the" in outcome.failure
    )
    assert not settings.baselines_dir.exists() and not settings.history_file.exists()


def test_goodput_is_reported_beside_the_total(most):
    plan = plan_run("constant", "http://127.0.0.1:9/", clients=4, duration="1 s", warmup="0 s")
    line = summary_line(most.result, plan)
    assert f"{most.result.rps:,.1f} req/s (0.0 successful)" in line
    html = render_table(most.result, plan, most.verdict)
    assert "goodput (successful responses) 0.0 req/s" in html


def test_without_an_error_threshold_errors_still_break_the_load():
    """A breakpoint judged on latency alone breaks at 50 % errors, never at the top rate."""
    gate = LiveGate(parse_thresholds("p95 < 100 ms", KNOWN_METRICS), per_second=True,
                    open_model=True)  # fmt: skip
    broke = [gate.check(_failing_second(t, target=100.0 * (t + 1))) for t in range(5)]
    assert broke == [False, True, False, False, False]
    assert gate.stop is not None
    assert gate.stop.reasons == (
        "error_rate was 100%, limit < 50% (the default when no error_rate threshold is given)",
    )
    nothing_kept = load_result(seconds=1)
    nothing_kept.timeline = []
    point = gate.breaking_point(nothing_kept)
    assert point.broke and not point.served and point.target == 0 and point.tried == 100.0


def test_the_error_limit_is_the_runs_strictest_error_threshold():
    limit = error_limit(parse_thresholds("error_rate < 5%, p95 < 1 s, error_rate <= 1%"))
    assert limit.text == "error_rate <= 1%" and limit.exceeded(0.011) and not limit.exceeded(0.01)
    assert error_limit(parse_thresholds("create.error_rate < 1%")) == DEFAULT_LIMIT
    assert not DEFAULT_LIMIT.exceeded(0.49) and DEFAULT_LIMIT.exceeded(0.5)


def test_figures_of_a_run_within_its_limit_pass():
    result = load_result(errors=5)
    assert refusal(result, "rps") is None and refusal(result, "goodput") is None
    assert refusal(result, "p95") is None and refusal(result, "rps", "nope") is None


def _failing_second(t: int, target: float) -> Progress:
    row = TimelineRow(float(t), 100.0, 1.0, 2.0, 3.0, 100, 100, 4, target, goodput=0.0)
    return Progress(row, t + 1.0, 10.0, False, 100 * (t + 1), 100 * (t + 1), 1.0, 100.0, 0,
                    p50=1.0, p95=2.0, p99=3.0)  # fmt: skip
