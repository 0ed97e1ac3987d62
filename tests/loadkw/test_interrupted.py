"""Ctrl-C during `Run Load Profile` keeps what was measured: the JSON saved, the summary and
charts logged, marked partial, then Robot stops (issue 17). And the console: the progress
line starts on its own line and shows an ETA; Robot's status lands after the test's name.

A real robot process (a reference gateway, a 60 s load) gets SIGINT as a user's Ctrl-C
(tests/loadkw/interrupt.py, which the browser test of log.html shares).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from robot.api import ExecutionResult

from loadkw.interrupt import run_robot_until


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, int]:
    """One robot run stopped by Ctrl-C once its first progress line is out."""
    tmp_path = tmp_path_factory.mktemp("interrupted")
    console, rc = run_robot_until(tmp_path, "/60 s  ETA ")
    return tmp_path, console, rc


def test_ctrl_c_saves_and_logs_the_partial_result_then_stops(
    interrupted: tuple[Path, str, int],
) -> None:
    tmp_path, _console, rc = interrupted
    assert rc != 0
    saved = sorted((tmp_path / "out" / "perfgate").glob("load-*.json"))
    assert len(saved) == 1
    data = json.loads(saved[0].read_text(encoding="utf-8"))
    assert data["requests"] > 0 and data["stopped_early"] is True
    assert re.fullmatch(
        r"Partial result: the run stopped at [\d.]+ s of 60 s \(\d+%\): "
        r"Robot was stopped \(Execution terminated by signal\)\.",
        data["verdict"]["partial"],
    )
    test = ExecutionResult(str(tmp_path / "out" / "output.xml")).suite.tests[0]
    assert test.status == "FAIL" and "Execution terminated by signal" in test.message
    logged = [msg.message for msg in test.body[1].body if hasattr(msg, "message")]
    assert any(m.startswith("<b>PARTIAL RESULT</b> - Partial result: the run") for m in logged)
    assert any("<svg" in m for m in logged), "the charts of what was measured are not logged"


def test_the_progress_line_starts_its_own_line_and_robot_status_follows_the_name(
    interrupted: tuple[Path, str, int],
) -> None:
    _tmp_path, console, _rc = interrupted
    lines = console.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("[constant] "))
    assert lines[first - 1].rstrip() == "Long Load", "the line is glued to the test's name"
    assert " ETA " in lines[first]
    status = next(line for line in lines if "| FAIL |" in line)
    assert status.startswith("Long Load "), f"Robot's status landed alone: {status!r}"
