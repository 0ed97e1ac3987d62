"""Every WebSocket test leaves no worker behind; gateways come from tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from perfgate.gateway.manager import Gateway, GatewayManager
from perfgate.load.ws import WebSocketResult, WsLoadConfig, run_websocket_load
from perfgate.load.ws.config import SOCKETIO_PROTOCOL
from perfgate.load.ws.socketio import SocketIoOptions
from perfgate.procs.reaper_client import ReaperClient

StartServer = Callable[[list[str]], Gateway]


@pytest.fixture
def leftover_marker() -> str:
    # Gateways are killed by their own fixture; only our load workers count here.
    return "perfgate.load.ws.worker"


@pytest.fixture(autouse=True)
def _leaves_no_process(no_leftover_workers: None) -> None:
    """Every test must leave no WebSocket worker behind."""


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """Servers (a command with `{port}`) through GatewayManager and its reaper on a free port,
    all stopped at the end of the test."""
    reaper = ReaperClient(state_dir=str(tmp_path / "registry"))
    manager = GatewayManager(reaper)

    def start(command: list[str]) -> Gateway:
        return manager.start(command, output_dir=str(tmp_path), timeout_s=30)

    try:
        yield start
    finally:
        manager.stop_scope(None, 5)
        reaper.close()


def run_socketio(gw: Gateway, **fields: Any) -> WebSocketResult:
    """A Socket.IO run on `gw`: 5 clients, 2 s, no warm-up, unless `fields` say otherwise."""
    settings: dict[str, Any] = {
        "url": f"http://127.0.0.1:{gw.port}",
        "connections": 5,
        "duration_s": 2.0,
        "warmup_s": 0.0,
        "ramp_per_s": 100.0,
        "protocol": SOCKETIO_PROTOCOL,
        "socketio": SocketIoOptions(),
        **fields,
    }
    return run_websocket_load(WsLoadConfig(**settings))
