"""Socket.IO v4 runs against a real `socket.io` server (Node, tests/fixtures/node-socketio):
echo with acknowledgements, broadcast published over HTTP, over a socket emit and by the
server, exact loss against the server's own count of what it dropped, the heartbeat kept
over a run longer than pingInterval + pingTimeout, and a refused namespace as one sentence.
Each run lasts 2-3 s with 5 clients."""

from __future__ import annotations

import json
import shutil
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from perfgate.gateway.manager import Gateway
from perfgate.load.ws import WebSocketResult
from perfgate.load.ws.config import SOCKETIO_PROTOCOL
from perfgate.load.ws.socketio import SocketIoOptions

from .conftest import StartServer, run_socketio

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "node-socketio"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed (apt-get install nodejs)"
)
# Short heartbeats: a run of 3 s outlives pingInterval + pingTimeout (2 s) only if every
# ping is answered.
HEARTBEAT = ["--ping-interval", "1000", "--ping-timeout", "1000"]

StartNode = Callable[..., Gateway]


@pytest.fixture
def start_node(start_server: StartServer) -> StartNode:
    """The socket.io server with `options`, on a free port."""
    if not (FIXTURE / "node_modules" / "socket.io").is_dir():
        pytest.fail(f"socket.io is not installed in {FIXTURE}: run `make node-fixtures`")
    return lambda *options: start_server(
        [str(NODE), str(FIXTURE / "server.js"), "--port", "{port}", *HEARTBEAT, *options]
    )


def stats(gw: Gateway) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{gw.port}/stats", timeout=5) as response:
        return dict(json.load(response))


run = run_socketio


def test_echo_times_every_acknowledged_emit(start_node: StartNode) -> None:
    gw = start_node()
    r = run(gw, mode="echo", event_rate=100.0)
    assert r.connection_success_rate == 1.0 and r.connect_attempts == 5
    assert r.events_sent == r.events_received > 150 and r.events_lost == 0
    assert 0 < r.event_latency_p50 <= r.event_latency_p99 < 100
    assert r.connect_p50 > 0 and r.notes == []


def test_broadcast_over_http_counts_the_dropped_events_exactly(start_node: StartNode) -> None:
    gw = start_node("--drop-every", "7")
    r = run(gw, event_rate=100.0, publish_url=f"http://127.0.0.1:{gw.port}/publish/{{channel}}")
    assert r.events_sent > 150 and r.publish_errors == 0
    assert r.events_lost == stats(gw)["dropped"] > 0
    assert r.events_received + r.events_lost == r.events_expected > 4 * r.events_sent
    assert r.event_latency_p99 < 100 and r.disconnections == 0


def test_broadcast_over_a_socket_emit_gets_every_event(start_node: StartNode) -> None:
    gw = start_node()
    r = run(gw, event_rate=100.0, warmup_s=0.5, duration_s=2.5)
    assert r.events_sent > 150 and r.publish_errors == 0
    assert r.events_lost == 0 and r.events_received == r.events_expected > 0
    assert r.latency_samples > 0 and r.event_latency_p99 < 100


def test_server_generated_events_keep_the_heartbeat_and_lose_exactly_the_dropped(
    start_node: StartNode,
) -> None:
    gw = start_node("--rate", "100", "--drop-every", "10", "--clock", "ns")
    r = run(
        gw,
        event_rate=0.0,
        duration_s=3.0,  # longer than pingInterval + pingTimeout (1 s + 1 s)
        protocol=SOCKETIO_PROTOCOL.with_overrides({"time_format": "epoch_ns"}),
    )
    assert r.disconnections == 0 and r.reconnects == 0
    assert r.events_lost == stats(gw)["dropped"] > 0
    assert r.events_received > 5 * 200 and r.latency_samples > 0
    assert r.event_latency_p99 < 100


def test_churn_in_a_namespace_with_auth(start_node: StartNode) -> None:
    gw = start_node("--token", "t0ken")
    r = run(
        gw,
        mode="churn",
        event_rate=50.0,
        churn_rate=10.0,
        socketio=SocketIoOptions(namespace="/secure", auth={"token": "t0ken"}),
    )
    assert r.connection_success_rate == 1.0 and r.connect_attempts > 5
    assert r.sessions > 5 and r.events_lost == 0 and r.events_received > 0
    # A saved run says what it measured, never with what credentials.
    saved = json.loads(json.dumps(r.to_dict()))
    assert (saved["engine"], saved["namespace"]) == ("socket.io", "/secure")
    assert "t0ken" not in json.dumps(saved)
    assert WebSocketResult.from_dict(saved).namespace == "/secure"


@pytest.mark.parametrize(
    ("namespace", "auth", "reason"),
    [("/secure", {"token": "wrong"}, "'not authorized'"), ("/nowhere", {}, "'Invalid namespace'")],
)
def test_a_refused_namespace_is_a_connection_failure_with_its_reason(
    start_node: StartNode, namespace: str, auth: dict[str, str], reason: str
) -> None:
    gw = start_node()
    with pytest.raises(ConnectionError) as caught:
        run(gw, socketio=SocketIoOptions(namespace=namespace, auth=auth))
    assert str(caught.value) == (
        f"the Socket.IO server at http://127.0.0.1:{gw.port} refused the connection to "
        f"namespace {namespace}: {reason}; check namespace= and socketio_auth=."
    )


@pytest.mark.parametrize(
    ("options", "answer"),
    [
        ([], "it sent nothing within 1 s"),
        (
            ["--greet"],
            """it answered '{"kind":"hello"}', not """
            "an Engine.IO open packet",
        ),
    ],
)
def test_a_plain_websocket_server_is_no_socketio_server(
    start_node: StartNode, options: list[str], answer: str
) -> None:
    gw = start_node("--transport", "ws", *options)
    with pytest.raises(ConnectionError) as caught:
        run(gw, timeout_s=1.0)
    assert str(caught.value) == (
        f"the server at http://127.0.0.1:{gw.port} did not open a Socket.IO session: {answer}; "
        "is it a Socket.IO v4 server (EIO=4, WebSocket transport allowed)?"
    )


def test_the_handshake_carries_headers_and_the_urls_query(start_node: StartNode) -> None:
    gw = start_node("--token", "t0ken")
    secure = SocketIoOptions(namespace="/secure")
    by_header = run(gw, mode="echo", event_rate=50.0, socketio=secure, headers={"X-Token": "t0ken"})
    url = f"http://127.0.0.1:{gw.port}/socket.io/?token=t0ken"
    by_query = run(gw, mode="echo", event_rate=50.0, socketio=secure, url=url)
    for r in (by_header, by_query):
        assert r.connection_success_rate == 1.0 and r.events_received > 0


def test_a_server_that_stops_pinging_is_given_up_and_reconnected(start_node: StartNode) -> None:
    gw = start_node("--mute-pings")  # pingInterval + pingTimeout = 2 s
    r = run(gw, mode="echo", event_rate=50.0, duration_s=3.0)
    assert r.disconnections >= 5 and r.reconnects >= 5
    assert any("stopped pinging" in note for note in r.notes)


def test_the_connect_time_covers_the_namespaces_answer(start_node: StartNode) -> None:
    gw = start_node("--connect-delay", "150")
    r = run(gw, mode="echo", event_rate=20.0, warmup_s=0.5)
    assert r.connect_attempts == 5 and 150 <= r.connect_p50 < 1000
