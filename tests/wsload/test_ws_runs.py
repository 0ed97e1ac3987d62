"""Real runs against the reference gateway: each mode, exact losses, dropped connections,
bad input and cleanup. Each run lasts 1-3 s."""

from __future__ import annotations

import json
import signal
import socket
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from refgw_helpers import Gateway

from perfgate.load.ws import FatalRunError, WsLoadConfig, WsProgress, run_websocket_load
from perfgate.load.ws.criteria import resolve_thresholds
from perfgate.load.ws.result import WebSocketResult
from perfgate.load.ws.runner import execute, read_saved

StartGateway = Callable[..., Gateway]


def stats(gw: Gateway) -> dict[str, Any]:
    with urllib.request.urlopen(f"{gw.url}/admin/stats", timeout=5) as answer:
        data: dict[str, Any] = json.loads(answer.read())
    return data


def config(gw: Gateway, **changes: Any) -> WsLoadConfig:
    settings: dict[str, Any] = {
        "url": gw.ws_url,
        "connections": 8,
        "event_rate": 100.0,
        "duration_s": 1.5,
        "warmup_s": 0.0,
        "ramp_per_s": 200.0,
    }
    settings.update(changes)
    return WsLoadConfig(**settings)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_echo_answers_every_message(start_gateway: StartGateway) -> None:
    gw = start_gateway()
    rows: list[WsProgress] = []
    result = run_websocket_load(
        config(gw, mode="echo", event_rate=200.0, warmup_s=0.3), on_progress=rows.append
    )
    assert result.kind == "websocket" and result.mode == "echo"
    assert result.connection_success_rate == 1.0 and result.connect_attempts == 8
    assert result.events_lost == 0 and result.event_loss_rate == 0.0
    assert result.events_received == result.events_expected
    # 200 messages a second over the 1.2 s measured, give or take the schedule's edges
    assert 200 < result.events_expected <= 245
    assert result.latency_samples == result.events_received
    assert 0 < result.event_latency_p50 <= result.event_latency_p95 <= result.event_latency_max
    assert result.disconnections == 0
    assert [r.warmup for r in result.timeline] == [True, False, False]
    assert rows and rows[-1].row is result.timeline[-1]


def test_broadcast_counts_every_delivery_and_agrees_with_the_gateway(
    start_gateway: StartGateway, tmp_path: Any
) -> None:
    gw = start_gateway("--admin")
    outcome = execute(
        config(gw, event_rate=150.0),
        resolve_thresholds(None),
        gateway=gw.proc.pid,
        directory=tmp_path,
    )
    result = outcome.result
    channel = stats(gw)["channels"][result.channel]
    assert result.events_sent == channel["published"] > 150
    assert result.events_received == result.events_expected == channel["enqueued"]
    assert result.events_lost == 0 and channel["dropped"] == 0
    assert result.events_duplicated == result.events_out_of_order == 0
    assert result.sessions == 8
    assert 0 < result.event_latency_p50 <= result.event_latency_p99
    assert result.gateway_memory is not None and result.gateway_memory.peak_mb > 10
    assert not outcome.verdict.failed, outcome.verdict.message()
    saved = json.loads(outcome.json_path.read_text())
    assert saved["verdict"]["passed"] is True
    assert saved["events_received"] == result.events_received
    again = read_saved(outcome.json_path)
    assert again.events_expected == result.events_expected
    assert again.timeline == result.timeline


def test_dropped_events_are_counted_exactly_as_the_gateway_counts_them(
    start_gateway: StartGateway,
) -> None:
    gw = start_gateway("--admin", "--drop-events", "0.2", "--seed", "7")
    result = run_websocket_load(config(gw, event_rate=200.0, connections=10))
    channel = stats(gw)["channels"][result.channel]
    assert channel["dropped"] > 0
    assert result.events_lost == channel["dropped"] + channel["overflowed"]
    assert result.events_received == channel["enqueued"]
    # Subscribers that joined after the first events do not expect those.
    assert channel["published"] * 9 < result.events_expected <= channel["published"] * 10
    assert result.events_expected == result.events_received + result.events_lost
    assert result.event_loss_rate == pytest.approx(0.2, abs=0.05)
    assert sum(r.lost for r in result.timeline) == result.events_lost


def test_warm_up_events_are_left_out_of_the_counts(start_gateway: StartGateway) -> None:
    gw = start_gateway("--admin", "--drop-events", "0.1", "--seed", "3")
    result = run_websocket_load(config(gw, warmup_s=0.5, event_rate=200.0, duration_s=1.5))
    channel = stats(gw)["channels"][result.channel]
    # Every subscriber was in before the warm-up ended: each expects the events
    # published after it, about 200 per second for 1 s.
    assert result.events_expected % 8 == 0
    assert 180 * 8 <= result.events_expected <= 220 * 8
    assert result.events_expected < channel["published"] * 8
    assert result.events_lost < channel["dropped"]
    assert result.events_lost + result.events_received == result.events_expected


def test_churn_opens_and_closes_sessions_without_leaving_subscriptions(
    start_gateway: StartGateway,
) -> None:
    gw = start_gateway("--admin")
    result = run_websocket_load(
        config(gw, mode="churn", connections=10, churn_rate=40.0, duration_s=2.0)
    )
    # Each of the 10 clients starts a 0.25 s session about every 0.25 s.
    assert result.sessions >= 40
    assert result.connect_attempts >= result.sessions
    assert result.connection_success_rate == 1.0
    assert result.events_lost == 0 and result.events_received == result.events_expected > 0
    assert result.disconnections == 0
    after = stats(gw)
    assert after["channels"][result.channel]["subscribers"] == 0


