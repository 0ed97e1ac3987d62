"""What a baseline failure says (issue 17): how to accept a change, did-you-mean, saved JSON
paths, write problems named as such and found before the load."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from perfgate.baseline import workflow
from perfgate.baseline.fingerprint import Fingerprint

HERE = Fingerprint("Test CPU", 4, 16, "Linux x86_64", "6.1", "3.11.7", "0.1.0")
LIBRARIES = Path(__file__).resolve().parents[2] / "libraries"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> workflow.Settings:
    monkeypatch.setattr(workflow, "current_fingerprint", lambda: HERE)
    monkeypatch.setattr(workflow, "current_commit", lambda: "c0ffee")
    return workflow.Settings(tmp_path / "baselines", tmp_path / "results" / "history.jsonl")


def load(p95: float, rps: float = 1000.0) -> dict[str, float | str]:
    return {"kind": "load", "p50": p95 / 4, "p95": p95, "p99": p95 * 1.5, "rps": rps,
            "error_rate": 0.0}  # fmt: skip


def test_a_regression_says_how_to_accept_it_without_nested_parentheses(
    settings: workflow.Settings,
) -> None:
    workflow.compare_to_baseline(settings, load(40.0), "checkout")
    outcome = workflow.compare_to_baseline(settings, load(80.0), "checkout", metrics="p95")
    assert outcome.failure is not None
    assert "p95 80 ms vs 40 ms, +40 ms or +100.0%, beyond the noise band ±25.0%" in outcome.failure
    assert outcome.failure.endswith(
        "If the change is intended, accept it with Update Baseline or by running with "
        "--variable PERFGATE_UPDATE_BASELINES:1."
    )
    assert not re.search(r"\([^)]*\(", outcome.failure), outcome.failure


def test_an_unknown_metric_gets_did_you_mean(settings: workflow.Settings) -> None:
    with pytest.raises(ValueError, match=r"Unknown metric 'rsp' \(did you mean 'rps'\?\): choose"):
        workflow.compare_to_baseline(settings, load(40.0), "checkout", metrics="p95, rsp")


def test_a_saved_result_json_path_is_compared(settings: workflow.Settings, tmp_path: Path) -> None:
    saved = tmp_path / "load-checkout.json"
    saved.write_text(json.dumps({**load(40.0), "verdict": "PASS", "plan": {}}), encoding="utf-8")
    first = workflow.compare_to_baseline(settings, str(saved), "checkout")
    assert first.action == "recorded"
    again = workflow.compare_to_baseline(settings, [saved, str(saved)], "checkout")
    assert again.action == "compared" and again.failure is None
    with pytest.raises(ValueError, match=r"Cannot read a saved result from '.*nope.json': No such"):
        workflow.compare_to_baseline(settings, str(tmp_path / "nope.json"), "checkout")


def test_a_baselines_directory_that_is_a_file_is_a_write_problem(
    settings: workflow.Settings,
) -> None:
    settings.baselines_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.baselines_dir.write_text("not a directory\n", encoding="utf-8")
    expected = (
        rf"Baseline file {settings.baselines_dir}/.*/checkout.json cannot be written: "
        rf"{settings.baselines_dir} is a file, not a directory; set baselines_dir= or "
        r"\$\{PERFGATE_BASELINES_DIR\} to a directory this user can write\.$"
    )
    with pytest.raises(ValueError, match=expected):
        workflow.check_before_run(settings, "checkout")
    with pytest.raises(ValueError, match=expected):
        workflow.compare_to_baseline(settings, load(40.0), "checkout")


def test_the_check_before_run_finds_a_damaged_baseline_and_passes_a_good_one(
    settings: workflow.Settings,
) -> None:
    path = workflow.check_before_run(settings, "checkout")
    assert not path.exists()
    workflow.compare_to_baseline(settings, load(40.0), "checkout")
    assert workflow.check_before_run(settings, "checkout") == path
    path.write_text("{broken", encoding="utf-8")
    with pytest.raises(ValueError, match=r"is not valid JSON \(line 1"):
        workflow.check_before_run(settings, "checkout")


SUITE = """\
*** Settings ***
Library    BaselineLibrary    baselines_dir=${BASELINES}    environment=atest

*** Variables ***
${NAME}    checkout

*** Test Cases ***
Long Load Then Compare
    Sleep    30 s    stands for a two-hour load
    IF    True
        Compare To Baseline    ${{ {"kind": "load", "p95": 1.0} }}    ${NAME}
    END

Baseline Named Later Is Not Checked
    ${late}=    Set Variable    later
    Compare To Baseline    ${{ {"kind": "load", "p95": 1.0} }}    name=${late}    metrics=p95
"""


def test_a_test_whose_baseline_cannot_be_written_fails_at_its_start(tmp_path: Path) -> None:
    blocker = tmp_path / "baselines"
    blocker.write_text("a file\n", encoding="utf-8")
    suite = tmp_path / "early.robot"
    suite.write_text(SUITE, encoding="utf-8")
    command = [
        sys.executable, "-m", "robot", "--outputdir", str(tmp_path / "out"),
        "--pythonpath", str(LIBRARIES), "--variable", f"BASELINES:{blocker}",
        "--variable", f"PERFGATE_HISTORY_FILE:{tmp_path / 'history.jsonl'}",
        "--console", "none", str(suite),
    ]  # fmt: skip
    started = time.monotonic()
    subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert time.monotonic() - started < 20, "the 30 s load ran"
    from robot.api import ExecutionResult

    tests = {t.name: t for t in ExecutionResult(str(tmp_path / "out" / "output.xml")).suite.tests}
    early = tests["Long Load Then Compare"]
    assert early.status == "FAIL"
    assert early.message == (
        f"Stopped before the load, for baseline 'checkout': Baseline file "
        f"{blocker}/atest/checkout.json cannot be written: {blocker} is a file, not a "
        "directory; set baselines_dir= or ${PERFGATE_BASELINES_DIR} to a directory this user "
        "can write."
    )
    # A name known only during the test is checked when the keyword runs, in the same words.
    late = tests["Baseline Named Later Is Not Checked"]
    assert late.status == "FAIL" and "cannot be written" in late.message
