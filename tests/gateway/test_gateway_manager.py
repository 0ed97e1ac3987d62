"""GatewayManager: starting, checking and stopping gateways, and every bad input."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from perfgate.gateway import manager as gateway_module
from perfgate.gateway.manager import GatewayError, GatewayManager
from perfgate.procs.reaper_client import ReaperClient

from .conftest import FAKE_GATEWAY, fake_command, pid_exists, wait_all_gone


@pytest.fixture
def manager(reaper: ReaperClient, tmp_path: Path) -> Iterator[GatewayManager]:
    mgr = GatewayManager(reaper)
    try:
        yield mgr
    finally:
        mgr.stop_scope(None, 2.0)


def start(manager: GatewayManager, tmp_path: Path, *options: str, **kwargs: object) -> object:
    kwargs.setdefault("timeout_s", 20.0)
    return manager.start(fake_command(*options), output_dir=str(tmp_path), **kwargs)  # type: ignore[arg-type]


def test_reference_gateway_is_the_default(manager: GatewayManager, tmp_path: Path) -> None:
    gw = manager.start(output_dir=str(tmp_path), timeout_s=30)
    assert gw.url == f"http://127.0.0.1:{gw.port}"
    assert manager.check_health(gw).startswith("200")
    report = manager.stop(gw)
    assert report.how == "terminated"
    assert report.returncode == 0
    assert not pid_exists(gw.pid)


def test_start_logs_the_command_and_links_output(manager: GatewayManager, tmp_path: Path) -> None:
    messages: list[tuple[str, str]] = []
    gw = start(manager, tmp_path, log=lambda level, text: messages.append((level, text)))
    assert messages[0][0] == "INFO" and FAKE_GATEWAY in messages[0][1]
    assert f"--port {gw.port}" in messages[0][1]
    assert Path(gw.log_path).parent == tmp_path / "perfgate"
    assert "fake gateway listening" in gateway_module.tail(gw.log_path, 5)


def test_port_placeholder_in_env_and_health(manager: GatewayManager, tmp_path: Path) -> None:
    code = (
        "import os, http.server as h; "
        "h.HTTPServer(('127.0.0.1', int(os.environ['PORT'])), h.SimpleHTTPRequestHandler)"
        ".serve_forever()"
    )
    gw = manager.start(
        [sys.executable, "-c", code],
        env={"PORT": "{port}"},
        health="http://127.0.0.1:{port}/",
        cwd=str(tmp_path),
        output_dir=str(tmp_path),
        timeout_s=20,
    )
    assert gw.port is not None and gw.url.endswith(str(gw.port))


def test_string_command_is_split_without_a_shell(manager: GatewayManager, tmp_path: Path) -> None:
    gw = manager.start(
        f"{sys.executable} {FAKE_GATEWAY} --port {{port}}", output_dir=str(tmp_path), timeout_s=20
    )
    assert gw.command[1] == FAKE_GATEWAY


def test_fixed_port(manager: GatewayManager, tmp_path: Path) -> None:
    from perfgate.gateway.ports import free_port

    port = free_port()
    gw = manager.start(
        [sys.executable, FAKE_GATEWAY, "--port", str(port)],
        port=port,
        output_dir=str(tmp_path),
        timeout_s=20,
    )
    assert gw.port == port


def test_port_already_taken(manager: GatewayManager, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(GatewayError, match=f"Port {port} on 127.0.0.1 is already in use"):
            manager.start(["whatever"], port=port, output_dir=str(tmp_path))


def test_command_not_found(manager: GatewayManager, tmp_path: Path) -> None:
    with pytest.raises(GatewayError, match="Command 'no-such-gateway' was not found on PATH"):
        manager.start("no-such-gateway --port {port}", output_dir=str(tmp_path))


def test_relative_command_not_found(manager: GatewayManager, tmp_path: Path) -> None:
    with pytest.raises(GatewayError, match="was not found; check the path"):
        manager.start("./nope {port}", output_dir=str(tmp_path))


def test_unknown_port(manager: GatewayManager, tmp_path: Path) -> None:
    with pytest.raises(GatewayError, match="Cannot tell which port"):
        manager.start([sys.executable, FAKE_GATEWAY], output_dir=str(tmp_path))


def test_negative_timeout(manager: GatewayManager, tmp_path: Path) -> None:
    with pytest.raises(GatewayError, match="Timeout must not be negative, got -1 seconds"):
        start(manager, tmp_path, timeout_s=-1)
    with pytest.raises(GatewayError, match="Timeout must not be negative"):
        manager.stop(start(manager, tmp_path), timeout_s=-1)  # type: ignore[arg-type]


def test_missing_working_directory(manager: GatewayManager, tmp_path: Path) -> None:
    with pytest.raises(GatewayError, match=r"Working directory .* does not exist"):
        start(manager, tmp_path, cwd=str(tmp_path / "missing"))


def test_gateway_that_exits_at_once(manager: GatewayManager, tmp_path: Path) -> None:
    with pytest.raises(GatewayError) as error:
        start(manager, tmp_path, "--exit-at-once", "3")
    message = str(error.value)
    assert "did not become healthy: it exited with exit code 3." in message
    assert "configuration error" in message  # its last output lines are quoted


def test_health_that_never_answers_2xx(manager: GatewayManager, tmp_path: Path) -> None:
    with pytest.raises(GatewayError) as error:
        start(manager, tmp_path, "--never-healthy", timeout_s=1.0)
    message = str(error.value)
    assert "did not become healthy" in message and "within 1 s" in message
    assert "503 Service Unavailable" in message
    gw = manager.get("gateway")
    assert gw.stopped and wait_all_gone([gw.pid]) == []


def test_interrupt_while_waiting_kills_the_gateway(
    manager: GatewayManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Robot's timeouts and Ctrl-C raise BaseExceptions in the waiting keyword."""
    real_probe = gateway_module.probe
    calls = []

    def interrupted(url: str, timeout: float = 1.0) -> object:
        calls.append(url)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_probe(url, timeout)

    monkeypatch.setattr(gateway_module, "probe", interrupted)
    with pytest.raises(KeyboardInterrupt):
        start(manager, tmp_path, "--never-healthy", "--fork", "1")
    gw = manager.get("gateway")
    assert gw.stopped and wait_all_gone([gw.pid]) == []


