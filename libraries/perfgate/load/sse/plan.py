"""From keyword arguments (text, numbers, Robot's timedeltas) to an `SseLoadConfig` and its
thresholds.

Each bad argument is one `ValueError` sentence naming it. `duration`,
`warmup` and a `ramp` given as a duration are multiplied by `time_scale`
(default ``${PERF_TIME_SCALE}``), so the suites run at smoke scale in CI. The default thresholds are the
WebSocket broadcast's, with the time to first event for the connect time;
`thresholds=` on one of those metrics replaces its default, `NONE` first
drops them all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from perfgate.load.arguments import (
    given,
    parse_headers,
    parse_ramp,
    parse_seconds,
    parse_time_scale,
    time_scale_setting,
)
from perfgate.load.cluster import shared
from perfgate.load.events.stamps import check_time_format
from perfgate.load.sse.config import SseFormat, SseLoadConfig, validate
from perfgate.load.sse.result import SSE_METRICS
from perfgate.load.thresholds import Threshold, parse_thresholds
from perfgate.measure.units import parse_rate

DurationLike = str | float | int | timedelta
DEFAULT_THRESHOLDS = (
    "connection_success_rate > 99.5%",
    "first_event_p95 < 1000 ms",
    "event_latency_p95 < 200 ms",
    "event_loss_rate == 0%",
)
NO_DEFAULTS = "NONE"


@dataclass(frozen=True)
class SsePlan:
    config: SseLoadConfig
    thresholds: list[Threshold]
    time_scale: float


def resolve_thresholds(spec: str | Sequence[str] | None) -> list[Threshold]:
    """The defaults, overridden and extended by `spec` (`NONE` first: no defaults)."""
    items = ([spec] if spec.strip() else []) if isinstance(spec, str) else list(spec or [])
    items = [str(item) for item in items]
    use_defaults = not (items and items[0].strip().upper().startswith(NO_DEFAULTS))
    if not use_defaults:
        first = items[0].strip()[len(NO_DEFAULTS) :].lstrip(" ,;\n")
        items = ([first] if first else []) + items[1:]
    chosen = parse_thresholds(items, SSE_METRICS)
    if not use_defaults:
        return chosen
    overridden = {t.metric for t in chosen}
    defaults = parse_thresholds(list(DEFAULT_THRESHOLDS), SSE_METRICS)
    return [t for t in defaults if t.metric not in overridden] + chosen


def _whole(value: Any, what: str) -> int:
    text = str(value).strip().replace(",", "").replace("_", "")
    if isinstance(value, bool) or not text.isdigit() or int(text) < 1:
        raise ValueError(f"{what} must be a whole number >= 1, not {value!r}.")
    return int(text)


def _format(protocol: Mapping[str, Any] | str | None, time_format: str) -> SseFormat:
    overrides: dict[str, Any] = {}
    if isinstance(protocol, str) and protocol.strip():
        try:
            overrides = json.loads(protocol)
        except ValueError:
            overrides = None  # type: ignore[assignment]
        if not isinstance(overrides, dict):
            raise ValueError(
                f"protocol must be a dictionary or a JSON object of field names, not "
                f'{protocol!r}; e.g. protocol={{"seq_field": "data.seq"}}.'
            )
    elif isinstance(protocol, Mapping):
        overrides = dict(protocol)
    elif given(protocol):
        raise ValueError(f"protocol must be a dictionary of field names, not {protocol!r}.")
    fmt = check_time_format(time_format)
    if fmt != "perfgate" or "time_format" not in overrides:
        overrides["time_format"] = fmt
    return SseFormat().with_overrides(overrides)


def plan_event_stream_run(
    url: str,
    *,
    connections: int | str = 50,
    event_rate: float | str = 10,
    publish_url: str | None = None,
    publish_body: str | None = None,
    duration: DurationLike = "30 s",
    warmup: DurationLike = "5 s",
    ramp: str | float | None = None,
    method: str = "GET",
    body: str | None = None,
    channel: str | None = None,
    thresholds: str | Sequence[str] | None = None,
    protocol: Mapping[str, Any] | str | None = None,
    time_format: str = "perfgate",
    timeout: DurationLike = "10 s",
    retry: DurationLike = "1 s",
    reconnect: bool = True,
    headers: Mapping[str, Any] | str | Sequence[str] | None = None,
    workers: int | str | None = None,
    verify_tls: bool = True,
    time_scale: float | str | None = None,
    name: str = "",
    cluster: str | None = None,
) -> SsePlan:
    """Check every argument and build the run; ValueError (one sentence) on any mistake.
    `cluster`: a Dask cluster, else the run-wide one (`perfgate.load.cluster.shared`)."""
    scale = parse_time_scale(time_scale, time_scale_setting())
    try:
        rate = parse_rate(event_rate)
    except ValueError:
        raise ValueError(f"event_rate must be a rate such as '10/s', not {event_rate!r}.") from None
    fmt = _format(protocol, time_format)
    if given(publish_body):
        fmt = fmt.with_overrides({"publish_body": str(publish_body)})
    n = _whole(connections, "connections")
    config = SseLoadConfig(
        url=str(url).strip(),
        connections=n,
        ramp_per_s=parse_ramp(ramp, n, scale),
        event_rate=rate,
        duration_s=parse_seconds(duration, "duration") * scale,
        warmup_s=parse_seconds(warmup, "warmup") * scale if given(warmup) else 0.0,
        method=str(method).strip().upper(),
        body=str(body) if given(body) else "",
        channel=str(channel).strip() if given(channel) else "",
        publish_url=str(publish_url).strip() if given(publish_url) else "",
        protocol=fmt,
        headers=parse_headers(headers),
        workers=_whole(workers, "workers") if given(workers) else None,
        timeout_s=parse_seconds(timeout, "timeout"),
        retry_s=parse_seconds(retry, "retry"),
        reconnect=bool(reconnect),
        verify_tls=bool(verify_tls),
        name=str(name or ""),
        cluster=shared.resolve(cluster),
    )
    validate(config)
    return SsePlan(config, resolve_thresholds(thresholds), scale)
