"""Fixtures that run real reference-gateway processes on free 127.0.0.1 ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from refgw_helpers import Gateway, kill_tree, launch


@pytest.fixture
def start_gateway() -> Iterator[Callable[..., Gateway]]:
    """Start gateways with given options; every one is killed at teardown."""
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


@pytest.fixture(scope="module")
def shared_gateway() -> Iterator[Gateway]:
    """One admin-enabled gateway for the read-only tests of a module."""
    gw = launch("--admin", "--seed", "1")
    try:
        yield gw
    finally:
        kill_tree(gw)
