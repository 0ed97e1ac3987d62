"""Worker processes: merged results, early stop, start-up errors, and no process left behind."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time

import psutil
import pytest
from robot.errors import TimeoutExceeded

from engine.helpers import run
from engine.servers import HttpTestServer
from perfgate.load.http import LoadResult, Progress


def _gone(pids: list[int]) -> bool:
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            continue
    return True


def test_two_workers_are_merged(server: HttpTestServer) -> None:
    pids: list[int] = []
    progress: list[Progress] = []
    result = run(
        server.url + "/ok",
        target=4,
        seconds=2.0,
        workers=2,
        on_worker_started=pids.append,
        on_progress=progress.append,
    )
    assert result.workers == 2 and len(pids) == 2
    assert len(result.health.cpu_percent) == 2
    assert result.requests == server.requests  # every request sent was answered and counted
    assert server.connections == 4 + 1
    assert [r.active for r in result.timeline] == [4, 4]
    assert [p.row.t for p in progress] == [0.0, 1.0]
    assert progress[-1].requests == result.requests
    assert result.latency_histogram() is not None
    assert result.latency_histogram().count == result.requests  # type: ignore[union-attr]
    assert _gone(pids)


def test_open_model_split_across_two_workers(server: HttpTestServer) -> None:
    result = run(server.url + "/ok", model="open", target=100, seconds=2.0, workers=2)
    assert result.health.intended == 200  # the two schedules interleave, no drift
    assert result.requests >= 195


def test_callback_can_stop_the_run_early(server: HttpTestServer) -> None:
    result = run(server.url + "/ok", target=2, seconds=10.0, on_progress=lambda p: "stop")
    assert result.stopped_early
    assert len(result.timeline) <= 2
    assert result.duration_s < 3.0


@pytest.mark.parametrize(
    "exc", [RuntimeError("boom"), KeyboardInterrupt(), TimeoutExceeded("test timeout 1 second")]
)
def test_workers_are_reaped_when_the_caller_raises(
    server: HttpTestServer, exc: BaseException
) -> None:
    pids: list[int] = []

    def fail(progress: Progress) -> None:
        raise exc

    with pytest.raises(type(exc)):
        run(
            server.url + "/ok",
            target=2,
            seconds=30.0,
            workers=2,
            on_worker_started=pids.append,
            on_progress=fail,
        )
    assert len(pids) == 2
    assert _gone(pids)


def test_refused_at_start_is_one_sentence() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Nothing listens on the port now.
    with pytest.raises(ConnectionError) as info:
        run(f"http://127.0.0.1:{port}/api")
    assert str(info.value) == (
        f"cannot connect to http://127.0.0.1:{port}: connection refused; is the gateway running?"
    )


@pytest.mark.parametrize("url", ["", "ftp://x/", "http://", "http://127.0.0.1:99999/"])
def test_bad_url_is_a_value_error(url: str) -> None:
    with pytest.raises(ValueError, match="URL"):
        run(url)


def test_result_is_json_safe_and_round_trips(server: HttpTestServer, tmp_path: object) -> None:
    result = run(server.url + "/ok", model="open", target=50, seconds=1.0)
    path = result.save_json(tmp_path / "r.json")  # type: ignore[operator]
    data = json.loads(path.read_text())
    assert data["kind"] == "load" and data["model"] == "open"
    assert data["requests"] == result.requests
    assert set(data["service"]) >= {"p50", "p99", "p99_9"}
    again = LoadResult.from_dict(data)
    assert again.p99 == result.p99 and again.timeline == result.timeline
    assert again.by_name["default"].requests == result.requests
    # Few samples: the result says so.
    assert result.requests < 100 and result.suspect
    assert any("percentiles are rough" in w for w in result.warnings)


# Ctrl-C must reach the parent even when this test runs from a shell that
# started it in the background with SIGINT ignored (and Python inherits that).
_PARENT = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from perfgate.load.http import LoadConfig, run_load
from perfgate.load.stages import Stage

def started(pid):
    print(pid, flush=True)

run_load(LoadConfig(url=sys.argv[1], stages=[Stage(0, 2), Stage(60, 2)], workers=2),
         on_worker_started=started, on_progress=lambda p: print("tick", flush=True))
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_workers_die_with_a_parent_interrupted_or_killed(
    server: HttpTestServer, sig: signal.Signals
) -> None:
    """Ctrl-C: run_load reaps the workers; SIGKILL: the lifeline takes them down."""
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, server.url + "/ok"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert parent.stdout is not None
        pids = [int(parent.stdout.readline()) for _ in range(2)]
        assert parent.stdout.readline().strip() == "tick"  # the run is under way
        parent.send_signal(sig)
        parent.wait(30)
        deadline = time.monotonic() + 10
        while not _gone(pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(pids)
    finally:
        parent.kill()
        parent.wait()
