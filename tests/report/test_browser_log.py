"""log.html as a person sees it after a failed run (issue 17): runs that fail on purpose
(tests/report/browser/failing_runs.robot: a threshold breach, a WebSocket breach, growing
memory, a baseline regression, a dead gateway, a Robot timeout; and a breakpoint run that
passes), and a run stopped by Ctrl-C (tests/loadkw/interrupt.py), opened in headless
Chromium, every test expanded: the failure text, the summary table and every chart's SVG
are there, every chart's text lies inside its frame, a run cut short is marked partial,
and a passing breakpoint run shows no FAIL. Screenshots of each test go to
results/browser-log/screenshots (or $PERFGATE_BROWSER_OUTPUT) for a person to look at."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from loadkw.interrupt import run_robot_until
from report.cdp import Browser, chromium

ROOT = Path(__file__).resolve().parents[2]
SUITE = Path(__file__).parent / "browser" / "failing_runs.robot"
# (test name, a fragment of its failure message, its summary table's selector, SVG charts)
EXPECTED = [
    ("Threshold Breach", "p95 was", "table.perfgate-load", 4),
    ("Breakpoint That Passes", "", "table.perfgate-load", 4),
    ("WebSocket Latency Breach", "event_latency_p95", "table.perfgate-websocket", 5),
    ("Gateway Killed By Its Memory Limit", "exited with signal SIGKILL", "table.perfgate-load", 4),
    (
        "Robot Timeout Keeps A Partial Result",
        "Test timeout 7 seconds exceeded",
        "table.perfgate-load",
        4,
    ),
    ("Memory Grows", "LEAK: grew", "table.perfgate-memory", 1),
    ("Regression Against The Baseline", "Performance regressed", "table[style]", 0),
]
# The runs cut short: their log says so, how far they got and why.
PARTIAL = {
    "Gateway Killed By Its Memory Limit": "the gateway under test died",
    "Robot Timeout Keeps A Partial Result": "a Robot timeout (Test timeout 7 seconds exceeded)",
    "Long Load": "Robot was stopped (Execution terminated by signal)",
}
# The run stopped by Ctrl-C at its second progress line (6 s of its 60 s load measured).
CTRL_C = ("Long Load", "Execution terminated by signal", "table.perfgate-load", 4)

# What one expanded test shows: its status and message, its tables and charts, and every
# chart text whose box leaves its SVG's frame (with half a pixel of grace).
_INSPECT = """
(function (id, table) {
  var test = document.getElementById(id);
  var out = {status: window.testdata.findLoaded(id).status, text: test.innerText,
             tables: test.querySelectorAll(table).length, charts: 0, outside: [], fails: 0,
             box: null};
  var r = test.getBoundingClientRect();
  out.box = {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width,
             height: r.height};
  test.querySelectorAll('b').forEach(function (b) { if (b.textContent === 'FAIL') out.fails++; });
  test.querySelectorAll('svg.chart').forEach(function (svg) {
    out.charts++;
    var view = svg.viewBox.baseVal;
    svg.querySelectorAll('text').forEach(function (t) {
      var b = t.getBBox();
      if (b.x < view.x - 0.5 || b.y < view.y - 0.5 || b.x + b.width > view.width + 0.5 ||
          b.y + b.height > view.height + 0.5 || b.width === 0) {
        out.outside.push(svg.getAttribute('aria-label') + ': ' + t.textContent);
      }
    });
  });
  return out;
})
"""


def _output_dir() -> Path:
    return Path(os.environ.get("PERFGATE_BROWSER_OUTPUT", ROOT / "results" / "browser-log"))


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _run_suite(out: Path) -> None:
    """The failing runs, in a robot process of their own; whatever it started ends with it."""
    command = [sys.executable, "-m", "robot", "--outputdir", str(out), "--pythonpath",
               str(ROOT / "libraries"), "--consolecolors", "OFF", "--console", "dotted",
               str(SUITE)]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=out, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        console, _ = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # Six tests fail on purpose; anything else is a broken run, not a page to look at.
    assert process.returncode == 6, console.decode(errors="replace")[-3000:]


def _test_ids(browser: Browser) -> dict[str, str]:
    names = browser.evaluate(
        "(function () { var ids = {}; window.testdata.suite().tests().forEach("
        "function (t) { ids[t.name] = t.id; }); return ids; })()"
    )
    return dict(names)


def _expanded(browser: Browser, test_id: str, table: str, charts: int) -> dict[str, Any]:
    """The test expanded (every keyword and message) once its table and charts are drawn."""
    browser.evaluate(f"expandAll('{test_id}')")
    found = f"document.getElementById('{test_id}').querySelectorAll"
    browser.wait_for(f"{found}('svg.chart').length >= {charts} && {found}('{table}').length > 0")
    return dict(browser.evaluate(f"{_INSPECT}('{test_id}', \"{table}\")"))


def _opened(browser: Browser, log: Path) -> dict[str, str]:
    """`log` open, its script ready: the ids of its tests by name."""
    browser.open(log.as_uri())
    browser.wait_for("typeof expandAll === 'function' && window.testdata !== undefined")
    return _test_ids(browser)


def _check(
    browser: Browser, test_id: str, expected: tuple[str, str, str, int], shots: Path
) -> None:
    """One test expanded, its screenshot taken, and what a person must see there."""
    name, failure, table, charts = expected
    seen = _expanded(browser, test_id, table, charts)
    browser.screenshot(shots / f"{name.lower().replace(' ', '-')}.png", seen["box"])
    assert seen["status"] == ("PASS" if not failure else "FAIL"), name
    assert failure in seen["text"], (name, seen["text"][:2000])
    assert seen["charts"] >= charts, (name, seen["charts"])
    assert seen["outside"] == [], (name, seen["outside"])
    if not failure:  # a breakpoint run that passed has nothing marked FAIL
        assert seen["fails"] == 0, name
    if name in PARTIAL:  # marked above the summary and in its table
        assert "PARTIAL RESULT - Partial result: the run stopped at" in seen["text"], name
        assert PARTIAL[name] in seen["text"], (name, seen["text"][:2000])
        assert re.search(r"Partial result\s+PARTIAL the run stopped at", seen["text"]), name


@pytest.mark.skipif(chromium() is None, reason="chromium is needed (.ci/run installs it)")
def test_failed_runs_read_in_a_real_browser(tmp_path: Path) -> None:
    out = _fresh(_output_dir())
    _run_suite(out)
    with Browser(tmp_path / "profile") as browser:
        ids = _opened(browser, out / "log.html")
        for expected in EXPECTED:
            _check(browser, ids[expected[0]], expected, out / "screenshots")


@pytest.mark.skipif(chromium() is None, reason="chromium is needed (.ci/run installs it)")
def test_a_run_stopped_by_ctrl_c_read_in_a_real_browser(tmp_path: Path) -> None:
    """Its log keeps what was measured before Ctrl-C: the summary, marked partial, and the
    charts of those seconds."""
    out = _output_dir()
    run = _fresh(out / "ctrl-c")
    console, rc = run_robot_until(run, "] 6/60 s  ETA ", timeout_s=60)
    assert rc != 0 and "| FAIL |" in console, console[-3000:]
    with Browser(tmp_path / "profile") as browser:
        ids = _opened(browser, run / "out" / "log.html")
        _check(browser, ids[CTRL_C[0]], CTRL_C, out / "screenshots" / "ctrl-c")
