"""The end of an SSE run: every client counts its losses up to the run's last number, the
gateway's own where it gives one (`perfgate.load.sse.lastnumber`), else the highest any
client of any worker had."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from typing import Any

import aiohttp
from refgw_helpers import Gateway

from perfgate.load.events.recorder import EventRecorder
from perfgate.load.events.tracker import Counts
from perfgate.load.sse import SseFormat, SseLoadConfig, run_event_stream_load
from perfgate.load.sse.client import Context, StreamClient
from perfgate.load.sse.lastnumber import Tops, channel_number, highest
from perfgate.load.sse.stream import Message


def worker_clients(url: str, *received: list[int]) -> list[StreamClient]:
    """One worker's clients, each subscribed at 0 and given the events numbered in its list."""
    now = time.monotonic_ns()
    ctx = Context(SseLoadConfig(url=url), "c", now, EventRecorder(now, now, "perfgate"))
    clients = []
    for numbers in received:
        client = StreamClient(ctx, now)
        client.take(Message('{"type": "subscribed", "seq": 0}'), now)
        for n in numbers:
            client.take(Message(json.dumps({"seq": n}), id=str(n)), now)
        clients.append(client)
    return clients


def total(clients: list[StreamClient], top: int | None) -> Counts:
    counts = Counts()
    for client in clients:
        counts.add(client.counts(top))
    return counts


def test_a_worker_whose_clients_all_missed_the_last_events_loses_them() -> None:
    first = worker_clients("http://127.0.0.1:1/sse/c", [1, 2, 3, 4, 5], [1, 2, 4, 5])
    second = worker_clients("http://127.0.0.1:1/sse/c", [1, 2, 3], [1, 3])
    top = highest(*(c.tracker.high for c in first + second if c.tracker is not None))
    assert top == 5
    # Worker 2 alone would have counted up to 3 and lost only event 2 of its second client.
    assert total(second, 3).lost == 1
    assert total(second, top) == Counts(expected=10, received=5, lost=5)
    assert total(first, top) == Counts(expected=10, received=9, lost=1)
    # The gateway's number, when it gives one, counts the events no client of the run had.
    assert total(first + second, highest(top, 7)).lost == 6 + 2 * 4


def test_highest_ignores_workers_that_had_no_event() -> None:
    assert highest(None, 4, None, 9) == 9
    assert highest(None, None) is None and highest() is None


def test_tops_gather_waits_for_every_other_worker_and_gives_up_in_time() -> None:
    async def gathered(tops: Tops, arriving: list[int | None], timeout_s: float) -> bool:
        loop = asyncio.get_running_loop()
        for k, number in enumerate(arriving):
            loop.call_later(0.02 * (k + 1), tops.take, number)
        return await tops.gather(timeout_s)

    tops = Tops(2)
    assert asyncio.run(gathered(tops, [7, None], 2.0)) and tops.received == [7, None]
    began = time.monotonic()
    assert not asyncio.run(gathered(Tops(2), [7], 0.2))
    assert time.monotonic() - began < 1.0
    assert asyncio.run(Tops(0).gather(5.0))  # one worker: nothing to wait for


def test_the_gateway_gives_the_channels_number_in_a_new_streams_first_message(
    start_gateway: Any,
) -> None:
    gw: Gateway = start_gateway()
    for n in range(3):
        publish(gw, "numbered", {"n": n})

    async def ask(config: SseLoadConfig, channel: str) -> int | None:
        now = time.monotonic_ns()
        ctx = Context(config, channel, now, EventRecorder(now, now, "perfgate"))
        async with aiohttp.ClientSession() as ctx.session:
            return await channel_number(ctx, 2.0)

    url = f"{gw.url}/sse/{{channel}}"
    assert asyncio.run(ask(SseLoadConfig(url=url), "numbered")) == 3
    rpc = SseLoadConfig(url=url, method="POST", body='{"jsonrpc": "2.0", "id": 1}')
    assert asyncio.run(ask(rpc, "numbered")) == 3
    # No `subscribed` message of that type: no number, rather than a guess.
    other = SseLoadConfig(url=url, protocol=SseFormat(subscribed_type="welcome"))
    assert asyncio.run(ask(other, "numbered")) is None


def admin(gw: Gateway, path: str, change: dict[str, Any] | None = None) -> dict[str, Any]:
    data = json.dumps(change).encode() if change is not None else None
    request = urllib.request.Request(f"{gw.url}/admin/{path}", data=data)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=5) as answer:
        result: dict[str, Any] = json.loads(answer.read())
    return result


def publish(gw: Gateway, channel: str, data: Any) -> None:
    request = urllib.request.Request(
        f"{gw.url}/api/events/{channel}", data=json.dumps(data).encode(), method="POST"
    )
    request.add_header("Content-Type", "application/json")
    urllib.request.urlopen(request, timeout=5).close()


def test_two_workers_lose_exactly_what_the_gateway_dropped(start_gateway: Any) -> None:
    gw: Gateway = start_gateway("--admin", "--seed", "5")
    config = SseLoadConfig(
        url=f"{gw.url}/sse/{{channel}}",
        channel="dropping",
        connections=4,
        workers=2,
        event_rate=100.0,
        publish_url=f"{gw.url}/api/events/{{channel}}",
        duration_s=2.0,
        warmup_s=0.0,
        timeout_s=5.0,
    )
    started: list[int] = []

    def drop_from_now(pid: int) -> None:
        """Once the pre-run probe is done: the gateway notices that its stream closed only
        when it writes the next event to it, so one event first (before the run's streams
        open, as the workers are just starting), then drops."""
        if not started:
            publish(gw, "dropping", {"before": "the run"})
            admin(gw, "config", {"drop_events": 0.5})
        started.append(pid)

    result = run_event_stream_load(config, on_worker_started=drop_from_now)
    channel = admin(gw, "stats")["channels"]["dropping"]
    assert result.workers == 2 and channel["dropped"] > 50
    assert result.events_lost == channel["dropped"] + channel["overflowed"]
    # Every other delivery reached a client of the run, but the probe's two events.
    assert result.events_received == channel["enqueued"] - 2
    assert result.events_expected == result.events_received + result.events_lost
    # Streams that opened after the first events of the run do not expect those.
    assert 4 * (channel["published"] - 2) - 20 < result.events_expected
    assert result.events_expected <= 4 * (channel["published"] - 2)
