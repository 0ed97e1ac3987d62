from __future__ import annotations

from collections.abc import Iterator

import psutil
import pytest

from engine.servers import HttpTestServer


@pytest.fixture
def server() -> Iterator[HttpTestServer]:
    srv = HttpTestServer().start()
    try:
        yield srv
    finally:
        srv.stop()


def _children() -> set[psutil.Process]:
    alive = set()
    for c in psutil.Process().children(recursive=True):
        try:
            if c.status() != psutil.STATUS_ZOMBIE:
                alive.add(c)
        except psutil.NoSuchProcess:
            continue
    return alive


@pytest.fixture(autouse=True)
def no_leftover_workers() -> Iterator[None]:
    """Every engine test must leave no new child process behind (others' fixtures may
    hold long-lived children of their own, so only new ones count)."""
    before = _children()
    yield
    left = _children() - before
    for c in left:
        c.kill()
    assert not left, f"processes left behind: {left}"
