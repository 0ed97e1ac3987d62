from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _leaves_no_process(no_leftover_workers: None) -> None:
    """Every engine test must leave no new child process behind (tests/conftest.py)."""
