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


@pytest.fixture(autouse=True)
def no_leftover_workers() -> Iterator[None]:
    """Every test must leave no child processes behind."""
    yield
    me = psutil.Process()
    children = [c for c in me.children(recursive=True) if c.is_running()]
    for c in children:
        c.kill()
    assert not children, f"processes left behind: {children}"
