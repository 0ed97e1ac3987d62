from __future__ import annotations

from collections.abc import Iterator

import psutil
import pytest


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
    """No test here may leave a process behind (only new children count)."""
    before = _children()
    yield
    left = _children() - before
    for child in left:
        child.kill()
    assert not left, f"processes left behind: {left}"
