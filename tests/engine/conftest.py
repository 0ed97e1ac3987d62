from __future__ import annotations

from collections.abc import Iterator

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
def _leaves_no_process(no_leftover_workers: None) -> None:
    """Every engine test must leave no new child process behind (tests/conftest.py)."""
