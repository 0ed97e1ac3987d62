"""SSE /sse/{channel}: subscribe, events with id = seq, resume with Last-Event-ID,
the JSON-RPC POST form, and the stream ending on SIGTERM."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from refgw_helpers import Gateway, running


@pytest.fixture(scope="module")
def gw() -> Iterator[Gateway]:
    with running("--channel-rate", "fast=50", "--admin") as gateway:
        yield gateway


def messages(response: requests.Response, n: int) -> list[dict[str, Any]]:
    """The first `n` messages of a stream: their fields, `data` decoded (comments skipped)."""
    out: list[dict[str, Any]] = []
    fields: dict[str, Any] = {}
    for line in response.iter_lines(decode_unicode=True):
        if line:
            name, _, value = line.partition(":")
            fields[name] = value.strip()
            continue
        if "data" in fields:
            fields["data"] = json.loads(fields["data"])
            out.append(fields)
            if len(out) == n:
                break
        fields = {}
    return out


def test_a_stream_opens_with_retry_and_the_subscribed_seq_then_numbered_events(gw: Gateway) -> None:
    with requests.get(f"{gw.url}/sse/fast", stream=True, timeout=10) as r:
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith("text/event-stream")
        first, *events = messages(r, 4)
    assert first["retry"] == "1000" and "id" not in first
    assert first["data"]["type"] == "subscribed"
    base = first["data"]["seq"]
    seqs = [e["data"]["seq"] for e in events]
    assert seqs == [base + 1, base + 2, base + 3]
    assert [int(e["id"]) for e in events] == seqs


def test_last_event_id_resumes_with_the_events_missed(gw: Gateway) -> None:
    for n in range(5):
        requests.post(f"{gw.url}/api/events/resume", json={"n": n}, timeout=5)
    headers = {"Last-Event-ID": "2"}
    with requests.get(f"{gw.url}/sse/resume", headers=headers, stream=True, timeout=10) as r:
        _, *events = messages(r, 4)
    assert [e["data"]["seq"] for e in events] == [3, 4, 5]


def test_close_after_ends_the_stream(gw: Gateway) -> None:
    with requests.get(f"{gw.url}/sse/fast?close_after=2", stream=True, timeout=10) as r:
        got = messages(r, 10)
    assert len(got) == 3  # subscribed + 2 events, then the end


def test_post_answers_a_json_rpc_request_first(gw: Gateway) -> None:
    body = {"jsonrpc": "2.0", "id": 7, "method": "subscribe"}
    with requests.post(f"{gw.url}/sse/fast", json=body, stream=True, timeout=10) as r:
        first, event = messages(r, 2)
    assert first["data"]["id"] == 7 and first["data"]["result"]["type"] == "subscribed"
    assert event["data"]["type"] == "event"


def test_a_bad_last_event_id_is_refused(gw: Gateway) -> None:
    r = requests.get(f"{gw.url}/sse/x", headers={"Last-Event-ID": "abc"}, timeout=5)
    assert r.status_code == 400


def test_sigterm_ends_open_streams() -> None:
    with running() as gateway:
        r = requests.get(f"{gateway.url}/sse/quiet", stream=True, timeout=10)
        assert messages(r, 1)[0]["data"]["type"] == "subscribed"
        assert gateway.stop(timeout=10) == 0
        r.close()


def sse_streams(gateway: Gateway) -> int:
    stats = requests.get(f"{gateway.url}/admin/stats", timeout=5).json()
    return int(stats["sse_streams"])


def test_a_stream_whose_client_went_away_ends_on_a_quiet_channel(gw: Gateway) -> None:
    with requests.get(f"{gw.url}/sse/quiet-gone", stream=True, timeout=10) as r:
        assert messages(r, 1)[0]["data"]["type"] == "subscribed"
        assert sse_streams(gw) >= 1
    # No event will come on this channel: the gateway finds out from the connection.
    deadline = time.monotonic() + 5
    while sse_streams(gw) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sse_streams(gw) == 0


def test_an_idle_stream_gets_keep_alive_comments() -> None:
    with (
        running("--sse-keepalive", "0.5") as gateway,
        requests.get(f"{gateway.url}/sse/idle", stream=True, timeout=10) as r,
    ):
        lines = r.iter_lines(decode_unicode=True)
        seen = [next(lines) for _ in range(5)]
    assert seen[:2] == ["retry: 1000", seen[1]] and seen[1].startswith("data: ")
    assert ": keep-alive" in seen[3:]
