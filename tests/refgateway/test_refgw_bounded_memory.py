"""The reference gateway does not grow without bound unless a knob asks it to.

Checked the way PerfGate checks any gateway: its own load engine drives a
mix of every kind of request, and its own memory sampler reads the
gateway's process tree. Once the bounded structures are full, more load
must not raise the memory floor further.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from perfgate.gateway.manager import Gateway, GatewayManager, reference_gateway_command
from perfgate.load.http import LoadConfig, run_load
from perfgate.load.stages import Stage
from perfgate.memory.sources import ProcessTreeSource
from perfgate.procs.reaper_client import ReaperClient

MIX = {
    "name": "every-route",
    "requests": [
        {"name": "health", "path": "/health"},
        {"name": "echo", "path": "/api/echo?size={choice:10|1000|60000}"},
        {
            "name": "create",
            "weight": 3,
            "method": "POST",
            "path": "/api/missions",
            "headers": {"Content-Type": "application/json"},
            "body": '{"name": "mission {seq}", "pad": "' + "x" * 2000 + '"}',
            "expect": {"status": "201"},
        },
        {"name": "list", "path": "/api/missions"},
        {"name": "spec", "path": "/api/specs/{choice:1|2|999999}", "expect": {"status": "200,404"}},
        {"name": "search", "path": "/api/specs/search?q={choice:a|b|mission}"},
        {
            "name": "publish",
            "method": "POST",
            "path": "/api/events/ch{choice:1|2|3}",
            "headers": {"Content-Type": "application/json"},
            "body": '{"n": {seq}}',
        },
    ],
}


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Gateway]]:
    reaper = ReaperClient(state_dir=str(tmp_path / "registry"))
    manager = GatewayManager(reaper)

    def start_gateway(*knobs: str) -> Gateway:
        return manager.start(
            [*reference_gateway_command(), "--max-store-items", "300", *knobs],
            output_dir=str(tmp_path),
            timeout_s=30,
        )

    try:
        yield start_gateway
    finally:
        manager.stop_scope(None, 5)
        reaper.close()


def floor_mb(source: ProcessTreeSource, samples: int = 5) -> float:
    return min(source.sample().rss_mb for _ in range(samples))


def floors_under_load(gw: Gateway, scenario: Path) -> tuple[float, float, int]:
    """(floor after a first round, floor after two more, requests sent)."""
    source = ProcessTreeSource(gw.pid)  # type: ignore[arg-type]

    def round_of_load() -> int:
        result = run_load(
            LoadConfig(
                url=gw.url,
                scenario=str(scenario),
                stages=[Stage(0, 8), Stage(2.0, 8)],
                workers=1,
                seed=7,
            )
        )
        assert result.errors == 0, result.errors_by_kind
        return result.requests

    sent = round_of_load()  # fills the store and every cache
    first = floor_mb(source)
    for _ in range(2):
        sent += round_of_load()
    return first, floor_mb(source), sent


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "mix.json"
    path.write_text(json.dumps(MIX))
    return path


def test_memory_floor_stops_rising_once_bounded_structures_are_full(
    start: Callable[..., Gateway], scenario: Path
) -> None:
    gw = start()
    first, later, sent = floors_under_load(gw, scenario)
    assert len(requests.get(f"{gw.url}/api/missions", timeout=10).json()) <= 300
    assert sent > 3000, "too little load to tell"
    # Thousands more requests, each keeping 2 KB if the store leaked, must
    # not move the floor by more than allocator noise.
    assert later - first < 8.0, (first, later, sent)


def test_the_same_check_sees_the_leak_knob(start: Callable[..., Gateway], scenario: Path) -> None:
    gw = start("--leak-kb-per-request", "8")
    first, later, sent = floors_under_load(gw, scenario)
    assert later - first > 8.0, (first, later, sent)
