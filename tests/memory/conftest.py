"""Fixtures of the heap tests: the Node gateway of tests/fixtures/node-heap with its inspector
open, started through GatewayManager and its reaper (``inspect=True``) on free 127.0.0.1
ports and stopped at teardown, the reference gateway likewise (Python, for memray), and the
heap keywords' core on them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from memory.heap_fixture import FIXTURE, NODE
from perfgate.gateway.manager import Gateway, GatewayManager
from perfgate.memory.heap.tools import HeapTools
from perfgate.procs.reaper_client import ReaperClient

StartNode = Callable[..., Gateway]
StartPython = Callable[..., Gateway]


@pytest.fixture
def heap_manager(tmp_path: Path) -> Iterator[GatewayManager]:
    reaper = ReaperClient(state_dir=str(tmp_path / "registry"))
    found = GatewayManager(reaper)
    try:
        yield found
    finally:
        found.stop_scope(None, 5)
        reaper.close()


@pytest.fixture
def start_node(heap_manager: GatewayManager, tmp_path: Path) -> StartNode:
    def start(*options: str, node_flags: tuple[str, ...] = (), inspect: bool = True) -> Gateway:
        command = [str(NODE), *node_flags, str(FIXTURE), "--port", "{port}", *options]
        return heap_manager.start(command, output_dir=str(tmp_path), timeout_s=30, inspect=inspect)

    return start


@pytest.fixture
def start_python(heap_manager: GatewayManager, tmp_path: Path) -> StartPython:
    """The reference gateway (Python) with `options`, for memray."""

    def start(*options: str) -> Gateway:
        command = [sys.executable, "-m", "perfgate.refgateway", "--port", "{port}", *options]
        return heap_manager.start(command, output_dir=str(tmp_path), timeout_s=30)

    return start


@pytest.fixture
def heap_tools(heap_manager: GatewayManager, tmp_path: Path) -> Iterator[HeapTools]:
    def exit_status(gateway: Gateway) -> str | None:
        returncode, _ = heap_manager.exit_status(gateway)
        return None if returncode is None else f"exit status {returncode}."

    found = HeapTools(heap_manager.get, exit_status, lambda: tmp_path)
    try:
        yield found
    finally:
        found.close_all()
