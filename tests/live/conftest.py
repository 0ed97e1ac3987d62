from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from prometheus import Prometheus, running


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prometheus]:
    """One real Prometheus for a module's tests (each test labels its own run)."""
    with running(tmp_path_factory.mktemp("prometheus")) as prom:
        yield prom