def test_a_gateway_stopped_mid_run_shows_as_disconnections(start_gateway: StartGateway) -> None:
    gw = start_gateway("--admin")

    def stop_at_one_second(progress: WsProgress) -> None:
        if progress.elapsed_s >= 1.0 and gw.proc.poll() is None:
            gw.proc.send_signal(signal.SIGTERM)

    result = run_websocket_load(
        config(gw, connections=6, duration_s=2.5, timeout_s=2.0), on_progress=stop_at_one_second
    )
    assert result.disconnections == 6
    assert result.connect_failures > 0
    assert result.connect_errors_by_kind.get("refused", 0) > 0
    assert result.connection_success_rate < 1.0
    assert result.publish_errors > 0
    assert result.timeline[-1].connected == 0
    assert result.events_received > 0


def test_rejected_handshakes_under_load_are_counted(start_gateway: StartGateway) -> None:
    gw = start_gateway("--max-connections", "5")
    result = run_websocket_load(config(gw, mode="echo", connections=8, duration_s=1.0))
    assert result.connect_errors_by_kind.get("http_503", 0) > 0
    assert result.connection_success_rate < 1.0
    assert result.timeline[-1].connected == 5


def test_events_published_over_http_arrive(start_gateway: StartGateway) -> None:
    gw = start_gateway()
    result = run_websocket_load(
        config(gw, publish_url=f"{gw.url}/api/events/{{channel}}", duration_s=1.2)
    )
    assert result.events_sent > 100
    assert result.events_received == result.events_expected
    assert result.events_sent * 7 < result.events_expected <= result.events_sent * 8
    assert result.publish_errors == 0


def test_a_refused_connection_is_one_sentence() -> None:
    url = f"ws://127.0.0.1:{free_port()}/ws"
    with pytest.raises(ConnectionError, match=r"connection refused; is the gateway running\?$"):
        run_websocket_load(WsLoadConfig(url=url, duration_s=1, warmup_s=0))


def test_a_refused_handshake_is_one_sentence(start_gateway: StartGateway) -> None:
    gw = start_gateway()
    with pytest.raises(ConnectionError, match="answered HTTP 200 instead of 101"):
        run_websocket_load(
            WsLoadConfig(url=f"ws://127.0.0.1:{gw.port}/api/health", duration_s=1, warmup_s=0)
        )


def test_a_failing_trigger_stops_the_run_with_one_sentence(start_gateway: StartGateway) -> None:
    gw = start_gateway()
    with pytest.raises(FatalRunError, match=r"answered HTTP 404; check publish_url=\.$"):
        run_websocket_load(config(gw, publish_url=f"{gw.url}/api/nothing/{{channel}}"))


def test_a_template_the_gateway_refuses_is_one_sentence(start_gateway: StartGateway) -> None:
    gw = start_gateway()
    cfg = config(gw)
    bad = WsLoadConfig(
        **{
            **cfg.__dict__,
            "protocol": cfg.protocol.with_overrides({"subscribe": '{"type": "sub"}'}),
        }
    )
    with pytest.raises(ValueError, match=r"subscribing to channel .* failed: the gateway answered"):
        run_websocket_load(bad)


def test_an_interrupt_stops_every_worker(start_gateway: StartGateway) -> None:
    gw = start_gateway()
    pids: list[int] = []

    def interrupt(progress: WsProgress) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_websocket_load(
            config(gw, duration_s=30.0, workers=2),
            on_progress=interrupt,
            on_worker_started=pids.append,
        )
    assert len(pids) == 2  # the autouse fixture checks that none of them is left


def test_results_read_back_from_json(tmp_path: Any) -> None:
    result = WebSocketResult(
        url="ws://x/ws", mode="echo", connections=1, event_rate=1.0, duration_s=1.0,
        warmup_s=0.0, ramp_per_s=None, channel="c", workers=1,
    )  # fmt: skip
    path = result.save_json(tmp_path / "r.json")
    again = WebSocketResult.from_dict(json.loads(path.read_text()))
    assert again.ramp_per_s is None and again.connect_p95 != again.connect_p95  # NaN
    assert again.metric("connect_p95") is None
    assert again.metric("events_lost") == 0.0
    assert (again.engine, again.namespace) == ("websocket", "")
    # A file saved before the engine was recorded is a plain WebSocket run.
    older = {k: v for k, v in result.to_dict().items() if k not in ("engine", "namespace")}
    assert WebSocketResult.from_dict(older).engine == "websocket"
    with pytest.raises(ValueError, match="not a WebSocket result"):
        WebSocketResult.from_dict({"kind": "load"})


def test_headers_go_with_every_handshake_and_trigger(start_gateway: StartGateway) -> None:
    gw = start_gateway("--token", "s3cret")
    with pytest.raises(
        ConnectionError, match="refused with HTTP 401; give the gateway's credentials"
    ):
        run_websocket_load(config(gw))
    result = run_websocket_load(
        config(
            gw,
            headers={"Authorization": "Bearer s3cret"},
            publish_url=f"{gw.url}/api/events/{{channel}}",
            duration_s=1.0,
        )
    )
    assert result.connection_success_rate == 1.0 and result.publish_errors == 0
    assert result.events_received == result.events_expected > 0
