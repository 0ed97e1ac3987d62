"""Two suites at once under pabot, exporting to a real Prometheus: `perfgate watch` shows
both while they run, their live files end marked, and each test's total requests in
Prometheus equal its saved JSON result's exactly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from engine.servers import HttpTestServer
from perfgate.live.watch import live_files, screen

SUITES = Path(__file__).resolve().parents[2] / "atest" / "_live"
BIN = Path(sys.executable).parent


@dataclass
class PabotRun:
    out: Path
    run_id: str
    rc: int = -1
    seen: list[list[str]] = field(default_factory=list)  # watch screens with both running
    cli: str = ""  # `perfgate watch --once` while both ran


def _pabot(out: Path, url: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [str(BIN / "pabot"), "--processes", "2", "--no-pabotlib", "--outputdir", str(out),
               "--variable", f"URL:{url}", str(SUITES)]  # fmt: skip
    log = (out.parent / "pabot.log").open("wb")
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip


def _watch_while_running(proc: subprocess.Popen[bytes], run: PabotRun) -> None:
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        lines = screen(run.out)
        if len(lines) == 3:  # the header and both tests
            run.seen.append(lines)
            if not run.cli:
                run.cli = subprocess.run(
                    [str(BIN / "perfgate"), "watch", str(run.out), "--once"],
                    capture_output=True, text=True, timeout=30, check=True,
                ).stdout  # fmt: skip
        time.sleep(0.3)


@pytest.fixture(scope="module")
def pabot_run(prometheus, tmp_path_factory) -> Iterator[PabotRun]:
    server = HttpTestServer().start()
    work = tmp_path_factory.mktemp("pabot")
    run = PabotRun(work / "out", uuid.uuid4().hex[:10])
    env = {**os.environ, "PERFGATE_PROMETHEUS_URL": prometheus.url, "PERFGATE_RUN_ID": run.run_id,
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # fmt: skip
    proc = _pabot(run.out, server.url, env)
    try:
        _watch_while_running(proc, run)
        run.rc = proc.wait(120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait()
        server.stop()
    yield run


def test_both_suites_pass(pabot_run):
    log = (pabot_run.out.parent / "pabot.log").read_text()
    assert pabot_run.rc == 0, log[-3000:]


def test_watch_shows_both_running_tests_with_eta_rate_and_breach(pabot_run):
    assert pabot_run.seen, "perfgate watch never showed both tests running at once"
    first = pabot_run.seen[0]
    assert first[0].startswith("perfgate watch: 2 running")
    body = "\n".join(first[1:])
    assert "Checkout.Steady Checkout" in body and "Feed.Slow Feed Breaches Its Threshold" in body
    assert "req/s" in body and "/8 s" in body
    later = [line for lines in pabot_run.seen for line in lines if "BREACH" in line]
    assert later and "Slow Feed" in later[-1] and "limit < 1 ms" in later[-1]
    etas = [line for lines in pabot_run.seen for line in lines if "ETA" in line]
    assert any(line.startswith("Live.Checkout.Steady Checkout") for line in etas)
    cli = pabot_run.cli.splitlines()
    assert cli[0].startswith("perfgate watch: 2 running") and len(cli) == 3


def test_the_live_files_end_marked_with_their_verdicts(pabot_run):
    states = {d["test"]: d["state"] for d in live_files(pabot_run.out)}
    assert states == {"Steady Checkout": "passed", "Slow Feed Breaches Its Threshold": "failed"}
    assert screen(pabot_run.out)[0].startswith("perfgate watch: 0 running, 2 finished (1 failed)")


def test_total_requests_per_test_in_prometheus_equal_the_json_results(pabot_run, prometheus):
    results = sorted(pabot_run.out.glob("**/perfgate/load-*.json"))
    assert len(results) == 2
    pabot_labels = set()
    for path in results:
        data = json.loads(path.read_text())
        test = (
            "Steady Checkout" if "slow?ms=2" in data["url"] else "Slow Feed Breaches Its Threshold"
        )
        sel = f'run="{pabot_run.run_id}",test="{test}"'
        assert prometheus.value(f"sum(perfgate_http_requests_total{{{sel}}})") == data["requests"]
        errors = prometheus.query(f"sum(perfgate_http_errors_total{{{sel}}})")
        assert (float(errors[0]["value"][1]) if errors else 0.0) == data["errors"]
        series = prometheus.query(f"perfgate_http_requests_total{{{sel}}}")[0]["metric"]
        pabot_labels.add(series["pabot"])
    assert len(pabot_labels) == 2
