"""MemoryLibrary inside a real (in-process) Robot run: timeouts, listener, JSON records."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import robot
from robot.api import ExecutionResult

SUITE = """
*** Settings ***
Library    MemoryLibrary
Library    OperatingSystem
Suite Setup    Start Memory Monitor    ${PID}    interval=100 ms    alias=suite-wide

*** Test Cases ***
Timeout Ends A Blocking Monitor
    [Timeout]    1.5 s
    Monitor Memory    ${PID}    duration=1 h    interval=100 ms

Forgotten Monitor
    Start Memory Monitor    ${PID}    interval=100 ms    alias=forgotten
    Sleep    0.3 s

Only The Suite Monitor Is Still Sampling
    ${threads}=    Evaluate
    ...    sorted(t.name for t in threading.enumerate() if t.name.startswith('perfgate-memory'))
    ...    modules=threading
    Should Be Equal    ${threads}    ${{['perfgate-memory-suite-wide']}}

Rejudged Result Is Rewritten On Disk
    ${mem}=    Monitor Memory    ${PID}    duration=1.5 s    interval=100 ms    alias=rejudged
    ${same}=    Memory Should Not Leak    ${mem}    max_rate=1 GB/h    min_growth=0 MB
    ...    inconclusive=pass
    ${saved}=    Evaluate    json.load(open($mem.json_path))    modules=json
    Should Be Equal As Numbers    ${saved}[leak][criteria][max_rate_mb_per_hour]    1024
    Should Be Equal    ${saved}[verdict]    ${same.verdict}

Saved Result Is Judged Again From Its Path
    ${mem}=    Monitor Memory    ${PID}    duration=1.5 s    interval=100 ms    alias=saved
    ${again}=    Memory Should Not Leak    ${mem.json_path}    max_rate=2 GB/h    min_growth=0 MB
    ...    inconclusive=pass
    Should Be Equal    ${again.json_path}    ${mem.json_path}
    Should Be Equal As Integers    ${again.samples}    ${mem.samples}
    ${saved}=    Evaluate    json.load(open($mem.json_path))    modules=json
    Should Be Equal As Numbers    ${saved}[leak][criteria][max_rate_mb_per_hour]    2048
    Memory Should Stay Below    ${mem.json_path}    100 GB
    Create File    ${OUTPUT DIR}/not-memory.json    {"kind": "load"}
    Run Keyword And Expect Error    *does not hold a saved memory result*
    ...    Memory Should Not Leak    ${OUTPUT DIR}/not-memory.json
    Run Keyword And Expect Error    *Cannot read a memory result*
    ...    Memory Should Recover After Idle    ${OUTPUT DIR}/missing.json

Inconclusive Fails By Default And Can Warn
    ${mem}=    Monitor Memory    ${PID}    duration=1 s    interval=100 ms
    Run Keyword And Expect Error    *INCONCLUSIVE*    Memory Should Not Leak    ${mem}
    Memory Should Not Leak    ${mem}    inconclusive=warn

Bad Arguments Say What To Do
    ${mem}=    Monitor Memory    ${PID}    duration=0.5 s    interval=100 ms
    Run Keyword And Expect Error    *Inconclusive must be fail, warn or pass*
    ...    Memory Should Not Leak    ${mem}    inconclusive=maybe
    Run Keyword And Expect Error    *Invalid growth rate*
    ...    Memory Should Not Leak    ${mem}    max_rate=fast
    Run Keyword And Expect Error    *Windows must be at least 4*
    ...    Memory Should Not Leak    ${mem}    windows=2
    Run Keyword And Expect Error    *Expected the result of Stop Memory Monitor*
    ...    Memory Should Stay Below    not-a-result    1 GB
    Run Keyword And Expect Error    *No running memory monitor 'nope'*
    ...    Stop Memory Monitor    nope
    Run Keyword And Expect Error    *already running*
    ...    Start Memory Monitor    ${PID}    alias=suite-wide

Suite Monitor Survived Every Test
    ${mem}=    Stop Memory Monitor    suite-wide    load=${100}
    Should Be True    ${mem.samples} >= 20
    Should Be Equal As Integers    ${mem.requests}    100
"""


@pytest.fixture
def target():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        yield proc.pid
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_library_in_a_robot_run(tmp_path: Path, target: int, monkeypatch) -> None:
    monkeypatch.setenv("PABOTQUEUEINDEX", "7")
    suite = tmp_path / "memory_suite.robot"
    suite.write_text(SUITE)
    out = tmp_path / "out"
    robot.run(
        str(suite),
        outputdir=str(out),
        log="NONE",
        report="NONE",
        variable=[f"PID:{target}"],
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    result = ExecutionResult(str(out / "output.xml"))
    tests = {t.name: t for t in result.suite.all_tests}
    timeout = tests.pop("Timeout Ends A Blocking Monitor")
    assert timeout.status == "FAIL" and "timeout" in timeout.message.lower()
    failed = {name: t.message for name, t in tests.items() if t.status != "PASS"}
    assert not failed
    warnings = [m.message for m in result.errors.messages]
    assert any("'forgotten' was still running" in w for w in warnings)
    saved = sorted(p.name for p in (out / "perfgate").glob("memory-*.json"))
    assert any(name.startswith("memory-forgotten-q7-") for name in saved)
    assert any(name.startswith("memory-suite-wide-q7-") for name in saved)
    assert len(saved) == len(set(saved)) >= 5
    for path in (out / "perfgate").glob("memory-*.json"):
        assert json.loads(path.read_text())["kind"] == "memory"
    assert not [t for t in threading.enumerate() if t.name.startswith("perfgate-memory")]
