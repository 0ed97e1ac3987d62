"""robotenv answers without Robot and reads Robot's runtime inside a run; errors are sentences."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import robot

from perfgate import robotenv
from perfgate.errors import PerfGateError, sentence, user_errors


def test_outside_robot_nothing_is_set(monkeypatch):
    monkeypatch.delenv("PABOTQUEUEINDEX", raising=False)
    assert not robotenv.running()
    assert robotenv.variable("OUTPUT DIR", "fallback") == "fallback"
    assert robotenv.output_dir() == Path(os.getcwd())
    assert robotenv.pabot_queue_index() is None
    assert robotenv.time_scale() is None
    assert robotenv.library_instance("GatewayLibrary") is None
    with pytest.raises(RuntimeError, match="not running"):
        robotenv.run_keyword("No Operation")


def test_pabot_queue_index_falls_back_on_the_environment(monkeypatch):
    monkeypatch.setenv("PABOTQUEUEINDEX", "4")
    assert robotenv.pabot_queue_index() == "4"


SUITE = """\
*** Settings ***
Library    OperatingSystem

*** Test Cases ***
Reads The Runtime
    ${values}=    Evaluate    perfgate.robotenv.running(), str(perfgate.robotenv.output_dir()), perfgate.robotenv.time_scale(), perfgate.robotenv.pabot_queue_index(), perfgate.robotenv.library_instance('OperatingSystem') is not None, perfgate.robotenv.library_instance('GatewayLibrary')    modules=perfgate.robotenv
    Should Be Equal    ${values}    ${{(True, $OUTPUT_DIR, '0.5', '3', True, None)}}
    ${ran}=    Evaluate    perfgate.robotenv.run_keyword('Set Variable', 'ok')    modules=perfgate.robotenv
    Should Be Equal    ${ran}    ok
"""


def test_inside_robot_the_variables_are_read(tmp_path):
    suite = tmp_path / "env.robot"
    suite.write_text(SUITE)
    rc = robot.run(
        str(suite),
        outputdir=str(tmp_path),
        variable=["PERF_TIME_SCALE:0.5", "PABOTQUEUEINDEX:3"],
        stdout=sys.stdout,
        log="NONE",
        report="NONE",
    )
    assert rc == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("unknown mode 'x'", "Unknown mode 'x'."),
        # An argument name is left as it is written (Time_scale= does not exist).
        ("time_scale must be above 0.", "time_scale must be above 0."),
        ("gateway='x' is not a PID", "gateway='x' is not a PID."),
        ("'x' is not a profile", "'x' is not a profile."),
        ("http://127.0.0.1:1/x answered 404", "http://127.0.0.1:1/x answered 404."),
        ("is the gateway running?", "Is the gateway running?"),
        ("it failed:\nlast log line", "It failed:\nlast log line"),
        ("", ""),
    ],
)
def test_a_message_becomes_a_sentence(text, expected):
    assert sentence(text) == expected


def test_user_errors_converts_the_given_kinds_only():
    with pytest.raises(PerfGateError, match=r"^Bad value\.$") as caught, user_errors():
        raise ValueError("bad value")
    assert caught.value.ROBOT_SUPPRESS_NAME is True
    # The core's exception stays attached, for the traceback Robot logs at DEBUG.
    assert isinstance(caught.value.__cause__, ValueError)

    @user_errors(ValueError, ConnectionError)
    def refused() -> None:
        raise ConnectionError("cannot connect to x: connection refused; is it running?")

    with pytest.raises(PerfGateError, match=r"^Cannot connect to x"):
        refused()
    with pytest.raises(AssertionError, match=r"^assertion failed"), user_errors():
        raise AssertionError("assertion failed: p95 was 2 ms, limit < 1 ms.")
