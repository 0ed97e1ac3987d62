"""Bad input to the heap keywords' core, one sentence each (issue 18).

The inspector announced on another address, its port taken or closed, a
gateway neither Node.js with an inspector nor Python, a snapshot that does
not fit on the disk, a gateway that exits or hangs during a snapshot (no
hang here: a timeout, or the gateway's exit status).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from memory.heap_fixture import load, needs_node
from perfgate.gateway.inspect import announced_url, inspect_argv
from perfgate.gateway.ports import free_port
from perfgate.memory.heap.snapshot import take_snapshot
from perfgate.memory.heap.targets import node_target
from perfgate.memory.heap.tools import HeapTools


@dataclass
class FakeGateway:
    alias: str
    pid: int | None
    inspector_url: str | None = None


def test_an_inspector_off_loopback_is_refused() -> None:
    assert announced_url("Debugger listening on ws://127.0.0.1:9229/abc\n") == (
        "ws://127.0.0.1:9229/abc"
    )
    with pytest.raises(ValueError, match=r"^The inspector listens on 0\.0\.0\.0, not on loopback"):
        announced_url("Debugger listening on ws://0.0.0.0:9229/abc\n")
    with pytest.raises(ValueError, match="not on loopback"):
        node_target("ws://10.1.2.3:9229/abc", lambda alias: None)


def test_inspect_needs_node() -> None:
    assert inspect_argv(["/usr/bin/node", "app.js"]) == [
        "/usr/bin/node",
        "--inspect=127.0.0.1:0",
        "app.js",
    ]
    assert inspect_argv(["node", "--inspect=127.0.0.1:9300", "app.js"])[1] == (
        "--inspect=127.0.0.1:9300"
    )
    with pytest.raises(ValueError, match=r"^inspect=True opens the inspector of Node\.js, and "):
        inspect_argv(["python3", "-m", "app"])


def test_a_closed_inspector_port_is_one_sentence(tmp_path: Path) -> None:
    tools = HeapTools(lambda alias: None, lambda gateway: None, lambda: tmp_path)
    url = f"ws://127.0.0.1:{free_port('127.0.0.1')}/gone"
    with pytest.raises(ConnectionError, match=r"refused the connection: its port is closed"):
        tools.snapshot(url, 5)


def test_a_gateway_neither_node_nor_python(tmp_path: Path) -> None:
    other = subprocess.Popen(["sleep", "30"])
    try:
        with pytest.raises(ValueError) as error:
            node_target(FakeGateway("java-like", other.pid), lambda alias: None)
    finally:
        other.kill()
        other.wait()
    assert str(error.value) == (
        "Gateway 'java-like' runs 'sleep', which is neither Node.js with an inspector nor "
        "Python: PerfGate looks into the heaps of those two only."
    )


def test_a_python_gateway_is_told_what_to_do() -> None:
    with pytest.raises(ValueError, match=r"^Gateway 'py' runs Python, which has no heap snapshot"):
        node_target(FakeGateway("py", os.getpid()), lambda alias: None)


@needs_node
def test_node_without_its_inspector(start_node) -> None:
    gateway = start_node(inspect=False)
    with pytest.raises(ValueError, match=r"runs Node\.js without its inspector: start it with "):
        node_target(gateway, lambda alias: None)


@needs_node
def test_an_inspector_port_taken(start_node) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ValueError) as error:
            start_node(node_flags=(f"--inspect=127.0.0.1:{port}",))
    assert str(error.value).startswith(
        f"Node could not open its inspector on 127.0.0.1:{port}: address already in use; use "
    )


@needs_node
def test_a_snapshot_that_does_not_fit(start_node, heap_tools: HeapTools, tmp_path: Path) -> None:
    gateway = start_node()
    session = heap_tools.session(heap_tools.target(gateway))
    with pytest.raises(ValueError, match=r"^A heap snapshot of this .* MB heap needs about "):
        take_snapshot(session, tmp_path / "x.heapsnapshot", free_bytes=lambda path: 1024)
    assert list(tmp_path.glob("*.heapsnapshot")) == []


@needs_node
def test_a_gateway_that_exits_during_the_snapshot(start_node, heap_tools: HeapTools) -> None:
    gateway = start_node("--leak")
    load(gateway, 20000)  # a heap that takes a second or so to write
    assert gateway.pid is not None
    killer = threading.Timer(0.3, os.kill, (gateway.pid, signal.SIGKILL))
    killer.start()
    try:
        with pytest.raises(ConnectionError) as error:
            heap_tools.snapshot(gateway, 30)
    finally:
        killer.cancel()
    assert str(error.value) == "gateway 'gateway' exited during the heap snapshot: exit status -9."


@needs_node
def test_a_gateway_that_hangs_during_the_snapshot(start_node, heap_tools: HeapTools) -> None:
    gateway = start_node()
    assert gateway.pid is not None
    heap_tools.session(heap_tools.target(gateway))
    os.kill(gateway.pid, signal.SIGSTOP)
    try:
        with pytest.raises(TimeoutError) as error:
            heap_tools.snapshot(gateway, 2)
    finally:
        os.kill(gateway.pid, signal.SIGCONT)
    assert str(error.value) == "The inspector did not answer Runtime.getHeapUsage within 2 s."
