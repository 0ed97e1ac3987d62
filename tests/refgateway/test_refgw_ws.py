"""WebSocket /ws: echo, pub/sub with exact loss counts, event rates, RPC notifications,
and the close frame on SIGTERM."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import websocket
from refgw_helpers import Gateway, running, wait_for


@pytest.fixture(scope="module")
def gw() -> Iterator[Gateway]:
    with running("--admin", "--backends", "2") as gateway:
        yield gateway


def connect(gw: Gateway, **headers: str) -> websocket.WebSocket:
    return websocket.create_connection(gw.ws_url, timeout=10, header=headers or None)


def send(ws: websocket.WebSocket, **message: Any) -> None:
    ws.send(json.dumps(message))


def recv(ws: websocket.WebSocket) -> dict[str, Any]:
    return json.loads(ws.recv())


def events_until_pong(ws: websocket.WebSocket) -> list[dict[str, Any]]:
    """Everything queued for `ws` before a ping: replies keep queue order."""
    send(ws, type="ping")
    events = []
    while True:
        message = recv(ws)
        if message["type"] == "pong":
            return events
        events.append(message)


def stats(gw: Gateway) -> dict[str, Any]:
    return requests.get(gw.url + "/admin/stats", timeout=5).json()


def test_echo_ping_and_errors(gw: Gateway) -> None:
    ws = connect(gw)
    try:
        send(ws, type="echo", data={"a": [1, 2]}, id="e1")
        echo = recv(ws)
        assert echo["type"] == "echo" and echo["data"] == {"a": [1, 2]} and echo["id"] == "e1"
        assert abs(echo["ts_ns"] - time.time_ns()) < 60e9
        ws.send("plain text is echoed")
        assert ws.recv() == "plain text is echoed"
        ws.send_binary(b"\x00\xffbinary")
        assert ws.recv() == b"\x00\xffbinary"
        send(ws, type="ping", id=5)
        assert recv(ws)["type"] == "pong"
        send(ws, type="shout", id=6)
        error = recv(ws)
        assert error["type"] == "error" and "shout" in error["message"] and error["id"] == 6
        send(ws, type="subscribe")
        assert "channel" in recv(ws)["message"]
        send(ws, type="subscribe", channel="bad channel!")
        assert "invalid" in recv(ws)["message"]
    finally:
        ws.close()


def test_fan_out_with_sequence_numbers(gw: Gateway) -> None:
    a, b, publisher = connect(gw), connect(gw), connect(gw)
    try:
        send(a, type="subscribe", channel="fan", id=1)
        assert recv(a) == {"type": "subscribed", "channel": "fan", "seq": 0, "id": 1}
        send(publisher, type="publish", channel="fan", data="first")
        assert recv(publisher)["seq"] == 1
        send(b, type="subscribe", channel="fan")
        assert recv(b)["seq"] == 1  # b knows it starts after event 1
        for i in range(2, 6):
            send(publisher, type="publish", channel="fan", data=i)
            reply = recv(publisher)
            assert reply == {"type": "published", "channel": "fan", "seq": i, "subscribers": 2}
        r = requests.post(gw.url + "/api/events/fan", json={"from": "http"}, timeout=5)
        assert r.json() == {"channel": "fan", "seq": 6, "subscribers": 2}
        got_a, got_b = events_until_pong(a), events_until_pong(b)
        assert [e["seq"] for e in got_a] == [1, 2, 3, 4, 5, 6]
        assert [e["seq"] for e in got_b] == [2, 3, 4, 5, 6]
        assert got_a[0] == {**got_a[0], "type": "event", "channel": "fan", "data": "first"}
        assert got_b[-1]["data"] == {"from": "http"}
        assert all(abs(e["ts_ns"] - time.time_ns()) < 60e9 for e in got_a)
        send(a, type="unsubscribe", channel="fan")
        assert recv(a) == {"type": "unsubscribed", "channel": "fan", "seq": 6}
        send(publisher, type="publish", channel="fan", data=7)
        assert recv(publisher)["subscribers"] == 1
        assert events_until_pong(a) == []
        assert [e["seq"] for e in events_until_pong(b)] == [7]
    finally:
        for ws in (a, b, publisher):
            ws.close()


def test_missions_are_published_on_the_missions_channel(gw: Gateway) -> None:
    ws = connect(gw)
    try:
        send(ws, type="subscribe", channel="missions")
        recv(ws)
        created = requests.post(gw.url + "/api/missions", json={"name": "m"}, timeout=5).json()
        (event,) = events_until_pong(ws)
        assert event["data"] == {"event": "created", "mission": created}
    finally:
        ws.close()


def test_dropped_events_are_counted_exactly() -> None:
    with running("--admin", "--drop-events", "0.3", "--seed", "7") as gw:
        sub, publisher = connect(gw), connect(gw)
        try:
            send(sub, type="subscribe", channel="lossy")
            recv(sub)
            for i in range(300):
                send(publisher, type="publish", channel="lossy", data=i)
            replies = [recv(publisher) for _ in range(300)]
            assert [r["seq"] for r in replies] == list(range(1, 301))
            received = events_until_pong(sub)
            seqs = [e["seq"] for e in received]
            assert seqs == sorted(seqs)
            missed = 300 - len(received)
            channel = stats(gw)["channels"]["lossy"]
            assert channel["dropped"] == missed
            assert 0 < missed < 300
            assert channel["enqueued"] == len(received) and channel["overflowed"] == 0
            metrics = requests.get(gw.url + "/metrics", timeout=5).text
            assert f"perfgate_gateway_ws_events_dropped_total {float(missed)}" in metrics
            assert "perfgate_gateway_ws_events_published_total 300.0" in metrics
        finally:
            sub.close()
            publisher.close()


def test_slow_subscriber_overflow_is_counted_exactly() -> None:
    with running("--admin", "--ws-queue", "2") as gw:
        sub = websocket.create_connection(
            gw.ws_url, timeout=10, sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 32768),)
        )
        publisher = connect(gw)
        try:
            send(sub, type="subscribe", channel="big")
            recv(sub)
            # 128 x 128 KiB (16 MiB) is far more than the socket buffers hold
            # (the subscriber's receive buffer is pinned small, so kernel
            # autotuning cannot absorb it) while the subscriber reads nothing,
            # so its two-slot queue overflows.
            payload = "z" * 131072
            for _ in range(128):
                send(publisher, type="publish", channel="big", data=payload)
            for _ in range(128):
                recv(publisher)
            received = events_until_pong(sub)
            channel = stats(gw)["channels"]["big"]
            assert channel["overflowed"] == 128 - len(received) > 0
            assert channel["dropped"] == 0
            assert all(e["data"] == payload for e in received)
        finally:
            sub.close()
            publisher.close()


def test_server_side_event_rate_and_run_time_change() -> None:
    with running("--admin", "--event-rate", "200", "--event-bytes", "32") as gw:
        ws = connect(gw)
        try:
            send(ws, type="subscribe", channel="ticker")
            assert recv(ws)["type"] == "subscribed"
            first = [recv(ws) for _ in range(20)]
            assert [e["seq"] for e in first] == list(range(1, 21))
            assert first[0]["data"] == {"generated": True, "pad": "x" * 32}
            # Stop this channel's generator at run time: events stop coming.
            r = requests.post(
                gw.url + "/admin/config", json={"channel_rates": {"ticker": 0}}, timeout=5
            )
            assert r.json()["channel_rates"] == {"ticker": 0.0}
            wait_for(lambda: stats(gw)["channels"]["ticker"]["published"] > 0)
            events_until_pong(ws)
            settled = stats(gw)["channels"]["ticker"]["published"]
            time.sleep(0.2)
            assert stats(gw)["channels"]["ticker"]["published"] == settled
            # And restart it.
            requests.post(gw.url + "/admin/config", json={"channel_rates": {"ticker": 500}})
            assert recv(ws)["seq"] == settled + 1
        finally:
            ws.close()


def test_channel_rate_option_applies_to_one_channel() -> None:
    with running("--channel-rate", "only=100") as gw:
        ws = connect(gw)
        try:
            send(ws, type="subscribe", channel="other")
            send(ws, type="subscribe", channel="only")
            assert recv(ws)["channel"] == "other"
            assert recv(ws)["channel"] == "only"
            events = [recv(ws) for _ in range(5)]
            assert {e["channel"] for e in events} == {"only"}
        finally:
            ws.close()


def test_json_rpc_over_ws_with_resource_notifications(gw: Gateway) -> None:
    ws = connect(gw)
    try:
        uri = "gateway://b2/counter"
        send(ws, jsonrpc="2.0", id=1, method="resources/subscribe", params={"uri": uri})
        assert recv(ws) == {"jsonrpc": "2.0", "id": 1, "result": {}}
        send(ws, jsonrpc="2.0", id=2, method="tools/call", params={"name": "b2.increment"})
        first, second = recv(ws), recv(ws)
        note, answer = (first, second) if "method" in first else (second, first)
        assert note["method"] == "notifications/resources/updated"
        assert note["params"]["uri"] == uri
        value = json.loads(answer["result"]["content"][0]["text"])["value"]
        assert note["params"]["value"] == value
        # Increments through HTTP notify WebSocket subscribers too.
        requests.post(
            gw.url + "/rpc",
            json={
                "jsonrpc": "2.0",
                "id": 3,
                "method": "tools/call",
                "params": {"name": "b2.increment"},
            },
            timeout=5,
        )
        assert recv(ws)["params"]["value"] == value + 1
        send(ws, jsonrpc="2.0", id=4, method="resources/unsubscribe", params={"uri": uri})
        assert recv(ws)["id"] == 4
        send(ws, jsonrpc="2.0", id=5, method="tools/call", params={"name": "b2.increment"})
        assert recv(ws)["id"] == 5  # no notification before the answer any more
    finally:
        ws.close()


def test_ws_needs_the_token_when_auth_is_on() -> None:
    with running("--token", "k") as gw:
        with pytest.raises(websocket.WebSocketBadStatusException) as info:
            connect(gw)
        assert info.value.status_code == 401
        ws = websocket.create_connection(gw.ws_url + "?token=k", timeout=10)
        ws.close()
        ws = connect(gw, Authorization="Bearer k")
        ws.close()


def test_sigterm_sends_close_frames_and_exits_zero(start_gateway) -> None:
    gw = start_gateway("--event-rate", "50")
    clients = [connect(gw) for _ in range(3)]
    try:
        for ws in clients:
            send(ws, type="subscribe", channel="live")
        wait_for(
            lambda: requests.get(gw.url + "/metrics", timeout=5).text.count(
                "perfgate_gateway_subscriptions 3.0"
            )
        )
        gw.proc.send_signal(15)
        for ws in clients:
            while True:
                opcode, frame = ws.recv_data_frame(True)
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    break
            assert int.from_bytes(frame.data[:2], "big") == 1001
            assert frame.data[2:] == b"gateway shutting down"
        assert gw.proc.wait(timeout=15) == 0
    finally:
        for ws in clients:
            ws.close()


def test_rpc_calls_on_one_socket_run_concurrently() -> None:
    with running("--slow-ms", "3000") as gw:
        ws = connect(gw)
        try:
            send(ws, jsonrpc="2.0", id=1, method="tools/call", params={"name": "b1.slow"})
            send(ws, jsonrpc="2.0", id=2, method="tools/call", params={"name": "b1.echo"})
            # The fast call is answered while the slow one still waits.
            assert recv(ws)["id"] == 2
            send(ws, jsonrpc="1.0", id=3, method="ping")
            assert recv(ws)["error"]["code"] == -32600
        finally:
            ws.close()


def test_channel_limit_refuses_new_channels() -> None:
    with running("--max-channels", "2") as gw:
        ws = connect(gw)
        try:
            for name in ("one", "two"):
                send(ws, type="subscribe", channel=name)
                assert recv(ws)["type"] == "subscribed"
            send(ws, type="subscribe", channel="three")
            assert "--max-channels" in recv(ws)["message"]
            r = requests.post(gw.url + "/api/events/four", json=1, timeout=5)
            assert r.status_code == 409 and "--max-channels" in r.json()["error"]["message"]
            r = requests.post(gw.url + "/api/events/bad%20name", json=1, timeout=5)
            assert r.status_code == 400
            assert requests.post(gw.url + "/api/events/two", timeout=5).json()["seq"] == 1
        finally:
            ws.close()
