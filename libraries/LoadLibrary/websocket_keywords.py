"""WebSocket load keywords: `Run WebSocket Load` and the assertion keywords on its result."""

from __future__ import annotations


class WebSocketLoadKeywords:
    """Keywords are methods decorated with `robotlibcore.keyword`."""
