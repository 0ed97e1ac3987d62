"""Compare To Baseline / Update Baseline behaviour without Robot Framework."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from perfgate.baseline import history, workflow
from perfgate.baseline.fingerprint import Fingerprint

HERE = Fingerprint("Test CPU", 4, 16, "Linux x86_64", "6.1", "3.11.7", "0.1.0")
ELSEWHERE = Fingerprint("Other CPU", 64, 256, "Linux x86_64", "6.1", "3.11.7", "0.1.0")


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> workflow.Settings:
    monkeypatch.setattr(workflow, "current_fingerprint", lambda: HERE)
    monkeypatch.setattr(workflow, "current_commit", lambda: "c0ffee")
    return workflow.Settings(tmp_path / "baselines", tmp_path / "results" / "history.jsonl")


def load(p95: float, rps: float = 1000.0, p50: float | None = None) -> dict[str, float | str]:
    return {
        "kind": "load",
        "p50": p50 if p50 is not None else p95 / 4,
        "p95": p95,
        "p99": p95 * 1.5,
        "rps": rps,
        "error_rate": 0.0,
    }


def samples(p95: float, rps: float = 1000.0) -> list[dict[str, float | str]]:
    wobble = (0.99, 1.0, 1.01, 0.995, 1.005)
    return [load(p95 * w, rps * w) for w in wobble]


def entries(settings: workflow.Settings) -> list[history.HistoryEntry]:
    return history.read(settings.history_file).entries


def test_missing_record_writes_version_1_warns_and_passes(settings: workflow.Settings) -> None:
    outcome = workflow.compare_to_baseline(settings, load(40.0), "checkout")
    assert outcome.action == "recorded" and outcome.failure is None
    assert "recorded this result as version 1" in outcome.warnings[0]
    assert outcome.path == settings.baselines_dir / HERE.default_label / "checkout.json"
    assert json.loads(outcome.path.read_text())["samples"][0]["p95"] == 40.0
    assert [e.event for e in entries(settings)] == ["recorded"]


def test_missing_fail_fails_and_writes_nothing(settings: workflow.Settings) -> None:
    outcome = workflow.compare_to_baseline(settings, load(40.0), "checkout", missing="fail")
    assert outcome.failure is not None and "No baseline 'checkout'" in outcome.failure
    assert not outcome.path.exists() and not settings.history_file.exists()


def test_missing_skip_warns_and_records_only_history(settings: workflow.Settings) -> None:
    outcome = workflow.compare_to_baseline(settings, load(40.0), "checkout", missing="skip")
    assert outcome.action == "skipped" and outcome.failure is None
    assert "missing=skip" in outcome.warnings[0]
    assert not outcome.path.exists()
    assert [e.event for e in entries(settings)] == ["skipped"]


def test_unchanged_rerun_passes_and_2x_slowdown_fails(settings: workflow.Settings) -> None:
    workflow.compare_to_baseline(settings, samples(40.0), "checkout")
    same = workflow.compare_to_baseline(settings, samples(40.4), "checkout")
    assert same.action == "compared" and same.failure is None
    assert same.comparison is not None and same.comparison.statistical
    slow = workflow.compare_to_baseline(settings, samples(80.0, rps=500.0), "checkout")
    assert slow.failure is not None
    assert slow.failure.startswith("Performance regressed against baseline 'checkout'")
    assert "p95 80 ms vs 40 ms" in slow.failure and "rps" in slow.failure
    assert "noise band alone" not in slow.failure
    assert {v.metric for v in slow.comparison.regressed} == {"p50", "p95", "p99", "rps"}  # type: ignore[union-attr]
    history_entries = entries(settings)
    assert [e.event for e in history_entries] == ["recorded", "compared", "compared"]
    assert history_entries[-1].verdicts["p95"]["verdict"] == "regressed"
    assert history_entries[-1].verdicts["p95"]["limit"] == pytest.approx(44.0, rel=0.01)
    assert history_entries[-1].values["p95"] == pytest.approx(80.0)
    assert history_entries[-1].git_commit == "c0ffee"


def test_metrics_and_per_metric_tolerance(settings: workflow.Settings) -> None:
    workflow.compare_to_baseline(settings, load(40.0), "checkout")
    # +20 % p95: inside the 25 % single-sample default, beyond an explicit 10 %.
    lenient = workflow.compare_to_baseline(settings, load(48.0), "checkout", metrics="p95")
    assert lenient.failure is None
    # The error rate is compared too, named or not.
    assert [v.metric for v in lenient.comparison.verdicts] == ["p95", "error_rate"]  # type: ignore[union-attr]
    strict = workflow.compare_to_baseline(
        settings, load(48.0), "checkout", metrics="p95, rps", tolerance="p95:10%, rps:5%"
    )
    assert strict.failure is not None and "p95" in strict.failure
    assert "Decided by the noise band alone: 1 baseline vs 1 current samples" in strict.failure


def test_bad_arguments_write_nothing(settings: workflow.Settings) -> None:
    for kwargs in ({"metrics": "p42"}, {"tolerance": "fast"}, {"missing": "maybe"}):
        with pytest.raises(ValueError):
            workflow.compare_to_baseline(settings, load(40.0), "checkout", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot be used as a file name"):
        workflow.compare_to_baseline(settings, load(40.0), "../escape")
    assert not settings.baselines_dir.exists() and not settings.history_file.exists()


def test_other_kind_against_baseline_is_refused(settings: workflow.Settings) -> None:
    workflow.compare_to_baseline(settings, load(40.0), "checkout")
    with pytest.raises(ValueError, match="holds load results but this is a memory result"):
        workflow.compare_to_baseline(
            settings, {"kind": "memory", "leak_rate_mb_per_hour": 0.0, "growth_mb": 1.0,
                       "peak_mb": 50.0}, "checkout",
        )  # fmt: skip


def test_environment_label_chooses_the_directory(settings: workflow.Settings) -> None:
    outcome = workflow.compare_to_baseline(settings, load(40.0), "checkout", environment="ci-large")
    assert outcome.path == settings.baselines_dir / "ci-large" / "checkout.json"
    labelled = workflow.Settings(
        settings.baselines_dir, settings.history_file, environment="ci-large"
    )
    again = workflow.compare_to_baseline(labelled, load(40.0), "checkout")
    assert again.action == "compared" and again.path == outcome.path


def test_other_fingerprint_is_never_compared_silently(
    settings: workflow.Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    workflow.compare_to_baseline(settings, load(40.0), "checkout", environment="shared")
    monkeypatch.setattr(workflow, "current_fingerprint", lambda: ELSEWHERE)
    skipped = workflow.compare_to_baseline(settings, load(400.0), "checkout", environment="shared")
    assert skipped.action == "skipped" and skipped.failure is None
    assert "another environment" in skipped.warnings[0]
    assert "cores 4 -> 64" in skipped.warnings[0]
    failed = workflow.compare_to_baseline(
        settings, load(40.0), "checkout", environment="shared", other_environment="fail"
    )
    assert failed.failure is not None and "other_environment=compare" in failed.failure
    compared = workflow.compare_to_baseline(
        settings, load(400.0), "checkout", environment="shared", other_environment="compare"
    )
    assert compared.action == "compared" and compared.failure is not None
    assert any("from another environment" in w for w in compared.warnings)


def test_update_baseline_adds_a_version_with_reason(settings: workflow.Settings) -> None:
    first = workflow.update_baseline(settings, samples(40.0), "checkout", reason="initial")
    assert first.action == "recorded"
    second = workflow.update_baseline(settings, samples(80.0), "checkout", reason="new TLS stack")
    assert second.action == "updated" and second.baseline is not None
    assert second.baseline.current.version == 2
    assert second.baseline.current.reason == "new TLS stack"
    assert second.baseline.previous[0].reason == "initial"
    assert workflow.compare_to_baseline(settings, samples(80.0), "checkout").failure is None
    unexplained = workflow.update_baseline(settings, samples(80.0), "checkout", reason=" ")
    assert unexplained.baseline.current.reason == "(no reason given)"  # type: ignore[union-attr]
    assert "without a reason" in unexplained.warnings[0]


def test_update_all_mode_updates_instead_of_failing(settings: workflow.Settings) -> None:
    workflow.compare_to_baseline(settings, samples(40.0), "checkout")
    updating = workflow.Settings(
        settings.baselines_dir, settings.history_file, update_all=True, update_reason="v2 rollout"
    )
    outcome = workflow.compare_to_baseline(updating, samples(80.0), "checkout")
    assert outcome.action == "updated" and outcome.failure is None
    assert outcome.comparison is not None and outcome.comparison.regressed
    stored = workflow.read_baseline(settings, "checkout")
    assert stored.current.version == 2 and stored.current.reason == "v2 rollout"
    # Even missing=fail records in update mode: the run is meant to create baselines.
    created = workflow.compare_to_baseline(updating, load(1.0), "new-one", missing="fail")
    assert created.action == "recorded" and created.baseline is not None
    assert created.baseline.current.reason == "v2 rollout"


def test_broken_baseline_raises_and_stays_broken(settings: workflow.Settings) -> None:
    outcome = workflow.compare_to_baseline(settings, load(40.0), "checkout")
    outcome.path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(ValueError, match="is not valid JSON"):
        workflow.compare_to_baseline(settings, load(40.0), "checkout")
    with pytest.raises(ValueError, match="is not valid JSON"):
        workflow.update_baseline(settings, load(40.0), "checkout", reason="x")
    assert outcome.path.read_text(encoding="utf-8") == "{ not json"


def test_metric_new_since_the_baseline_is_reported_not_failed(settings: workflow.Settings) -> None:
    workflow.compare_to_baseline(settings, {"kind": "load", "p95": 40.0}, "slim", metrics="p95")
    outcome = workflow.compare_to_baseline(settings, load(40.0), "slim", metrics="p95, p99")
    assert outcome.failure is None
    assert outcome.comparison is not None and outcome.comparison.not_in_baseline == ["p99"]
    assert "has no p99 yet" in outcome.warnings[0]


def counted(error_rate: float = 0.0, requests: int = 10_000) -> dict[str, Any]:
    """A load result with request counts, as `LoadResult.to_dict` gives them."""
    errors = round(error_rate * requests)
    return {**load(40.0), "requests": requests, "errors": errors, "error_rate": errors / requests}


def test_the_saturation_baseline_of_the_issue_is_never_recorded(
    settings: workflow.Settings,
) -> None:
    # What `The Saturation Point Is Found` recorded against a gateway that answered 404.
    issue = {"kind": "load", "rps": 1666.67, "error_rate": 1.0}
    outcome = workflow.compare_to_baseline(
        settings, issue, "throughput-saturation-point", metrics="rps, error_rate"
    )
    assert outcome.action == "skipped" and outcome.failure == (
        "Baseline 'throughput-saturation-point' was not recorded: the error rate was 100.00%, "
        "above the limit error_rate < 50% (the default when no error_rate threshold is given), "
        "so the result describes failures rather than the gateway; make the requests succeed "
        "(check the URL, the route and the status it answers) and run again."
    )
    assert not outcome.path.exists() and not settings.history_file.exists()
    with pytest.raises(ValueError, match=r"was not recorded: the error rate was 100\.00%"):
        workflow.update_baseline(settings, issue, "throughput-saturation-point", reason="x")
    assert not outcome.path.exists()


def test_a_bulk_update_does_not_record_a_failing_run(settings: workflow.Settings) -> None:
    workflow.compare_to_baseline(settings, counted(0.0), "checkout")
    updating = workflow.Settings(settings.baselines_dir, settings.history_file, update_all=True)
    outcome = workflow.compare_to_baseline(updating, counted(0.9), "checkout")
    assert outcome.action == "compared" and outcome.failure is not None
    assert outcome.failure.startswith("Baseline 'checkout' was not recorded: the error rate was")
    assert outcome.failure.endswith("error_rate 90% vs 0%, errors where the baseline had none.")
    assert json.loads(outcome.path.read_text())["version"] == 1


def test_a_rise_from_zero_to_two_percent_is_flagged_whatever_metrics_names(
    settings: workflow.Settings,
) -> None:
    workflow.compare_to_baseline(settings, [counted(0.0)] * 5, "checkout")
    outcome = workflow.compare_to_baseline(settings, counted(0.02), "checkout", metrics="rps")
    assert outcome.failure == (
        f"Performance regressed against baseline 'checkout', environment {HERE.default_label}, "
        "version 1: error_rate 2% vs 0%, errors where the baseline had none. If the change is "
        "intended, accept it with Update Baseline or by running with "
        "--variable PERFGATE_UPDATE_BASELINES:1."
    )
    assert outcome.comparison is not None
    (verdict,) = [v for v in outcome.comparison.verdicts if v.metric == "error_rate"]
    assert verdict.method == "zero baseline" and verdict.band_abs == 0
