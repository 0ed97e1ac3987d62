"""SSE load runs against the reference gateway's /sse/{channel} route (real processes,
real sockets) and against servers that are no event stream."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from refgw_helpers import Gateway

from perfgate.load.sse import SseFormat, SseLoadConfig, SseResult, run_event_stream_load
from perfgate.load.sse.plan import plan_event_stream_run
from perfgate.load.sse.report import render_html, summary_line
from perfgate.load.sse.runner import execute, read_saved

from .conftest import BadServer

SERVER_STAMPS = SseFormat(time_field="ts_ns", time_format="epoch_ns")


def run(url: str, **fields: Any) -> SseResult:
    """10 streams for 2 s after a 0.5 s warm-up, server-generated events, unless told."""
    settings: dict[str, Any] = {
        "url": url,
        "connections": 10,
        "event_rate": 0.0,
        "duration_s": 2.5,
        "warmup_s": 0.5,
        "timeout_s": 5.0,
        "protocol": SERVER_STAMPS,
        **fields,
    }
    return run_event_stream_load(SseLoadConfig(**settings))


def test_server_events_are_timed_and_counted_exactly(start_gateway: Any) -> None:
    gw: Gateway = start_gateway("--event-rate", "40")
    result = run(f"{gw.url}/sse/{{channel}}")
    assert result.connection_success_rate == 1.0 and result.connect_attempts == 10
    assert result.events_expected > 400 and result.events_lost == 0
    assert result.events_received == result.events_expected
    assert result.latency_samples > 0 and result.event_latency_p95 < 200
    assert 0 < result.first_event_p50 < 1000
    assert result.disconnections == 0 and result.time_format == "epoch_ns"
    assert result.timeline and result.timeline[0].warmup and not result.timeline[-1].warmup


def test_events_published_through_the_trigger_carry_perfgates_send_time(
    start_gateway: Any,
) -> None:
    gw: Gateway = start_gateway()
    result = run(
        f"{gw.url}/sse/{{channel}}",
        event_rate=50.0,
        publish_url=f"{gw.url}/api/events/{{channel}}",
        protocol=SseFormat(),
    )
    assert result.events_sent >= 80 and result.publish_errors == 0
    assert result.latency_samples > 500 and result.time_format == "perfgate"
    assert result.events_lost == 0 and result.events_received == result.events_expected


def test_a_stream_the_server_ends_is_reopened_with_last_event_id(start_gateway: Any) -> None:
    gw: Gateway = start_gateway("--event-rate", "40")
    result = run(f"{gw.url}/sse/{{channel}}?close_after=10", connections=4, duration_s=3.5)
    assert result.disconnections >= 4 and result.reconnects >= 4
    # The gateway replays what the client missed while away: nothing lost, nothing twice.
    assert result.events_lost == 0 and result.events_duplicated == 0
    assert result.events_received == result.events_expected > 0


def test_events_the_gateway_drops_are_lost_exactly(start_gateway: Any) -> None:
    gw: Gateway = start_gateway("--event-rate", "50", "--drop-events", "0.2", "--seed", "3")
    result = run(f"{gw.url}/sse/{{channel}}", connections=5)
    assert result.events_lost > 0
    assert result.events_received + result.events_lost == result.events_expected
    assert 0.1 < result.event_loss_rate < 0.3


def test_a_ramp_opens_the_streams_at_its_rate(start_gateway: Any) -> None:
    gw: Gateway = start_gateway("--event-rate", "40")
    # Streams open at 0, 0.67, 1.33 and 2 s: two by the end of the first second, all by the third.
    result = run(f"{gw.url}/sse/{{channel}}", connections=4, ramp_per_s=1.5, duration_s=3.0,
                 warmup_s=0.0)  # fmt: skip
    assert result.ramp_per_s == 1.5 and result.connect_attempts == 4
    assert result.timeline[0].target == 2 and result.timeline[-1].target == 4
    assert result.timeline[0].connected == 2 and result.timeline[-1].connected == 4
    assert result.events_lost == 0 and result.events_received == result.events_expected > 0


def test_a_ramp_is_a_rate_a_time_or_at_once() -> None:
    def ramp(**arguments: Any) -> float:
        plan = plan_event_stream_run("http://127.0.0.1:1/sse/{channel}", event_rate=0, **arguments)
        return plan.config.ramp

    assert ramp(ramp="200/s") == 200
    # A ramp given as a time shrinks with the run, as its duration does; a rate does not.
    assert ramp(ramp="5 s", time_scale=0.5) == 20
    assert ramp(ramp="20/s", time_scale=0.5) == 20
    assert ramp(ramp="0") == math.inf
    assert ramp(warmup="4 s", time_scale=1) == 25
    assert ramp(warmup="0 s") == math.inf


def test_a_json_rpc_post_opens_the_stream(start_gateway: Any) -> None:
    gw: Gateway = start_gateway("--event-rate", "40")
    body = '{"jsonrpc": "2.0", "id": 1, "method": "subscribe", "params": {"channel": "{channel}"}}'
    result = run(f"{gw.url}/sse/{{channel}}", method="POST", body=body, connections=3)
    assert result.method == "POST" and result.connection_success_rate == 1.0
    assert result.events_lost == 0 and result.events_received > 100


def test_the_result_is_saved_judged_and_read_back(start_gateway: Any, tmp_path: Any) -> None:
    gw: Gateway = start_gateway("--event-rate", "40")
    plan = plan_event_stream_run(
        f"{gw.url}/sse/{{channel}}",
        connections=3,
        event_rate=0,
        duration="2 s",
        warmup="0.5 s",
        protocol={"time_field": "ts_ns"},
        time_format="epoch_ns",
        thresholds="first_event_p95 < 5 s, events_lost == 0",
        time_scale=1,
    )
    console: list[str] = []
    outcome = execute(
        plan.config, plan.thresholds, gateway=gw.proc.pid, console=console.append,
        directory=tmp_path,
    )  # fmt: skip
    assert not outcome.verdict.failed
    assert console and "streams 3/3" in console[-1]
    memory = outcome.result.gateway_memory
    assert memory is not None and memory.peak_mb > 10 and len(memory.t) >= 4
    assert outcome.result.metric("gateway_memory_peak_mb") == memory.peak_mb
    page = render_html(outcome.result, outcome.verdict, "r.json")
    assert "Time to first event" in page and "Gateway memory" in page
    assert page.count("<svg") == 4
    assert summary_line(outcome.result).startswith(f"SSE on {gw.url}/sse/perfgate-sse-")
    saved = json.loads(outcome.json_path.read_text())
    assert saved["kind"] == "sse" and saved["verdict"]["passed"] is True
    again = read_saved(outcome.json_path)
    assert again.events_received == outcome.result.events_received
    assert again.metric("first_event_p95") == pytest.approx(outcome.result.first_event_p95)
    assert again.metric("nonsense") is None
    assert again.gateway_memory == memory and saved["gateway_memory_peak_mb"] == memory.peak_mb
    # A file saved before `gateway_memory` existed reads as a run without it.
    del saved["gateway_memory"], saved["gateway_memory_peak_mb"]
    assert SseResult.from_dict(saved).gateway_memory is None


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "/html",
            "The gateway answered text/html at {url} instead of text/event-stream; is the URL "
            "its event stream?",
        ),
        (
            "/nowhere",
            "The gateway answered HTTP 404 at {url} instead of an event stream; check the URL.",
        ),
        ("/closes", "The stream at {url} closed before its first event; is the channel right?"),
        (
            "/silent",
            "The stream at {url} sent no event within the timeout of 0.5 s; does its channel get "
            "events (give publish_url, or event_rate=0 when the server generates them)?",
        ),
    ],
)
def test_what_is_no_event_stream_fails_before_the_run_in_one_sentence(
    bad_server: BadServer, path: str, message: str
) -> None:
    url = bad_server.url + path
    with pytest.raises(ValueError) as failure:
        run(url, timeout_s=0.5)
    assert str(failure.value) == message.format(url=url)


def test_a_refused_connection_fails_in_one_sentence(bad_server: BadServer) -> None:
    url = bad_server.url
    bad_server.stop()
    with pytest.raises(ConnectionError, match="connection refused; is the gateway running"):
        run(f"{url}/html")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"event_rate": 10}, "publishing at event_rate needs publish_url"),
        ({"method": "PUT"}, "method must be GET or POST"),
        ({"connections": 0}, "connections must be a whole number >= 1"),
        ({"protocol": {"bogus": "x"}}, "unknown protocol field 'bogus'"),
        ({"duration": "soon"}, "duration must be a duration such as"),
        ({"ramp": "fast"}, "invalid ramp 'fast'; use e.g. '200/s', '5 s' or '0'"),
    ],
)
def test_bad_arguments_are_one_sentence(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan_event_stream_run("http://127.0.0.1:1/sse/{channel}", **arguments)


def test_an_interrupted_run_leaves_no_worker(start_gateway: Any) -> None:
    gw: Gateway = start_gateway("--event-rate", "40")

    def interrupt(progress: Any) -> None:
        raise KeyboardInterrupt

    config = SseLoadConfig(url=f"{gw.url}/sse/{{channel}}", connections=4, event_rate=0.0,
                           duration_s=30.0, warmup_s=0.0, workers=2)  # fmt: skip
    pids: list[int] = []
    with pytest.raises(KeyboardInterrupt):
        run_event_stream_load(config, on_progress=interrupt, on_worker_started=pids.append)
    assert len(pids) == 2  # the autouse fixture checks that none of them is left