def test_stop_gateway_that_ignores_sigterm(manager: GatewayManager, tmp_path: Path) -> None:
    gw = start(manager, tmp_path, "--ignore-term", "--fork", "2", "--double-fork")
    members = manager.reaper.members(gw.pid)  # type: ignore[attr-defined]
    report = manager.stop(gw, timeout_s=0.5)  # type: ignore[arg-type]
    assert report.how == "killed"
    assert "forcefully killed" in report.message()
    assert wait_all_gone(members) == []


def test_crash_is_reported_with_signal_and_output(manager: GatewayManager, tmp_path: Path) -> None:
    gw = start(manager, tmp_path)
    os.kill(gw.pid, signal.SIGKILL)  # type: ignore[attr-defined]
    deadline = time.monotonic() + 10
    while manager.exit_status(gw)[0] is None and time.monotonic() < deadline:  # type: ignore[arg-type]
        time.sleep(0.02)
    with pytest.raises(GatewayError, match=r"is not running: it exited with signal SIGKILL \(9\)"):
        manager.check_health(gw)  # type: ignore[arg-type]
    report = manager.stop(gw)  # type: ignore[arg-type]
    assert report.how == "already exited"


def test_crashed_lists_each_crash_once(manager: GatewayManager, tmp_path: Path) -> None:
    gw = start(manager, tmp_path, "--crash-after", "0.2")
    deadline = time.monotonic() + 10
    while not (found := manager.crashed()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [(g.alias, rc) for g, rc, _ in found] == [(gw.alias, -signal.SIGKILL)]  # type: ignore[attr-defined]
    assert manager.crashed() == []


def test_memory_limit_kill_is_reported(manager: GatewayManager, tmp_path: Path) -> None:
    gw = start(manager, tmp_path, "--grow-mb-per-s", "300", memory_limit=100 * 2**20)
    deadline = time.monotonic() + 20
    while manager.exit_status(gw)[0] is None and time.monotonic() < deadline:  # type: ignore[arg-type]
        time.sleep(0.05)
    with pytest.raises(GatewayError, match="exceeded its memory limit of 100 MiB"):
        manager.check_health(gw)  # type: ignore[arg-type]


def test_aliases(manager: GatewayManager, tmp_path: Path) -> None:
    first = start(manager, tmp_path)
    second = start(manager, tmp_path)
    named = start(manager, tmp_path, alias="mine")
    assert [first.alias, second.alias, named.alias] == ["gateway", "gateway-2", "mine"]  # type: ignore[attr-defined]
    assert manager.get() is named and manager.get("gateway") is first
    with pytest.raises(GatewayError, match="No gateway with alias 'nope'; known aliases: gateway"):
        manager.get("nope")
    with pytest.raises(GatewayError, match="alias 'mine' is already running"):
        start(manager, tmp_path, alias="mine")
    assert len(manager.stop_scope(None)) == 3
    assert manager.stop_scope(None) == []  # idempotent


def test_nothing_started(reaper: ReaperClient) -> None:
    manager = GatewayManager(reaper)
    with pytest.raises(GatewayError, match="No gateway has been started"):
        manager.get()
    assert manager.stop_scope(None) == []


def test_stopped_gateways_are_not_the_default(manager: GatewayManager, tmp_path: Path) -> None:
    gw = start(manager, tmp_path, alias="old")
    manager.stop(gw)  # type: ignore[arg-type]
    with pytest.raises(GatewayError, match="No gateway is running"):
        manager.get()
    assert manager.get("old") is gw
    with pytest.raises(GatewayError, match="'old' was stopped; start it again first"):
        manager.check_health(gw)  # type: ignore[arg-type]
    with pytest.raises(GatewayError, match="known aliases: none running"):
        manager.get("other")


def test_stop_scope_stops_only_that_scope(manager: GatewayManager, tmp_path: Path) -> None:
    suite = start(manager, tmp_path, scope="suite:s1")
    test = start(manager, tmp_path, scope="test:s1-t1")
    reports = manager.stop_scope("test:s1-t1")
    assert [r.gateway for r in reports] == [test]
    assert not suite.stopped  # type: ignore[attr-defined]


def test_attach_to_running_gateway(manager: GatewayManager, tmp_path: Path) -> None:
    running = start(manager, tmp_path)
    attached = manager.attach(running.url + "/", pid=running.pid, alias="theirs")  # type: ignore[attr-defined]
    assert attached.url == running.url and not attached.managed  # type: ignore[attr-defined]
    report = manager.stop(attached)
    assert report.how == "not managed" and "left running" in report.message()
    assert pid_exists(running.pid)  # type: ignore[attr-defined]


def test_attach_errors(manager: GatewayManager) -> None:
    with pytest.raises(GatewayError, match="must start with http:// or https://"):
        manager.attach("127.0.0.1:80")
    from perfgate.gateway.ports import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(GatewayError, match=r"is not healthy .*connection refused"):
        manager.attach(url)
    with pytest.raises(GatewayError, match="No process with PID"):
        manager.attach(url, pid=2**22 + 12345)


def test_log_tail(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("".join(f"line {i}\n" for i in range(1000)))
    assert gateway_module.tail(str(log), 3) == "line 997\nline 998\nline 999"
    assert gateway_module.tail(str(tmp_path / "missing.log"), 3) == ""


def test_a_health_path_that_answers_404_fails_fast(manager: GatewayManager, tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(GatewayError) as error:
        manager.start(health="/no-such-path", output_dir=str(tmp_path), timeout_s=30.0)
    assert time.monotonic() - started < 10, "waited out the timeout"
    gw = manager.get("gateway")
    assert str(error.value) == (
        f"Gateway 'gateway' has no health path /no-such-path: {gw.health_url} answered "
        "404 Not Found for 1 s; pass health= a path it serves with 2xx (health=/ for its root)."
    )
    assert gw.stopped and wait_all_gone([gw.pid]) == []


def test_a_slow_start_says_on_the_console_what_it_waits_for(
    manager: GatewayManager, tmp_path: Path
) -> None:
    messages: list[tuple[str, str]] = []
    gw = start(manager, tmp_path, "--slow-start", "3", log=lambda *m: messages.append(m))
    told = [text for level, text in messages if level == "CONSOLE"]
    assert len(told) == 1, messages
    assert told[0].startswith(
        f"Waiting up to 20 s for gateway 'gateway' to answer 2xx at {gw.health_url} (now: "  # type: ignore[attr-defined]
    )
    quick: list[tuple[str, str]] = []
    start(manager, tmp_path, alias="quick", log=lambda *m: quick.append(m))
    assert not [text for level, text in quick if level == "CONSOLE"]
