"""A robot run stopped by Ctrl-C in the middle of a load (issue 17), shared by the tests that
look at it: tests/loadkw/test_interrupted.py (what it saved, logged and printed) and
tests/report/test_browser_log.py (its log.html in Chromium).

A real robot process on SUITE (a reference gateway, a 60 s load) gets SIGINT, as a user's
Ctrl-C, once its console shows a given text; its outputs go to ``<workdir>/out``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
    ...    warmup=0 s    workers=1    time_scale=1
"""


def run_robot_until(workdir: Path, seen: str, timeout_s: float = 40.0) -> tuple[str, int]:
    """Robot on SUITE in `workdir`, sent SIGINT once its console shows `seen`: (its console,
    its rc). Robot alone gets the signal, as from a terminal it would first; if the run
    goes wrong, its whole session (gateway, reaper, workers) is killed."""
    (workdir / "long.robot").write_text(SUITE, encoding="utf-8")
    command = [sys.executable, "-m", "robot", "--consolecolors", "off", "--consolemarkers"]
    command += ["off", "--outputdir", str(workdir / "out"), str(workdir / "long.robot")]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True}
    proc = subprocess.Popen(command, cwd=workdir, start_new_session=True, **pipes)
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
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return console + rest, proc.returncode
