"""One lookup of what a test names as a gateway, for MemoryLibrary and Run WebSocket Load."""

from __future__ import annotations

import pytest

from perfgate.gateway.lookup import find_gateway, gateway_target
from perfgate.gateway.manager import Gateway, GatewayManager


class Library:
    def __init__(self) -> None:
        self.manager = GatewayManager(reaper=object())  # type: ignore[arg-type]
        gateway = Gateway("edge", "http://127.0.0.1:1", 1, 4242, None, "http://127.0.0.1:1/h")
        self.manager.gateways["edge"] = gateway


def test_an_alias_is_looked_up_in_gateway_library():
    library = Library()
    assert find_gateway("edge", lambda: library).pid == 4242
    with pytest.raises(ValueError, match=r"^No gateway with alias 'nope'; known aliases: edge\."):
        find_gateway("nope", lambda: library)


def test_without_gateway_library_an_alias_cannot_be_found():
    with pytest.raises(ValueError, match="GatewayLibrary is not imported"):
        find_gateway("edge")


def test_targets_other_than_aliases_pass_as_they_are():
    library = Library()
    gateway = library.manager.gateways["edge"]
    assert gateway_target(None) is None and gateway_target("  ") is None
    assert gateway_target(gateway) is gateway and gateway_target(4242) == 4242
    assert gateway_target(" 4242 ") == "4242"
    assert gateway_target("http://host:9100/metrics") == "http://host:9100/metrics"
    assert gateway_target("edge", lambda: library) is gateway
