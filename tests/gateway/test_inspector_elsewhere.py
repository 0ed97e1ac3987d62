"""The inspector of a Node.js gateway started elsewhere: ``Use Running Gateway ... inspector=``
(issue 18), against real Node processes of tests/fixtures/node-heap started here, not by
PerfGate.

SIGUSR1 reaches only a process proved to be the gateway (the pid given, Node, listening on
the gateway's port); a process that is not is refused before any signal, and it is checked
that it got none (its inspector stays closed). ``--inspect-port=0`` makes Node open the
inspector on a free port at the signal, so parallel runs never fight over 9229. About 5 s.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from perfgate.gateway.manager import GatewayManager
from perfgate.gateway.ports import free_port
from perfgate.gateway.reach import reach_inspector
from perfgate.memory.heap.tools import HeapTools

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "node-heap" / "heap_gateway.js"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed (apt-get install nodejs)"
)
StartNode = Callable[..., tuple[subprocess.Popen[bytes], str]]


@pytest.fixture
def node_elsewhere() -> Iterator[StartNode]:
    """Node gateways started as a user would, outside PerfGate; killed at teardown."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*flags: str) -> tuple[subprocess.Popen[bytes], str]:
        assert NODE is not None
        port = free_port("127.0.0.1")
        command = [NODE, *flags, str(FIXTURE), "--port", str(port)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            if port in _listening(process.pid):
                return process, url
            time.sleep(0.05)
        raise AssertionError(f"node did not listen on {port}")

    yield start
    for process in started:
        process.kill()
        process.wait()


@pytest.fixture
def manager() -> GatewayManager:
    return GatewayManager()  # Use Running Gateway starts nothing: no reaper is started


def test_sigusr1_opens_the_inspector_of_the_proven_gateway(
    node_elsewhere, manager: GatewayManager, tmp_path: Path
) -> None:
    process, url = node_elsewhere("--inspect-port=0")
    began = time.perf_counter()
    gateway = manager.attach(url, pid=process.pid)
    manager.reach_inspector(gateway, "SIGUSR1")
    print(f"inspector reached in {time.perf_counter() - began:.2f} s: {gateway.inspector_url}")
    assert gateway.inspector_url and gateway.inspector_url.startswith("ws://127.0.0.1:")
    tools = HeapTools(manager.get, lambda gw: None, lambda: tmp_path)
    try:
        snapshot = tools.snapshot(gateway, 30)
    finally:
        tools.close_all()
    assert snapshot.objects > 1000 and Path(snapshot.path).is_file()


def test_an_open_inspector_is_found_without_a_signal(node_elsewhere) -> None:
    process, url = node_elsewhere("--inspect=127.0.0.1:0")
    open_ports = _listening(process.pid)
    found = reach_inspector("SIGUSR1", url, process.pid)
    assert found.startswith("ws://127.0.0.1:")
    assert _listening(process.pid) == open_ports  # no second inspector port opened
    # By its address too: /json/list names the URL.
    port = int(found.split(":")[2].split("/")[0])
    assert reach_inspector(f"127.0.0.1:{port}", url, None) == found
    assert reach_inspector(found, url, None) == found


def test_a_process_that_is_not_the_gateway_is_not_signalled(
    node_elsewhere, manager: GatewayManager
) -> None:
    gateway, url = node_elsewhere("--inspect-port=0")
    other, _ = node_elsewhere("--inspect-port=0")  # Node, ours, but serving another port
    attached = manager.attach(url, pid=other.pid, alias="wrong-pid")
    with pytest.raises(ValueError) as error:
        manager.reach_inspector(attached, "SIGUSR1")
    assert "wrong-pid" not in manager.gateways  # not kept without its inspector
    port = url.rsplit(":", 1)[1]
    assert str(error.value) == (
        f"Process {other.pid} does not listen on port {port} of {url}, so PerfGate cannot prove "
        "it is the gateway and will not signal it: give the pid of the process that listens "
        "there."
    )
    time.sleep(0.5)
    assert len(_listening(other.pid)) == 1  # no inspector opened: it got no signal
    with pytest.raises(ValueError, match=r"^inspector=SIGUSR1 signals the gateway's process, so "):
        reach_inspector("SIGUSR1", url, None)
    assert len(_listening(gateway.pid)) == 1


def test_a_process_that_is_not_node_is_not_signalled() -> None:
    port = free_port("127.0.0.1")
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            if port in _listening(server.pid):
                break
            time.sleep(0.05)
        with pytest.raises(ValueError) as error:
            reach_inspector("SIGUSR1", f"http://127.0.0.1:{port}", server.pid)
        assert server.poll() is None  # SIGUSR1 would have killed it
    finally:
        server.kill()
        server.wait()
    assert str(error.value).startswith(f"Process {server.pid} runs 'python")
    assert str(error.value).endswith(
        ", not Node.js: SIGUSR1 opens only Node's inspector (a Python gateway needs none: "
        "memray attaches to it)."
    )


def test_no_inspector_at_an_address_and_none_off_loopback() -> None:
    port = free_port("127.0.0.1")
    with pytest.raises(ValueError, match=r"^No Node inspector answered at http://127\.0\.0\.1:"):
        reach_inspector(f"127.0.0.1:{port}", "http://127.0.0.1:1", None, timeout_s=1)
    with pytest.raises(ValueError, match=r"^The inspector listens on 10\.0\.0\.5, not on loopback"):
        reach_inspector("10.0.0.5:9229", "http://127.0.0.1:1", None)


def _listening(pid: int) -> set[int]:
    try:
        connections = psutil.Process(pid).net_connections("inet")
    except psutil.Error:
        return set()
    return {c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN}
