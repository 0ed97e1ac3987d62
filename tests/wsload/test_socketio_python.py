"""Socket.IO runs against a second real server, python-socketio on aiohttp
(tests/wsload/pysio_server.py): echo acknowledgements, broadcast published over HTTP with
the loss exactly the server's dropped events, over a socket emit, and a refused connect
with its reason. Each run lasts 2 s with 5 clients."""

from __future__ import annotations

import json
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from perfgate.gateway.manager import Gateway
from perfgate.load.ws.socketio import SocketIoOptions

from .conftest import StartServer, run_socketio

SERVER = Path(__file__).resolve().parent / "pysio_server.py"


@pytest.fixture
def start_pysio(start_server: StartServer) -> Callable[..., Gateway]:
    """The python-socketio server with `options`, pinging every second, timeout 1 s."""
    heartbeat = ["--ping-interval", "1", "--ping-timeout", "1"]
    return lambda *options: start_server(
        [sys.executable, str(SERVER), "--port", "{port}", *heartbeat, *options]
    )


run = run_socketio


def test_echo_over_python_socketio(start_pysio: Callable[..., Gateway]) -> None:
    r = run(start_pysio(), mode="echo", event_rate=100.0, warmup_s=0.5, duration_s=2.5)
    assert r.events_sent == r.events_received > 150 and r.events_lost == 0
    assert 0 < r.event_latency_p99 < 100 and r.disconnections == 0


def test_http_published_loss_is_the_servers_dropped_count(
    start_pysio: Callable[..., Gateway],
) -> None:
    gw = start_pysio("--drop-every", "9")
    r = run(gw, event_rate=100.0, publish_url=f"http://127.0.0.1:{gw.port}/publish/{{channel}}")
    with urllib.request.urlopen(f"http://127.0.0.1:{gw.port}/stats", timeout=5) as response:
        dropped = json.load(response)["dropped"]
    assert r.events_lost == dropped > 0 and r.publish_errors == 0
    assert r.events_received + r.events_lost == r.events_expected


def test_emit_published_events_all_arrive(start_pysio: Callable[..., Gateway]) -> None:
    r = run(start_pysio(), event_rate=100.0, duration_s=2.5)  # outlives ping interval + timeout
    assert r.events_sent > 200 and r.publish_errors == 0 and r.disconnections == 0
    assert r.events_lost == 0 and r.events_received == r.events_expected > 0


def test_a_refused_connect_says_why(start_pysio: Callable[..., Gateway]) -> None:
    gw = start_pysio("--token", "t0ken")
    with pytest.raises(ConnectionError, match="refused the connection to namespace /: 'not auth"):
        run(gw, socketio=SocketIoOptions(auth={"token": "wrong"}))
    r = run(gw, mode="echo", event_rate=50.0, socketio=SocketIoOptions(auth={"token": "t0ken"}))
    assert r.connection_success_rate == 1.0 and r.events_received > 0
