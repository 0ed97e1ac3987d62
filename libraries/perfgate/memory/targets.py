"""Turning what a test names - a gateway, an alias, a PID, a URL - into a source."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from perfgate.memory.sources import MemorySource, ProcessTreeSource, PrometheusSource

GatewayFinder = Callable[[str], object]


def metrics_url(url: str) -> str:
    """`http://host:8080` -> `http://host:8080/metrics`; a URL with a path is kept."""
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        parts = parts._replace(path="/metrics")
    return urlunsplit(parts)


def resolve_source(target: object, find_gateway: GatewayFinder | None = None) -> MemorySource:
    """A memory source for `target`.

    - a Gateway (anything with `pid` and `url`): its process tree, or its
      /metrics page when PerfGate did not start it and knows no PID;
    - an int or a string of digits: that PID and its children;
    - a string starting with http:// or https://: a Prometheus metrics URL
      (`/metrics` is added when the URL has no path);
    - any other string: a gateway alias, looked up with `find_gateway`.
    """
    if isinstance(target, bool):
        raise ValueError(f"cannot monitor {target!r}; give a gateway, alias, PID or metrics URL.")
    if isinstance(target, int):
        return ProcessTreeSource(target)
    if isinstance(target, str):
        text = target.strip()
        if text.isdigit():
            return ProcessTreeSource(int(text))
        if text.startswith(("http://", "https://")):
            return PrometheusSource(metrics_url(text))
        if not text:
            raise ValueError("the monitor target is empty; give a gateway, alias, PID or URL.")
        if find_gateway is None:
            raise ValueError(
                f"{text!r} is not a PID or URL, and no gateway library is there to look it up "
                "as an alias."
            )
        return resolve_source(find_gateway(text), None)
    pid, url = getattr(target, "pid", None), getattr(target, "url", None)
    if pid is None and url is None:
        raise ValueError(
            f"cannot monitor a {type(target).__name__}; give a gateway, alias, PID or metrics URL."
        )
    label = f"gateway '{getattr(target, 'alias', '?')}'"
    if isinstance(pid, int) and not isinstance(pid, bool):
        return ProcessTreeSource(pid, label=label)
    if isinstance(url, str):
        return PrometheusSource(metrics_url(url), label=label)
    raise ValueError(f"{label} has neither a PID nor a URL to monitor.")
