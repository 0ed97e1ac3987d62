"""Ctrl-C during `Run Load Profile` keeps what was measured: the JSON saved, the summary and
charts logged, marked partial, then Robot stops (issue 17). And the console: the progress
line starts on its own line and shows an ETA; Robot's status lands after the test's name.

A real robot process (a reference gateway, a 60 s load) gets SIGINT as a user's Ctrl-C.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from robot.api import ExecutionResult

SUITE = """\
*** Settings ***
Library             GatewayLibrary
Library             LoadLibrary

Suite Setup         Start Gateway    alias=gw
Suite Teardown      Stop All Gateways


*** Test Cases ***
Long Load
    ${gw}=    Get Gateway    gw
    Run Load Profile    constant    ${gw.url}/api/echo    clients=2    duration=60 s
    ...    warmup=0 s    workers=1
"""


def run_robot_until(tmp_path: Path, seen: str, timeout_s: float = 40.0) -> tuple[str, int]:
    """Robot on SUITE, sent SIGINT once its console shows `seen`: (its console, its rc)."""
    (tmp_path / "long.robot").write_text(SUITE, encoding="utf-8")
    command = [sys.executable, "-m", "robot", "--consolecolors", "off", "--consolemarkers"]
    command += ["off", "--outputdir", str(tmp_path / "out"), str(tmp_path / "long.robot")]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path
    )
    assert proc.stdout is not None
    console = ""
    deadline = time.monotonic() + timeout_s
    try:
        while seen not in console and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            console += line
        assert seen in console, f"robot never wrote {seen!r}:\n{console}"
        os.kill(proc.pid, signal.SIGINT)
        rest, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return console + rest, proc.returncode


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
