"""What one Server-Sent Events load run is: `SseLoadConfig`, its event format, its checks.

A stream is a `text/event-stream` response to a GET (or a POST of `body`,
e.g. a JSON-RPC request as streamable-HTTP gateways take). `{channel}` in
the URL, the body and `publish_url` is replaced by the run's channel.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from perfgate.load.coordinator import default_workers
from perfgate.load.events.messages import with_fields
from perfgate.load.events.stamps import check_time_format
from perfgate.load.target import UrlRules, split_url

CONNECTIONS_PER_WORKER = 1000
METHODS = ("GET", "POST")
_CHANNEL = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
_channel_numbers = itertools.count(1)

SSE_URL = UrlRules(
    "SSE URL",
    ("http", "https"),
    "the scheme must be http or https",
    "http://127.0.0.1:8080/sse/{channel}",
    "http://127.0.0.1:8080/sse/{channel}",
)


@dataclass(frozen=True)
class SseFormat:
    """Where an event's figures are. Defaults are the reference gateway's
    (docs/refgateway.md, `/sse/{channel}`); paths are dotted, into the event's JSON `data`.

    `seq_field` empty: the sequence number is the event's `id:`. A message
    whose `type_field` is `subscribed_type` (also under `result`, as a
    JSON-RPC answer) gives the channel's number at subscription in
    `seq_field` (default `seq`), so loss counts from there; without one it
    counts from each stream's first event.
    """

    seq_field: str = ""
    time_field: str = "data.t"
    time_format: str = "perfgate"
    type_field: str = "type"
    subscribed_type: str = "subscribed"
    subscribed_seq_field: str = "seq"
    # The publish trigger's answer (perfgate.load.events.publisher).
    published_type: str = "published"
    error_type: str = "error"
    id_field: str = "id"
    message_field: str = "message"
    publish_body: str = '{"n": {seq}, "t": {ts_ns}}'
    publish: str = ""  # no WebSocket publishing in an SSE run: only the HTTP trigger

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> SseFormat:
        """A copy with some fields replaced (not `publish`: an SSE run publishes over HTTP)."""
        return with_fields(self, overrides, fixed=frozenset({"publish"}))


@dataclass(frozen=True)
class SseLoadConfig:
    """One SSE load run. `duration_s` includes `warmup_s`, whose events are left out of
    the event figures; `event_rate` is events published per second through `publish_url`
    (0: the server generates them); `timeout_s` bounds the wait for each stream's first
    message; `retry_s` is the reconnect delay until the server sends `retry:`;
    `ramp_per_s` is streams opened per second at the start (`math.inf`: all at once;
    None: all within the first half of the warm-up, or at once without one)."""

    url: str
    method: str = "GET"
    body: str = ""
    channel: str = ""
    connections: int = 50
    ramp_per_s: float | None = None
    event_rate: float = 10.0
    publish_url: str = ""
    duration_s: float = 30.0
    warmup_s: float = 5.0
    protocol: SseFormat = field(default_factory=SseFormat)
    timeout_s: float = 10.0
    retry_s: float = 1.0
    reconnect: bool = True
    headers: Mapping[str, str] = field(default_factory=dict)
    workers: int | None = None
    verify_tls: bool = True
    max_lag_s: float = 1.0
    name: str = ""
    # A Dask cluster to run the workers on ("local" or a scheduler address), None: this
    # machine's worker processes (perfgate.load.cluster.shared).
    cluster: str | None = None

    @property
    def ramp(self) -> float:
        """New streams per second at the start: as given, else all within the first half
        of the warm-up (all at once without one)."""
        if self.ramp_per_s is not None:
            return self.ramp_per_s
        return self.connections / (self.warmup_s / 2) if self.warmup_s > 0 else math.inf


def fill_channel(text: str, channel: str) -> str:
    return text.replace("{channel}", quote(channel, safe=""))


def run_channel(config: SseLoadConfig) -> str:
    """The channel of the run: the one given, or one no other run uses."""
    if config.channel:
        return config.channel
    return f"perfgate-sse-{os.getpid()}-{next(_channel_numbers)}"


def worker_count(config: SseLoadConfig, slots: int | None = None) -> int:
    """As given, else one per CONNECTIONS_PER_WORKER, at most one per core (per slot of a
    cluster: `slots`)."""
    if config.workers is not None:
        return min(config.workers, config.connections)
    wanted = math.ceil(config.connections / CONNECTIONS_PER_WORKER)
    return max(1, min(slots or default_workers(), wanted))


def validate(config: SseLoadConfig) -> None:
    """Raise ValueError, one sentence, for anything wrong with `config`."""
    split_url(fill_channel(config.url, "c"), SSE_URL)
    if config.method not in METHODS:
        raise ValueError(f"method must be GET or POST, not {config.method!r}.")
    if config.connections < 1:
        raise ValueError(f"connections must be a whole number >= 1, not {config.connections!r}.")
    if config.ramp_per_s is not None and not config.ramp_per_s > 0:
        raise ValueError(f"ramp must be above 0 streams per second, not {config.ramp_per_s!r}.")
    if not math.isfinite(config.event_rate) or config.event_rate < 0:
        raise ValueError(
            f"event_rate must be 0 or more events per second, not {config.event_rate!r}."
        )
    if config.event_rate > 0 and not config.publish_url:
        raise ValueError(
            "publishing at event_rate needs publish_url, the HTTP trigger that publishes an "
            "event; give event_rate=0 when the server generates the events."
        )
    if not config.duration_s > 0:
        raise ValueError("the duration must be above 0 s, e.g. '30 s'.")
    if not 0 <= config.warmup_s < config.duration_s:
        raise ValueError(
            f"warm-up ({config.warmup_s:g} s) leaves nothing of the {config.duration_s:g} s run "
            "to measure: shorten it or lengthen the duration."
        )
    if not config.timeout_s > 0 or not config.retry_s >= 0:
        raise ValueError("timeout must be above 0 s and retry 0 s or more.")
    if config.channel and not _CHANNEL.match(config.channel):
        raise ValueError(
            f"channel name {config.channel[:80]!r} is invalid; use 1-64 letters, digits or _.:-."
        )
    if config.publish_url:
        split_url(fill_channel(config.publish_url, "c"), SSE_URL)
    check_time_format(config.protocol.time_format)
