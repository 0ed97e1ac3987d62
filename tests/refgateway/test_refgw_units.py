"""In-process units: options, command line, store, backends, pub/sub and RPC."""

from __future__ import annotations

import asyncio
import json
import random

import pytest

from perfgate.refgateway.__main__ import main
from perfgate.refgateway.admin import updated_options
from perfgate.refgateway.backends import backend_delay_ms
from perfgate.refgateway.cli import parse_options
from perfgate.refgateway.options import GatewayOptions
from perfgate.refgateway.pubsub import ChannelLimitError, PubSubHub, Subscriber
from perfgate.refgateway.rpc import RpcService
from perfgate.refgateway.store import MissionStore, make_specs, search_specs, spec_number


def test_parse_options_reads_every_kind_of_flag() -> None:
    opts = parse_options(
        [
            "--port",
            "0",
            "--workers",
            "2",
            "--token",
            "t",
            "--admin",
            "--channel-rate",
            "news=5",
            "--route-backend",
            "/api/echo=slow",
            "--stall-every",
            "2",
            "--stall-for",
            "0.5",
        ]
    )
    assert (opts.port, opts.workers, opts.token, opts.admin) == (0, 2, "t", True)
    assert opts.channel_rates == {"news": 5.0}
    assert opts.route_backends["/api/echo"] == "slow"
    assert opts.route_backends["/api/missions"] == "fast"
    assert (opts.stall_every, opts.stall_for) == (2.0, 0.5)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--error-rate", "1.5"], "--error-rate 1.5 must be between 0 and 1."),
        (["--event-rate", "-1"], "--event-rate -1.0 must not be negative."),
        (["--stall-every", "1", "--stall-for", "2"], "--stall-for must be shorter"),
        (["--channel-rate", "news"], "must look like NAME=VALUE"),
        (["--channel-rate", "news=fast"], "bad value 'fast'"),
        (["--route-backend", "/nope=fast"], "route '/nope' is unknown"),
        (["--port", "70000"], "--port 70000 is out of range"),
        (["--token", ""], "--token must not be empty"),
        (["--bogus"], "Unrecognized arguments: --bogus"),
    ],
)
def test_bad_options_raise_one_sentence(argv: list[str], words: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_options(argv)
    message = str(info.value)
    assert words in message
    assert message.endswith(".")
    assert "\n" not in message


def test_main_returns_2_on_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--workers", "0"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "perfgate-gateway: --workers 0 must be between 1 and 64.\n"


def test_describe_lists_changed_options_and_hides_the_token() -> None:
    opts = GatewayOptions(token="secret", error_rate=0.5, channel_rates={"a": 2.0})
    words = opts.describe()
    assert words.startswith("backends=1 auth=on admin=off")
    assert "error_rate=0.5" in words
    assert "channel_rates=a=2.0" in words
    assert "secret" not in words
    assert "slow_ms" not in words


def test_admin_updates_are_validated_copies() -> None:
    live = GatewayOptions()
    new = updated_options(live, {"error_rate": 0.5, "channel_rates": {"x": 3}})
    assert new.error_rate == 0.5 and new.channel_rates == {"x": 3.0}
    assert live.error_rate == 0.0 and live.channel_rates == {}
    for bad, words in [
        ({"port": 1}, "cannot be changed at run time"),
        ({"error_rate": "high"}, "must be a number"),
        ({"error_rate": 2}, "must be between 0 and 1"),
        ({"max_connections": 1.5}, "must be an integer"),
        ({"route_backends": {"/api/echo": "warp"}}, "profile 'warp' is unknown"),
        ({}, "JSON object of knobs"),
    ]:
        with pytest.raises(ValueError, match=words):
            updated_options(live, bad)


def test_mission_store_evicts_oldest_and_counts() -> None:
    store = MissionStore(limit=3, max_bytes=10_000)
    ids = [store.add({"name": f"m{i}"}, 10)["id"] for i in range(5)]
    assert ids == [1, 2, 3, 4, 5]
    assert len(store) == 3 and store.evictions == 2 and store.bytes == 30
    assert store.get(1) is None and store.get(2) is None
    assert [m["id"] for m in store.newest(10)] == [5, 4, 3]
    assert [m["id"] for m in store.newest(2)] == [5, 4]
    store.resize(1, 10_000)
    assert [m["id"] for m in store.newest(10)] == [5]
    assert store.evictions == 4
    with pytest.raises(ValueError):
        store.resize(0, 1)


def test_mission_store_is_bounded_in_bytes_too() -> None:
    store = MissionStore(limit=1000, max_bytes=1000)
    for i in range(10):
        store.add({"n": i}, 300)
    # 3 x 300 fits in 1000 bytes; the rest were evicted oldest first.
    assert [m["n"] for m in store.newest(100)] == [9, 8, 7]
    assert store.bytes == 900 and store.evictions == 7
    # A mission bigger than the whole bound is still kept while it is the newest.
    store.add({"n": "big"}, 5000)
    assert [m["n"] for m in store.newest(100)] == ["big"]
    store.add({"n": "next"}, 10)
    assert [m["n"] for m in store.newest(100)] == ["next"]
    assert store.bytes == 10


def test_spec_catalogue_lookup_and_search() -> None:
    specs = make_specs()
    assert len(specs) == 250
    assert spec_number("007") == spec_number("7") == 7
    assert spec_number("abc") is None and spec_number("-1") is None
    assert specs[7].id == "007"
    for word in ("config", "test", "loop", "backend", "ui"):
        found = search_specs(specs, word.upper(), 1000)
        assert found, word
        assert all(word in s.haystack for s in found)
    assert len(search_specs(specs, "spec", 5)) == 5
    assert search_specs(specs, "no-such-word", 10) == []


def test_backend_profiles_have_their_distributions() -> None:
    rng = random.Random(5)
    fast = [backend_delay_ms("fast", rng, 500, 0.1) for _ in range(5000)]
    assert all(0 < d < 10 for d in fast)
    fast.sort()
    assert 1.5 < fast[len(fast) // 2] < 2.5  # median near 2 ms
    assert backend_delay_ms("slow", rng, 500, 0.1) == 500
    assert backend_delay_ms("none", rng, 500, 0.1) == 0
    mixed = [backend_delay_ms("mixed", rng, 500, 0.1) for _ in range(5000)]
    slow_share = sum(d == 500 for d in mixed) / len(mixed)
    assert 0.08 < slow_share < 0.12
    with pytest.raises(ValueError, match="unknown"):
        backend_delay_ms("warp", rng, 500, 0.1)


def _hub(drop: float = 0.0, max_channels: int = 100, seed: int = 1) -> PubSubHub:
    return PubSubHub(
        random.Random(seed),
        max_channels=lambda: max_channels,
        drop_rate=lambda: drop,
        rate_for=lambda _name: 0.0,
        event_bytes=lambda: 0,
    )


def _drain(sub: Subscriber) -> list[dict]:
    out = []
    while not sub.queue.empty():
        item = sub.queue.get_nowait()
        assert isinstance(item, str)
        out.append(json.loads(item))
    return out


def test_pubsub_sequences_drops_and_overflow_are_exact() -> None:
    async def scenario() -> None:
        hub = _hub(drop=0.25)
        a, b = Subscriber(10_000), Subscriber(10_000)
        assert hub.subscribe(a, "c") == 0
        hub.publish("c", {"before": True})  # seq 1, only a subscribed
        assert hub.subscribe(b, "c") == 1
        for i in range(999):
            hub.publish("c", i)
        got_a, got_b = _drain(a), _drain(b)
        stats = hub.channels["c"].stats()
        assert stats["published"] == 1000
        missed = (1000 - len(got_a)) + (999 - len(got_b))
        assert missed == stats["dropped"] > 0
        assert stats["enqueued"] == len(got_a) + len(got_b)
        seqs = [e["seq"] for e in got_b]
        assert seqs == sorted(seqs) and seqs[0] >= 2 and seqs[-1] <= 1000
        assert got_a[0]["type"] == "event" and got_a[0]["channel"] == "c"

        lossless = _hub()
        slow = Subscriber(3)
        lossless.subscribe(slow, "d")
        for i in range(10):
            lossless.publish("d", i)
        assert lossless.channels["d"].overflowed == 7
        assert [e["seq"] for e in _drain(slow)] == [1, 2, 3]

        hub.forget(a)
        assert a.channels == set()
        assert hub.channels["c"].subscribers == {b}

    asyncio.run(scenario())


def test_pubsub_rejects_bad_names_and_too_many_channels() -> None:
    async def scenario() -> None:
        hub = _hub(max_channels=2)
        sub = Subscriber(10)
        hub.subscribe(sub, "a")
        hub.publish("b", None)
        with pytest.raises(ChannelLimitError, match="--max-channels"):
            hub.subscribe(sub, "c")
        with pytest.raises(ValueError, match="invalid"):
            hub.publish("bad name!", None)
        assert hub.publish("a", 1) == (1, 1)

    asyncio.run(scenario())


def test_rpc_routes_tools_and_reports_errors() -> None:
    async def scenario() -> None:
        rpc = RpcService(3, lambda _profile: 0.0)
        listed = await rpc.handle({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, None)
        assert listed is not None
        names = [t["name"] for t in listed["result"]["tools"]]
        assert len(names) == 9 and "b3.increment" in names
        call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call"}
        answer = await rpc.handle(
            {**call, "params": {"name": "b2.echo", "arguments": {"k": 1}}}, None
        )
        assert answer is not None
        assert answer["result"]["backend"] == "b2"
        assert json.loads(answer["result"]["content"][0]["text"]) == {"k": 1}
        assert [b.calls for b in rpc.backends] == [0, 1, 0]
        bad = await rpc.handle({**call, "params": {"name": "b9.echo"}}, None)
        assert bad is not None and bad["error"]["code"] == -32602
        unknown = await rpc.handle({"jsonrpc": "2.0", "id": 3, "method": "nope"}, None)
        assert unknown is not None and unknown["error"]["code"] == -32601
        assert (await rpc.handle_text(b"{", None))["error"]["code"] == -32700
        assert (await rpc.handle_text(b"[]", None))["error"]["code"] == -32600
        note = {"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "b1.echo"}}
        assert await rpc.handle(note, None) is None
        assert rpc.backends[0].calls == 1

    asyncio.run(scenario())
