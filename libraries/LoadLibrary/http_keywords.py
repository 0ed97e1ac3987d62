"""HTTP load keywords: `Run Load Profile` and the assertion keywords on its result."""

from __future__ import annotations


class HttpLoadKeywords:
    """Keywords are methods decorated with `robotlibcore.keyword`."""
