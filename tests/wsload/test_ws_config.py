"""Configuration, keyword arguments and pass criteria: every mistake is one sentence."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from perfgate.load.arguments import parse_ramp
from perfgate.load.fdlimit import FdLimit, fd_limit_error
from perfgate.load.ws.config import (
    DEFAULT_RAMP_PER_S,
    WsLoadConfig,
    WsProtocol,
    run_channel,
    trigger_url,
    validate,
    worker_count,
)
from perfgate.load.ws.criteria import DEFAULT_THRESHOLDS, resolve_thresholds
from perfgate.load.ws.plan import plan_websocket_run

URL = "ws://127.0.0.1:8080/ws"


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://127.0.0.1:8080/ws", "must start with ws:// or wss://"),
        ("127.0.0.1:8080", "must start with ws:// or wss://"),
        ("", "give a full URL"),
        ("ws:///ws", "has no host"),
        ("ws://127.0.0.1:99999/ws", "port is not a number"),
    ],
)
def test_bad_urls_are_one_sentence(url: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment) as err:
        validate(WsLoadConfig(url=url))
    assert "\n" not in str(err.value) and str(err.value).endswith(".")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"mode": "fanout"}, "unknown mode 'fanout'"),
        ({"connections": 0}, "connections must be a whole number"),
        ({"event_rate": -1}, "event_rate must be a finite number"),
        ({"mode": "echo", "event_rate": 0}, "echo mode needs an event_rate above 0"),
        ({"duration_s": 0}, "duration must be above 0"),
        ({"warmup_s": 5, "duration_s": 5}, "leaves nothing of the 5 s run"),
        ({"channel": "bad channel!"}, "channel name 'bad channel!' is invalid"),
        ({"publish_url": "ftp://x/{channel}"}, "invalid publish_url"),
        ({"timeout_s": 0}, "timeout must be above 0"),
        ({"workers": 0}, "workers must be a whole number"),
        ({"churn_rate": 0}, "churn_rate must be above 0"),
    ],
)
def test_bad_settings_are_refused(changes: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        validate(WsLoadConfig(url=URL, **changes))  # type: ignore[arg-type]


def test_ramp_forms() -> None:
    assert parse_ramp("200/s", 50) == 200
    assert parse_ramp("5 s", 50) == 10
    assert parse_ramp("0", 50) == math.inf
    assert parse_ramp("burst", 50) == math.inf
    assert parse_ramp("", 50) is None
    assert parse_ramp(None, 50) is None
    with pytest.raises(ValueError, match="invalid ramp 'fast'"):
        parse_ramp("fast", 50)
    with pytest.raises(ValueError, match="must be above 0 per second"):
        parse_ramp("0/s", 50)


def test_default_ramp_fills_the_first_half_of_the_warm_up() -> None:
    assert WsLoadConfig(url=URL, connections=100, warmup_s=4).ramp == 50
    assert WsLoadConfig(url=URL, warmup_s=0).ramp == DEFAULT_RAMP_PER_S
    assert WsLoadConfig(url=URL, ramp_per_s=math.inf).ramp == math.inf


def test_churn_sessions_last_connections_over_rate() -> None:
    assert WsLoadConfig(url=URL, connections=50).session_s == 1.0
    assert WsLoadConfig(url=URL, connections=50, churn_rate=25).session_s == 2.0


def test_workers_grow_with_connections_but_not_past_the_cores() -> None:
    assert worker_count(WsLoadConfig(url=URL, connections=50)) == 1
    assert worker_count(WsLoadConfig(url=URL, connections=10, workers=4)) == 4
    assert worker_count(WsLoadConfig(url=URL, connections=2, workers=4)) == 2
    assert 1 <= worker_count(WsLoadConfig(url=URL, connections=100_000)) <= 64


def test_channels_are_unique_per_run_unless_given() -> None:
    first, second = run_channel(WsLoadConfig(url=URL)), run_channel(WsLoadConfig(url=URL))
    assert first != second and first.startswith("perfgate-")
    assert run_channel(WsLoadConfig(url=URL, channel="mine")) == "mine"


def test_trigger_url_gets_the_channel_quoted() -> None:
    cfg = WsLoadConfig(url=URL, publish_url="http://h:1/api/events/{channel}")
    assert trigger_url(cfg, "a:b") == "http://h:1/api/events/a%3Ab"


def test_protocol_overrides_are_checked() -> None:
    p = WsProtocol().with_overrides({"time_field": "payload.sent"})
    assert p.time_field == "payload.sent"
    with pytest.raises(ValueError, match="unknown protocol field 'tme_field'"):
        WsProtocol().with_overrides({"tme_field": "x"})
    with pytest.raises(ValueError, match="must be text"):
        WsProtocol().with_overrides({"seq_field": 3})


def test_plan_turns_robot_arguments_into_a_config() -> None:
    plan = plan_websocket_run(
        URL,
        connections="200",
        event_rate="2k/s",
        duration=timedelta(seconds=30),
        warmup="5 s",
        mode="Echo",
        ramp="10 s",
        headers="Authorization: Bearer x",
        protocol='{"echo_seq_field": "data.n"}',
        echo_message='{"type": "echo", "data": {"n": {seq}, "t": {ts_ns}}}',
        time_scale=0.1,
    )
    cfg = plan.config
    assert (cfg.mode, cfg.connections, cfg.event_rate) == ("echo", 200, 2000.0)
    assert cfg.duration_s == pytest.approx(3.0) and cfg.warmup_s == pytest.approx(0.5)
    assert cfg.ramp_per_s == pytest.approx(200.0)  # 200 connections in 10 s x 0.1
    assert cfg.headers == {"Authorization": "Bearer x"}
    assert [t.text for t in plan.thresholds] == list(DEFAULT_THRESHOLDS)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"connections": "many"}, "connections must be a whole number"),
        ({"event_rate": "fast"}, "event_rate must be a rate"),
        ({"duration": "soon"}, "duration must be a duration"),
        ({"protocol": "[1]"}, "protocol must be a dictionary or a JSON object"),
        ({"workers": "two"}, "workers must be a whole number"),
        ({"thresholds": "event_latency_p95 < fast"}, "event_latency_p95"),
        ({"thresholds": "latency_p95 < 1 s"}, "unknown metric 'latency_p95'"),
    ],
)
def test_plan_errors_name_the_argument(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        plan_websocket_run(URL, time_scale=1, **kwargs)  # type: ignore[arg-type]


def test_plan_refuses_a_zero_time_scale() -> None:
    with pytest.raises(ValueError, match="time_scale must be a number above 0"):
        plan_websocket_run(URL, time_scale="0")


def test_a_threshold_on_a_default_metric_replaces_the_default() -> None:
    texts = [t.text for t in resolve_thresholds("event_loss_rate < 0.1%, disconnections == 0")]
    assert "event_loss_rate == 0%" not in texts
    assert "event_loss_rate < 0.1%" in texts and "disconnections == 0" in texts
    assert "connect_p95 < 500 ms" in texts


def test_none_drops_the_defaults() -> None:
    assert resolve_thresholds("NONE") == []
    assert [t.text for t in resolve_thresholds("NONE, events_lost < 5")] == ["events_lost < 5"]
    assert [t.text for t in resolve_thresholds(["NONE", "events_lost < 5"])] == ["events_lost < 5"]


def test_the_fd_limit_error_says_what_to_do() -> None:
    text = fd_limit_error(10_000, 1, FdLimit(soft=1024, hard=1024))
    assert "cannot open 10,000 connections with 1 worker(s)" in text
    assert "the limit is 1,024" in text and "ulimit -Hn" in text and "workers=" in text
    assert FdLimit(1024, 1024).allows(900)
    assert not FdLimit(1024, 1024).allows(1000)
    assert FdLimit(-1, -1).allows(10**6)
