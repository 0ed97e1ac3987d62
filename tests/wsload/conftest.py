"""Reference gateways on free 127.0.0.1 ports, and a check that no worker is left behind."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "refgateway"))
from refgw_helpers import Gateway, kill_tree, launch


@pytest.fixture
def start_gateway() -> Iterator[Callable[..., Gateway]]:
    """Start reference gateways with given options; every one is killed at teardown."""
    started: list[Gateway] = []

    def start(*args: str) -> Gateway:
        gw = launch(*args)
        started.append(gw)
        return gw

    try:
        yield start
    finally:
        for gw in started:
            kill_tree(gw)


def _children() -> set[psutil.Process]:
    alive = set()
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                alive.add(child)
        except psutil.NoSuchProcess:
            continue
    return alive


@pytest.fixture(autouse=True)
def no_leftover_workers() -> Iterator[None]:
    """Every test must leave no new child process behind (gateways are killed before this)."""
    before = _children()
    yield
    left = {p for p in _children() - before if "perfgate.load.ws.worker" in " ".join(p.cmdline())}
    for proc in left:
        proc.kill()
    assert not left, f"WebSocket workers left behind: {left}"
