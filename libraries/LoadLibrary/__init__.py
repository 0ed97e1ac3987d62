"""Robot Framework keywords that put HTTP and WebSocket load on a gateway and judge it."""

from __future__ import annotations

from robotlibcore import DynamicCore  # type: ignore[import-untyped]

from perfgate import __version__

from .http_keywords import HttpLoadKeywords
from .websocket_keywords import WebSocketLoadKeywords


class LoadLibrary(DynamicCore):  # type: ignore[misc]
    """Load keywords for HTTP and WebSocket gateways, with verdicts people can defend.

    HTTP keywords (`Run Load Profile` and its assertion keywords) and
    WebSocket keywords (`Run WebSocket Load` and its assertion keywords)
    live in one library, built from one component class per area.
    """

    ROBOT_LIBRARY_SCOPE = "GLOBAL"
    ROBOT_LIBRARY_VERSION = __version__

    def __init__(self) -> None:
        self.http = HttpLoadKeywords()
        self.websocket = WebSocketLoadKeywords()
        DynamicCore.__init__(self, [self.http, self.websocket])
