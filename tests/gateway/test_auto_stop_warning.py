"""The auto-stop warning (issue 17): only when no teardown would have stopped the gateway, and
never "still running" of a gateway that had already exited."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from robot.api import ExecutionResult

from .conftest import FAKE_GATEWAY

LIBRARIES = Path(__file__).resolve().parents[2] / "libraries"
EXITS = (
    "import http.server as h, os, sys, threading; "
    "s = h.HTTPServer(('127.0.0.1', int(sys.argv[1])), h.SimpleHTTPRequestHandler); "
    "threading.Timer(0.5, lambda: os._exit(0)).start(); s.serve_forever()"
)

SUITE = """\
*** Settings ***
Library    GatewayLibrary
{settings}

*** Test Cases ***
Starts And Forgets
    Start Gateway    {python}    {fake}    --port    {{port}}

Starts One That Exits By Itself
    Start Gateway    {python}    -c    {exits}    {{port}}    health=/
    Sleep    1.5 s

*** Keywords ***
Clean Up
    Log    cleaning up
    Stop All Gateways
"""


def warnings(tmp_path: Path, settings: str) -> list[str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    suite = tmp_path / "auto_stop.robot"
    suite.write_text(
        SUITE.format(settings=settings, python=sys.executable, fake=FAKE_GATEWAY, exits=EXITS),
        encoding="utf-8",
    )
    command = [
        sys.executable, "-m", "robot", "--outputdir", str(tmp_path / "out"), "--report", "NONE",
        "--log", "NONE", "--pythonpath", str(LIBRARIES), "--console", "none", str(suite),
    ]  # fmt: skip
    subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    result = ExecutionResult(str(tmp_path / "out" / "output.xml"))
    return [m.message for m in result.errors.messages if m.level == "WARN"]


def test_without_teardown_the_forgotten_gateway_is_warned_about(tmp_path: Path) -> None:
    found = warnings(tmp_path, "")
    still = [w for w in found if "still running" in w]
    assert len(still) == 1, found
    assert still[0].startswith(
        "Gateway 'gateway' was still running when test 'Starts And Forgets' ended and no "
        "teardown stops it; PerfGate stopped it. Add 'Stop All Gateways' to the Test or Suite "
        "Teardown. Gateway 'gateway' terminated gracefully"
    )
    # The one that exited is reported as such (a crash warning), never as still running.
    assert [w for w in found if "Exits By Itself" in w and "exited with exit code 0" in w]


def test_a_suite_teardown_that_stops_gateways_counts(tmp_path: Path) -> None:
    for teardown in ("Clean Up", "Stop All Gateways"):
        found = warnings(tmp_path / teardown, f"Suite Teardown    {teardown}")
        assert not [w for w in found if "still running" in w or "Add 'Stop" in w], found
