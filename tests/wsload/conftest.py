"""Every WebSocket test leaves no worker behind; gateways come from tests/conftest.py."""

from __future__ import annotations

import pytest


@pytest.fixture
def leftover_marker() -> str:
    # Gateways are killed by their own fixture; only our load workers count here.
    return "perfgate.load.ws.worker"


@pytest.fixture(autouse=True)
def _leaves_no_process(no_leftover_workers: None) -> None:
    """Every test must leave no WebSocket worker behind."""
