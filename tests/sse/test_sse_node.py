"""Events a Server-Sent Events server on Node's own `http` module (tests/fixtures/node-sse)
generates and stamps with Date.now(): no `subscribed` message, CRLF line ends, keep-alive
comments, its own `retry:`; the loss counted exactly against the server's count of what it
skipped, and streams it ends reopened where they left off."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

from perfgate.gateway.manager import Gateway
from perfgate.load.sse import SseFormat, SseLoadConfig, SseResult, run_event_stream_load

from .conftest import StartServer

SERVER = Path(__file__).resolve().parents[1] / "fixtures" / "node-sse" / "server.js"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed (apt-get install nodejs)"
)
STREAMS = 5


def start(start_server: StartServer, *options: str) -> Gateway:
    return start_server([str(NODE), str(SERVER), "--port", "{port}", "--rate", "200", *options])


def run(gw: Gateway) -> SseResult:
    """2 s of 200 events/s to STREAMS streams, no warm-up, the server's Date.now() stamps."""
    config = SseLoadConfig(
        url=f"http://127.0.0.1:{gw.port}/events/{{channel}}",
        connections=STREAMS,
        event_rate=0.0,
        duration_s=2.0,
        warmup_s=0.0,
        protocol=SseFormat(time_field="ts", time_format="epoch_ms"),
    )
    return run_event_stream_load(config)


def server_stats(gw: Gateway) -> dict[str, int]:
    with urllib.request.urlopen(f"{gw.url}/stats", timeout=5) as answer:
        stats: dict[str, int] = json.loads(answer.read())
    return stats


def test_loss_is_the_servers_own_count_of_what_it_skipped(start_server: StartServer) -> None:
    gw = start(start_server, "--drop-every", "20")
    result = run(gw)
    dropped = server_stats(gw)["dropped"]
    assert result.events_expected > 1000 and result.events_lost > 0
    # Each stream may end on a skipped event that nothing after it revealed.
    assert dropped - STREAMS <= result.events_lost <= dropped
    assert result.events_received + result.events_lost == result.events_expected
    assert result.latency_samples == result.events_received
    assert result.time_format == "epoch_ms" and result.latency_uncertainty_ms >= 1.0
    assert result.unrecognized_messages == 0  # keep-alive comments are no messages


def test_streams_the_server_ends_resume_with_last_event_id(start_server: StartServer) -> None:
    gw = start(start_server, "--close-after", "50")
    result = run(gw)
    assert result.disconnections >= STREAMS and result.reconnects >= STREAMS
    assert result.events_lost == 0 and result.events_duplicated == 0
    assert result.events_received == result.events_expected > 1000


def test_the_fixture_survives_a_resume_longer_than_its_close_after(
    start_server: StartServer,
) -> None:
    # A client far behind gets its replay cut by --close-after; the fixture once wrote
    # the next live event to that ended stream and died, refusing every reconnect.
    gw = start(start_server, "--close-after", "5")
    for _ in range(3):  # 15 events kept: every stream ends after its 5
        with urllib.request.urlopen(f"{gw.url}/events/behind", timeout=5) as stream:
            assert stream.read().count(b"id: ") == 5
    for _ in range(20):
        request = urllib.request.Request(f"{gw.url}/events/behind", headers={"Last-Event-ID": "1"})
        with urllib.request.urlopen(request, timeout=5) as resumed:
            assert resumed.read().count(b"id: ") == 5  # the replay, cut at 5
    time.sleep(0.2)
    assert server_stats(gw)["sent"] == 15 + 20 * 5
