"""A gateway that dies during a load stops the run within about a second and fails it with
its exit and last output lines; a load that never got one answer never passes (issue 17).

Real gateways: the reference gateway killed by its memory limit (started through
GatewayManager and its reaper, found by the run's URL port as GatewayLibrary's would be),
the reference gateway started elsewhere and killed by a signal (the run sees only refused
connections), and the Node `ws` fixture killed by a signal during a WebSocket run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from perfgate import robotenv
from perfgate.gateway.manager import Gateway, GatewayManager, reference_gateway_command
from perfgate.load.http.plan import plan_run
from perfgate.load.http.runner import execute
from perfgate.load.ws import WsLoadConfig, WsProtocol
from perfgate.load.ws.criteria import resolve_thresholds
from perfgate.load.ws.runner import execute as execute_ws
from perfgate.procs.reaper_client import ReaperClient

NODE_WS = Path(__file__).resolve().parents[1] / "fixtures" / "node-ws"
NODE = shutil.which("node")
MiB = 2**20


@pytest.fixture
def manager(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GatewayManager]:
    """GatewayManager on its reaper, standing for GatewayLibrary's in the Robot run (the
    one thing Robot would give: its library instance)."""
    reaper = ReaperClient(state_dir=str(tmp_path / "registry"))
    gateways = GatewayManager(reaper)
    library = SimpleNamespace(manager=gateways)
    monkeypatch.setattr(
        robotenv, "library_instance", lambda name: library if name == "GatewayLibrary" else None
    )
    try:
        yield gateways
    finally:
        gateways.stop_scope(None, 5)
        reaper.close()


def leaky_gateway(manager: GatewayManager, tmp_path: Path) -> Gateway:
    """The reference gateway growing 25 MB/s, killed by the reaper at 150 MiB."""
    command = [*reference_gateway_command(), "--leak-mb-per-min", "1500"]
    return manager.start(command, memory_limit=150 * MiB, output_dir=str(tmp_path), timeout_s=30)


def node_gateway(manager: GatewayManager, tmp_path: Path) -> Gateway:
    """The Node `ws` fixture, 100 events/s on every topic subscribed."""
    if NODE is None or not (NODE_WS / "node_modules" / "ws").is_dir():
        pytest.skip("node or the ws fixture's packages are missing (make node-fixtures)")
    command = [NODE, str(NODE_WS / "server.js"), "--port", "{port}", "--rate", "100"]
    return manager.start(command, output_dir=str(tmp_path), timeout_s=30)


def kill_after(pid: int, delay_s: float) -> list[float]:
    """SIGKILL to `pid` in `delay_s`; the list gets the moment it was sent."""
    sent: list[float] = []

    def kill() -> None:
        sent.append(time.monotonic())
        os.kill(pid, signal.SIGKILL)

    timer = threading.Timer(delay_s, kill)
    timer.daemon = True
    timer.start()
    return sent


def test_a_gateway_killed_by_its_memory_limit_fails_the_run_with_its_exit_and_output(
    manager: GatewayManager, tmp_path: Path
) -> None:
    gw = leaky_gateway(manager, tmp_path)
    plan = plan_run(
        "constant", f"{gw.url}/api/echo", clients=2, duration="30 s", warmup="0 s", workers=1
    )
    lines: list[str] = []
    started = time.monotonic()
    outcome = execute(plan, console=lines.append, directory=tmp_path)
    assert time.monotonic() - started < 15, "the run went on loading a dead port"
    verdict = outcome.verdict
    assert verdict.failed and outcome.result.stopped_early
    message = verdict.message()
    assert message.startswith("The gateway under test died during the load, at ")
    assert f"Gateway '{gw.alias}' (PID {gw.pid}) exited with signal SIGKILL (9)" in message
    assert "PerfGate killed it because it exceeded its memory limit of 150 MiB" in message
    assert "Last lines of its output:\n" in message
    stopping = (
        f"[constant] stopping: Gateway '{gw.alias}' (PID {gw.pid}) exited with signal SIGKILL (9)"
    )
    assert stopping in lines
    saved = json.loads(outcome.json_path.read_text())["verdict"]
    assert saved["passed"] is False and saved["faults"] == [message]
    assert saved["partial"].startswith("Partial result: the run stopped at ")
    assert saved["partial"].endswith(": the gateway under test died.")
    # One figure for where it stopped: the second the death was found, in both sentences.
    died_at = re.search(r"died during the load, at ([\d.,]+ s of [\d.,]+ s)", message)
    stopped_at = re.search(r"the run stopped at ([\d.,]+ s of [\d.,]+ s)", saved["partial"])
    assert died_at and stopped_at and died_at.group(1) == stopped_at.group(1), (message, saved)


def test_a_gateway_started_elsewhere_is_found_dead_by_refused_connections(
    start_gateway, tmp_path: Path
) -> None:
    gw = start_gateway()
    plan = plan_run(
        "constant", f"{gw.url}/api/echo", clients=2, duration="30 s", warmup="0 s", workers=1
    )
    sent = kill_after(gw.proc.pid, 1.5)
    outcome = execute(plan, directory=tmp_path)
    ended = time.monotonic()
    assert sent, "the run ended before the gateway was killed"
    # A full second without an answer, then the next second's report: about 2 s.
    assert ended - sent[0] < 4.0
    message = outcome.verdict.message()
    assert outcome.verdict.failed and message.startswith(
        "The gateway under test died during the load, at "
    )
    assert f"Nothing answers on 127.0.0.1:{gw.port} any more: a full second went without" in (
        message
    )
    assert "a new connection failed (Connection refused)." in message


def test_a_load_that_never_got_an_answer_fails_whatever_its_thresholds(server, tmp_path):
    # /reset answers every request with a reset connection: connections open, answers never.
    plan = plan_run(
        "constant", f"{server.url}/reset", clients=2, duration="1.5 s", warmup="0 s", workers=1
    )
    outcome = execute(plan, directory=tmp_path)
    assert outcome.result.requests > 0 and outcome.result.successes == 0
    assert outcome.verdict.failed
    assert outcome.verdict.message() == (
        f"The load never got one answer from {server.url}/reset: nothing was measured, so the "
        "run cannot pass whatever its thresholds."
    )
    assert outcome.verdict.partial is None  # it ran to its end


def test_a_node_ws_gateway_killed_mid_run_fails_the_websocket_run(
    manager: GatewayManager, tmp_path: Path
) -> None:
    gw = node_gateway(manager, tmp_path)
    config = WsLoadConfig(
        url=f"ws://127.0.0.1:{gw.port}/ws",
        connections=5,
        event_rate=0.0,  # the server generates its events
        duration_s=30.0,
        warmup_s=0.0,
        ramp_per_s=100.0,
        protocol=WsProtocol().with_overrides(
            {
                "subscribe": '{"op": "subscribe", "topic": "{channel}"}',
                "unsubscribe": '{"op": "unsubscribe", "topic": "{channel}"}',
                "type_field": "kind",
            }
        ),
    )
    assert gw.pid is not None
    sent = kill_after(gw.pid, 1.5)
    outcome = execute_ws(config, resolve_thresholds("NONE"), gateway=gw, directory=tmp_path)
    # Killed, noticed at the next second's report, stopped: within about a second.
    assert sent and time.monotonic() - sent[0] < 2.5
    message = outcome.verdict.message()
    assert outcome.verdict.failed and outcome.result.stopped_early
    assert f"Gateway '{gw.alias}' (PID {gw.pid}) exited with signal SIGKILL (9)." in message
    saved = json.loads(outcome.json_path.read_text())["verdict"]
    assert saved["faults"] == [message] and "the gateway under test died" in saved["partial"]


def test_a_reference_gateway_killed_by_its_memory_limit_fails_a_websocket_run(
    manager: GatewayManager, tmp_path: Path
) -> None:
    """No gateway= given: the run finds the gateway GatewayLibrary started on its port."""
    gw = leaky_gateway(manager, tmp_path)
    config = WsLoadConfig(
        url=f"ws://127.0.0.1:{gw.port}/ws", connections=5, event_rate=50.0, duration_s=30.0,
        warmup_s=0.0, ramp_per_s=100.0,
    )  # fmt: skip
    outcome = execute_ws(config, resolve_thresholds("NONE"), directory=tmp_path)
    message = outcome.verdict.message()
    assert outcome.verdict.failed and outcome.result.stopped_early
    assert f"Gateway '{gw.alias}' (PID {gw.pid}) exited with signal SIGKILL (9)." in message
    assert "exceeded its memory limit of 150 MiB" in message


def test_a_node_gateway_killed_mid_run_fails_the_http_run(
    manager: GatewayManager, tmp_path: Path
) -> None:
    gw = node_gateway(manager, tmp_path)
    plan = plan_run("constant", f"{gw.url}/health", clients=2, duration="30 s", warmup="0 s")
    assert gw.pid is not None
    sent = kill_after(gw.pid, 1.5)
    outcome = execute(plan, directory=tmp_path)
    assert sent and time.monotonic() - sent[0] < 2.5
    assert f"Gateway '{gw.alias}' (PID {gw.pid}) exited with signal SIGKILL (9)." in (
        outcome.verdict.message()
    )
