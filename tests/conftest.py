"""Fixtures shared by the test packages.

- `server`: the engine's HTTP test server (tests/engine/servers.py).
- `start_gateway` / `shared_gateway`: real reference gateways on free
  127.0.0.1 ports (tests/refgateway, tests/wsload), killed at teardown.
- `no_leftover_workers`: fails a test that leaves a new child process behind.
  A package turns it on for every test with an autouse fixture that asks for
  it, and narrows what counts by overriding `leftover_marker`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import psutil
import pytest

# refgw_helpers serves tests/wsload too: one import path, so one module object.
sys.path.insert(0, str(Path(__file__).resolve().parent / "refgateway"))
from refgw_helpers import Gateway, running

from engine.servers import HttpTestServer


@pytest.fixture
def server() -> Iterator[HttpTestServer]:
    srv = HttpTestServer().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def start_gateway() -> Iterator[Callable[..., Gateway]]:
    """Start reference gateways with given options; every one is killed at teardown."""
    with ExitStack() as stack:
        yield lambda *args: stack.enter_context(running(*args))


@pytest.fixture(scope="module")
def shared_gateway() -> Iterator[Gateway]:
    """One admin-enabled gateway for the read-only tests of a module."""
    with running("--admin", "--seed", "1") as gw:
        yield gw


def _children() -> set[psutil.Process]:
    alive = set()
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                alive.add(child)
        except psutil.NoSuchProcess:
            continue
    return alive


def _command_line(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


@pytest.fixture
def leftover_marker() -> str:
    """Only new children whose command line holds this count ("": every new child)."""
    return ""


@pytest.fixture
def no_leftover_workers(leftover_marker: str) -> Iterator[None]:
    """The test must leave no new child process behind (others' fixtures may hold
    long-lived children of their own, so only new ones count)."""
    before = _children()
    yield
    left = {p for p in _children() - before if leftover_marker in _command_line(p)}
    for proc in left:
        proc.kill()
    assert not left, f"processes left behind: {left}"
