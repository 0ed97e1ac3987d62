"""A run that does not reach its end keeps what was measured (issue 17): interrupted (here a
KeyboardInterrupt raised in the progress callback, as Ctrl-C outside Robot would be), its
partial result saved, marked and handed over before the interruption goes on; stopped by
abort_on_fail, marked partial. And the pieces: the ETA, the run's address, the reasons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from perfgate.load.console import eta
from perfgate.load.http import LoadResult, run_load
from perfgate.load.http.plan import plan_run
from perfgate.load.http.runner import Outcome, execute
from perfgate.load.outcome import stopped_by
from perfgate.load.targetwatch import address, connect_error


class TimeoutExceeded(BaseException):
    """Named as Robot's timeout (robot.errors.TimeoutExceeded, a BaseException)."""


def ctrl_c_at(second: float) -> Any:
    def on_progress(progress: Any) -> None:
        if progress.elapsed_s >= second:
            raise KeyboardInterrupt

    return on_progress


def test_an_interrupted_engine_run_hands_over_what_it_measured(server) -> None:
    plan = plan_run("constant", f"{server.url}/ok", clients=2, duration="30 s", warmup="0 s")
    kept: list[LoadResult] = []
    with pytest.raises(KeyboardInterrupt):
        run_load(plan.config, on_progress=ctrl_c_at(2), on_partial=kept.append)
    assert len(kept) == 1
    assert kept[0].requests > 0 and kept[0].stopped_early
    assert 1.5 <= kept[0].duration_s <= 4


def test_an_interrupted_run_is_saved_marked_partial_and_logged_first(server, tmp_path) -> None:
    plan = plan_run(
        "constant", f"{server.url}/ok", clients=2, duration="30 s", warmup="0 s", workers=1
    )
    logged: list[Outcome[LoadResult]] = []

    def console(line: str) -> None:
        if line.startswith("[constant] 1/"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        execute(plan, console=console, on_partial=logged.append, directory=tmp_path)
    assert len(logged) == 1
    verdict = logged[0].verdict
    assert verdict.partial is not None
    assert verdict.partial.startswith("Partial result: the run stopped at 1.0 s of 30 s (3%)")
    assert verdict.partial.endswith(": interrupted by Ctrl-C.")
    data = json.loads(Path(logged[0].json_path).read_text())
    assert data["requests"] > 0 and data["stopped_early"] is True
    assert data["verdict"]["partial"] == verdict.partial


def test_an_abort_on_fail_stop_is_marked_partial(server, tmp_path) -> None:
    slow = {"clients": 4, "duration": "20 s", "warmup": "0 s", "thresholds": "p95 < 1 ms"}
    plan = plan_run("constant", f"{server.url}/slow?ms=20", **slow, abort_on_fail=True)
    outcome = execute(plan, directory=tmp_path)
    partial = outcome.verdict.partial
    assert outcome.verdict.failed and partial is not None
    assert partial.startswith("Partial result: the run stopped at ")
    assert ": abort_on_fail, p95 was " in partial and partial.endswith("limit < 1 ms.")
    assert json.loads(outcome.json_path.read_text())["verdict"]["partial"] == partial


def test_a_run_to_its_end_is_not_partial(server, tmp_path) -> None:
    plan = plan_run(
        "constant", f"{server.url}/ok", clients=1, duration="1.2 s", warmup="0 s", workers=1
    )
    outcome = execute(plan, directory=tmp_path)
    assert outcome.verdict.partial is None and not outcome.verdict.faults
    assert not outcome.verdict.failed


def test_why_a_run_stopped() -> None:
    assert stopped_by(KeyboardInterrupt()) == "interrupted by Ctrl-C"
    timeout = TimeoutExceeded("Test timeout 3 seconds exceeded.")
    assert stopped_by(timeout) == "a Robot timeout (Test timeout 3 seconds exceeded)"
    assert stopped_by(SystemExit()) == "forcefully stopped (a second Ctrl-C)"
    assert stopped_by(OSError("disk full")) == "OSError: disk full"


def test_eta() -> None:
    assert [eta(s) for s in (-1, 0, 48.4, 119.6, 725, 3725)] == [
        "0 s",
        "0 s",
        "48 s",
        "2 min 00 s",
        "12 min 05 s",
        "1 h 02 min",
    ]


def test_the_address_of_every_kind_of_run_url() -> None:
    assert address("http://127.0.0.1:8080/api") == ("127.0.0.1", 8080)
    assert address("ws://localhost/ws") == ("localhost", 80)
    assert address("wss://example.org/ws") == ("example.org", 443)
    assert address("http://127.0.0.1:9/sse/{channel}") == ("127.0.0.1", 9)
    assert address("not a url") is None


def test_a_connection_to_a_closed_port_is_refused(server) -> None:
    host, port = address(server.url) or ("", 0)
    assert connect_error(host, port) is None
    server.stop()
    assert connect_error(host, port) == "Connection refused"
