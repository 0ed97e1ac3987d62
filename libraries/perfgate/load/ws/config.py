"""What a WebSocket load run does: `WsLoadConfig` and `WsProtocol`, checked up front.

Every mistake is one `ValueError` sentence before any connection is opened.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from perfgate.load.coordinator import default_workers
from perfgate.load.events.messages import with_fields
from perfgate.load.events.publisher import trigger_url as fill_channel
from perfgate.load.events.stamps import check_time_format
from perfgate.load.target import UrlRules, split_url
from perfgate.load.ws.socketio import SocketIoOptions, check_emit, check_namespace

Mode = Literal["echo", "broadcast", "churn"]
MODES: tuple[str, ...] = ("echo", "broadcast", "churn")

# Without a warm-up the clients still should not arrive as one burst.
DEFAULT_RAMP_PER_S = 100.0
# One worker process per this many connections (up to the number of cores):
# a small run is not worth a second process's start-up.
CONNECTIONS_PER_WORKER = 1000
_CHANNEL = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
_channel_numbers = itertools.count(1)


@dataclass(frozen=True)
class WsProtocol:
    """The gateway's message formats. Defaults are the reference gateway's (docs/refgateway.md).

    Templates may hold `{seq}` (the publish or echo counter, 1, 2, ...),
    `{ts_ns}` (`time.monotonic_ns()` when the message is sent), `{channel}`
    and `{client}` (the client's number); other braces stay literal, so JSON
    templates need no escaping. Field names are dotted paths into a JSON
    message (`data.t`).
    """

    subscribe: str = '{"type": "subscribe", "channel": "{channel}"}'
    unsubscribe: str = '{"type": "unsubscribe", "channel": "{channel}"}'
    publish: str = (
        '{"type": "publish", "channel": "{channel}", "id": {seq}, '
        '"data": {"n": {seq}, "t": {ts_ns}}}'
    )
    publish_body: str = '{"n": {seq}, "t": {ts_ns}}'
    echo: str = '{"type": "echo", "data": {"n": {seq}, "t": {ts_ns}}}'
    type_field: str = "type"
    event_type: str = "event"
    subscribed_type: str = "subscribed"
    unsubscribed_type: str = "unsubscribed"
    published_type: str = "published"
    echo_type: str = "echo"
    error_type: str = "error"
    # The channel's sequence number: in events, in the (un)subscribed and
    # published replies and in the HTTP trigger's answer.
    seq_field: str = "seq"
    # Where an event carries the publisher's send time, and an echo reply the
    # message's counter and send time.
    time_field: str = "data.t"
    # What `time_field` holds (perfgate.load.events.stamps): PerfGate's send stamp, or the
    # server's wall clock in epoch seconds, ms, us or ns.
    time_format: str = "perfgate"
    echo_seq_field: str = "data.n"
    echo_time_field: str = "data.t"
    id_field: str = "id"
    message_field: str = "message"

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> WsProtocol:
        """A copy with some fields replaced; unknown names are refused with the known ones."""
        return with_fields(self, overrides)


# A Socket.IO server's messages, as the fixture's (tests/fixtures/node-socketio) and the usual
# rooms example: emits are JSON arrays, the event name first; a received event reads as
# {"type": name, "data": first argument}, an acknowledgement as {"type": <reply>, "data": ...}
# (perfgate.load.ws.socketio).
SOCKETIO_PROTOCOL = WsProtocol(
    subscribe='["subscribe", "{channel}"]',
    unsubscribe='["unsubscribe", "{channel}"]',
    publish='["publish", {"channel": "{channel}", "n": {seq}, "t": {ts_ns}}]',
    echo='["echo", {"n": {seq}, "t": {ts_ns}}]',
    seq_field="data.seq",
    time_field="data.t",
    echo_seq_field="data.n",
    echo_time_field="data.t",
    id_field="",
    message_field="data.error",
)


@dataclass(frozen=True)
class WsLoadConfig:
    """One WebSocket load run.

    `event_rate` is per run, not per client: events published per second on
    the channel (broadcast, churn; each reaches every subscriber) or echo
    messages sent per second over all connections (echo). `duration_s`
    includes `warmup_s`, whose events are left out of the event figures.
    `ramp_per_s` is new connections per second at the start (`math.inf`:
    all at once; None: all within the first half of the warm-up, or
    DEFAULT_RAMP_PER_S without one). `churn_rate` (churn mode) is sessions
    started per second over all clients; each client's session lasts
    connections / churn_rate seconds (default: 1 s).
    """

    url: str
    mode: str = "broadcast"
    connections: int = 50
    event_rate: float = 100.0
    duration_s: float = 30.0
    warmup_s: float = 5.0
    ramp_per_s: float | None = None
    churn_rate: float | None = None
    channel: str = ""
    publish_url: str = ""
    protocol: WsProtocol = field(default_factory=WsProtocol)
    headers: Mapping[str, str] = field(default_factory=dict)
    workers: int | None = None
    timeout_s: float = 10.0
    reconnect: bool = True
    verify_tls: bool = True
    max_lag_s: float = 1.0
    seed: int | None = None
    name: str = ""
    # Socket.IO v4 sessions on the WebSocket transport (None: plain WebSocket messages).
    socketio: SocketIoOptions | None = None
    # A Dask cluster to run the workers on ("local" or a scheduler address), None: this
    # machine's worker processes (perfgate.load.cluster.shared).
    cluster: str | None = None

    @property
    def ramp(self) -> float:
        """New connections per second at the start (inf: all at once)."""
        if self.ramp_per_s is not None:
            return self.ramp_per_s
        if self.warmup_s > 0:
            return self.connections / (self.warmup_s / 2)
        return DEFAULT_RAMP_PER_S

    @property
    def session_s(self) -> float:
        """Churn: how long one client's session lasts."""
        rate = self.churn_rate if self.churn_rate is not None else float(self.connections)
        return self.connections / rate

    @property
    def publishes(self) -> bool:
        return self.mode in ("broadcast", "churn") and self.event_rate > 0


def run_channel(config: WsLoadConfig) -> str:
    """The channel of the run: the one given, or one no other run uses."""
    if config.channel:
        return config.channel
    return f"perfgate-{os.getpid()}-{next(_channel_numbers)}"


WS_URL = UrlRules(
    "WebSocket URL",
    ("ws", "wss"),
    "it must start with ws:// or wss://",
    "ws://127.0.0.1:8080/ws",
    "ws://127.0.0.1:8080/ws",
)


SOCKETIO_URL = UrlRules(
    "Socket.IO URL",
    ("http", "https", "ws", "wss"),
    "it must start with http://, https://, ws:// or wss://",
    "http://127.0.0.1:3000",
    "http://127.0.0.1:3000",
)


def check_ws_url(url: object) -> str:
    """The URL stripped, or a ValueError saying what is wrong with it."""
    split_url(url, WS_URL)
    return str(url).strip()


def http_origin(ws_url: str) -> str:
    """`ws://host:8080/ws` -> `http://host:8080` (wss -> https)."""
    parts = urlsplit(ws_url)
    scheme = "https" if parts.scheme == "wss" else "http"
    return urlunsplit((scheme, parts.netloc, "", "", ""))


def trigger_url(config: WsLoadConfig, channel: str) -> str:
    """The HTTP trigger with `{channel}` filled in (URL-quoted)."""
    return fill_channel(config.publish_url, channel)


def validate(config: WsLoadConfig) -> None:
    """Raise ValueError, one sentence, for anything wrong with `config`."""
    if config.socketio is None:
        check_ws_url(config.url)
    else:
        _check_socketio(config)
    if config.mode not in MODES:
        raise ValueError(f"unknown mode {config.mode!r}: use echo, broadcast or churn.")
    if (
        isinstance(config.connections, bool)
        or not isinstance(config.connections, int)
        or config.connections < 1
    ):
        raise ValueError(f"connections must be a whole number >= 1, not {config.connections!r}.")
    _finite_at_least("event_rate", config.event_rate, 0.0)
    if config.mode == "echo" and config.event_rate <= 0:
        raise ValueError("echo mode needs an event_rate above 0 (messages per second).")
    _finite_at_least("duration_s", config.duration_s, 0.0)
    if config.duration_s <= 0:
        raise ValueError("the duration must be above 0 s, e.g. '30 s'.")
    _finite_at_least("warmup_s", config.warmup_s, 0.0)
    if config.warmup_s >= config.duration_s:
        raise ValueError(
            f"warm-up ({config.warmup_s:g} s) leaves nothing of the {config.duration_s:g} s run "
            "to measure: shorten it or lengthen the duration."
        )
    if config.ramp_per_s is not None and not config.ramp_per_s > 0:
        raise ValueError(f"ramp must be above 0 connections per second, not {config.ramp_per_s!r}.")
    if config.churn_rate is not None:
        _finite_at_least("churn_rate", config.churn_rate, 0.0)
        if config.churn_rate <= 0:
            raise ValueError("churn_rate must be above 0 sessions per second.")
    if config.channel and not _CHANNEL.match(config.channel):
        raise ValueError(
            f"channel name {config.channel[:80]!r} is invalid; use 1-64 letters, digits or _.:-."
        )
    if config.publish_url:
        parts = urlsplit(config.publish_url.replace("{channel}", "c"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"invalid publish_url {config.publish_url!r}: give an http(s) URL such as "
                "http://127.0.0.1:8080/api/events/{channel}."
            )
    if not isinstance(config.protocol, WsProtocol):
        raise ValueError("protocol must be a WsProtocol.")
    time_format = check_time_format(config.protocol.time_format)
    if config.mode == "echo" and time_format != "perfgate":
        raise ValueError(
            f"time_format={time_format} reads a server's stamp in broadcast and churn events; "
            "echo replies carry PerfGate's own send time, so leave it at perfgate."
        )
    _finite_at_least("timeout_s", config.timeout_s, 0.0)
    if config.timeout_s <= 0:
        raise ValueError("the timeout must be above 0 s, e.g. '10 s'.")
    _finite_at_least("max_lag_s", config.max_lag_s, 0.0)
    if config.workers is not None and (
        isinstance(config.workers, bool)
        or not isinstance(config.workers, int)
        or config.workers < 1
    ):
        raise ValueError(f"workers must be a whole number >= 1, not {config.workers!r}.")
    for key, value in dict(config.headers).items():
        if not isinstance(key, str) or not isinstance(value, str) or not key.strip():
            raise ValueError(f"header {key!r}: {value!r} must be a name and a text value.")


def worker_count(config: WsLoadConfig, slots: int | None = None) -> int:
    """Workers for the run: as given, else one per CONNECTIONS_PER_WORKER, at most one
    per core (per slot of a cluster: `slots`)."""
    if config.workers is not None:
        return min(config.workers, config.connections)
    wanted = math.ceil(config.connections / CONNECTIONS_PER_WORKER)
    return max(1, min(slots or default_workers(), wanted))


def _finite_at_least(name: str, value: object, low: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < low
    ):
        raise ValueError(f"{name} must be a finite number >= {low:g}, not {value!r}.")


def _check_socketio(config: WsLoadConfig) -> None:
    options = config.socketio
    if not isinstance(options, SocketIoOptions):
        raise ValueError("socketio must be a SocketIoOptions.")
    split_url(config.url, SOCKETIO_URL)
    check_namespace(options.namespace)
    if not isinstance(options.auth, Mapping):
        raise ValueError(f"the Socket.IO auth payload must be a JSON object, not {options.auth!r}.")
    protocol = config.protocol
    check_emit(protocol.subscribe, "subscribe_message")
    check_emit(protocol.unsubscribe, "unsubscribe_message")
    check_emit(protocol.echo, "echo_message")
    if config.publishes and not config.publish_url:
        check_emit(protocol.publish, "publish_message")
