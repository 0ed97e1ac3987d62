"""From keyword arguments (text, numbers, Robot's timedeltas) to a `WsLoadConfig` and thresholds.

Each bad argument is one `ValueError` sentence naming the argument. The
durations (and a ramp given as a duration) are multiplied by `time_scale`,
which defaults to ``${PERF_TIME_SCALE}`` like `Run Load Profile`'s, so the
suites run at smoke scale in CI.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from perfgate.load.arguments import (
    parse_headers,
    parse_ramp,
    parse_seconds,
    parse_time_scale,
    time_scale_setting,
)
from perfgate.load.cluster import shared
from perfgate.load.events.stamps import check_time_format
from perfgate.load.thresholds import Threshold
from perfgate.load.ws.config import (
    SOCKETIO_PROTOCOL,
    WsLoadConfig,
    WsProtocol,
    validate,
)
from perfgate.load.ws.criteria import resolve_thresholds
from perfgate.load.ws.socketio import SocketIoOptions, check_namespace
from perfgate.measure.units import parse_rate

DurationLike = str | float | int | timedelta


@dataclass(frozen=True)
class WsPlan:
    config: WsLoadConfig
    thresholds: list[Threshold]
    time_scale: float


def _given(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _connections(value: int | str) -> int:
    text = str(value).strip().replace(",", "").replace("_", "")
    if isinstance(value, bool) or not text.isdigit() or int(text) < 1:
        raise ValueError(f"connections must be a whole number >= 1, not {value!r}.")
    return int(text)


def _rate(value: float | str, what: str, example: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a rate such as {example}, not {value!r}.")
    try:
        rate = parse_rate(value)
    except ValueError:
        raise ValueError(f"{what} must be a rate such as {example}, not {value!r}.") from None
    if rate < 0:
        raise ValueError(f"{what} must not be negative, got {value!r}.")
    return rate


def _protocol(
    protocol: Mapping[str, Any] | str | None,
    templates: Mapping[str, Any],
    time_format: str = "perfgate",
    base: WsProtocol | None = None,
) -> WsProtocol:
    overrides: dict[str, Any] = {}
    if _given(protocol):
        loaded = _json_object(protocol)
        if loaded is None and isinstance(protocol, str):
            raise ValueError(
                f"protocol must be a dictionary or a JSON object of field names, not "
                f'{protocol!r}; e.g. protocol={{"time_field": "payload.sent"}}.'
            )
        if loaded is None:
            raise ValueError(f"protocol must be a dictionary of field names, not {protocol!r}.")
        overrides.update(loaded)
    overrides.update({k: v for k, v in templates.items() if _given(v)})
    fmt = check_time_format(time_format)
    if "time_format" in overrides:  # protocol={"time_format": ...} works too
        given = check_time_format(overrides["time_format"])
        if fmt not in ("perfgate", given):
            raise ValueError(
                f"time_format={fmt} and the protocol's time_format {given} disagree; give one."
            )
        fmt = given if fmt == "perfgate" else fmt
    overrides["time_format"] = fmt
    return (base or WsProtocol()).with_overrides(overrides)


def _json_object(value: Any) -> Mapping[str, Any] | None:
    """A dictionary as it is, a JSON object's text decoded; None for anything else."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, Mapping) else None


ENGINES = ("websocket", "socket.io")


def _socketio(
    engine: str, namespace: str | None, auth: Mapping[str, Any] | str | None
) -> SocketIoOptions | None:
    """Socket.IO sessions for `engine=socket.io`, None for plain WebSocket messages."""
    name = str(engine).strip().lower().replace("socketio", "socket.io")
    if name not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: use websocket or socket.io.")
    if name == "websocket":
        if _given(namespace) or _given(auth):
            raise ValueError("namespace and socketio_auth need engine=socket.io.")
        return None
    payload = _json_object(auth) if _given(auth) else {}
    if payload is None:
        raise ValueError(
            f"socketio_auth must be a dictionary or a JSON object, not {auth!r}; "
            'e.g. socketio_auth={"token": "..."}.'
        )
    return SocketIoOptions(namespace=check_namespace(str(namespace or "/")), auth=dict(payload))


def plan_websocket_run(
    url: str,
    *,
    connections: int | str = 50,
    event_rate: float | str = 100,
    duration: DurationLike = "30 s",
    warmup: DurationLike = "5 s",
    mode: str = "broadcast",
    thresholds: str | Sequence[str] | None = None,
    ramp: str | float | None = None,
    churn_rate: float | str | None = None,
    channel: str | None = None,
    publish_url: str | None = None,
    publish_body: str | None = None,
    publish_message: str | None = None,
    subscribe_message: str | None = None,
    unsubscribe_message: str | None = None,
    echo_message: str | None = None,
    protocol: Mapping[str, Any] | str | None = None,
    time_format: str = "perfgate",
    headers: Mapping[str, Any] | str | Sequence[str] | None = None,
    workers: int | str | None = None,
    timeout: DurationLike = "10 s",
    reconnect: bool = True,
    verify_tls: bool = True,
    time_scale: float | str | None = None,
    name: str = "",
    engine: str = "websocket",
    namespace: str | None = None,
    socketio_auth: Mapping[str, Any] | str | None = None,
    cluster: str | None = None,
) -> WsPlan:
    """Check every argument and build the run; ValueError (one sentence) on any mistake.
    `cluster`: a Dask cluster, else the run-wide one (`perfgate.load.cluster.shared`)."""
    scale = parse_time_scale(time_scale, time_scale_setting())
    socketio = _socketio(engine, namespace, socketio_auth)
    n = _connections(connections)
    mode_text = str(mode).strip().lower()
    ramp_rate = parse_ramp(ramp, n, scale)  # a ramp given as a duration shrinks with the run
    churn = None
    if churn_rate is not None and _given(churn_rate):
        churn = _rate(churn_rate, "churn_rate", "'50/s'")
    config = WsLoadConfig(
        url=str(url).strip() if isinstance(url, str) else url,
        mode=mode_text,
        connections=n,
        event_rate=_rate(event_rate, "event_rate", "'100', '100/s' or '2k/s'"),
        duration_s=parse_seconds(duration, "duration") * scale,
        warmup_s=parse_seconds(warmup, "warmup") * scale if _given(warmup) else 0.0,
        ramp_per_s=ramp_rate,
        churn_rate=churn,
        channel=str(channel).strip() if _given(channel) else "",
        publish_url=str(publish_url).strip() if _given(publish_url) else "",
        protocol=_protocol(
            protocol,
            {
                "publish_body": publish_body,
                "publish": publish_message,
                "subscribe": subscribe_message,
                "unsubscribe": unsubscribe_message,
                "echo": echo_message,
            },
            time_format,
            SOCKETIO_PROTOCOL if socketio else WsProtocol(),
        ),
        headers=parse_headers(headers),
        workers=_workers(workers),
        timeout_s=parse_seconds(timeout, "timeout"),
        reconnect=bool(reconnect),
        verify_tls=bool(verify_tls),
        name=str(name or ""),
        socketio=socketio,
        cluster=shared.resolve(cluster),
    )
    validate(config)
    return WsPlan(config, resolve_thresholds(thresholds), scale)


def _workers(workers: int | str | None) -> int | None:
    if not _given(workers):
        return None
    text = str(workers).strip()
    if isinstance(workers, bool) or not text.isdigit() or int(text) < 1:
        raise ValueError(f"workers must be a whole number >= 1, not {workers!r}.")
    return int(text)
