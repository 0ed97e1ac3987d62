"""Keyword arguments every protocol's plan reads the same way: "not given", the time scale,
headers, a ramp.

Pure parsing (value in, value out, one `ValueError` sentence naming the
argument on a mistake), except `time_scale_setting`, which asks
`perfgate.robotenv` and the environment for the run-wide default.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

from perfgate import robotenv
from perfgate.artifacts import redact
from perfgate.measure.units import parse_duration, parse_rate

TIME_SCALE_ENV = "PERF_TIME_SCALE"


def given(value: Any) -> bool:
    """Robot passes ``${EMPTY}`` or ``${None}`` for "not given"."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def parse_seconds(value: Any, what: str) -> float:
    """A duration argument (``30 s``, ``500 ms``, a timedelta, a number of seconds) in
    seconds; a ValueError naming `what` otherwise."""
    try:
        return parse_duration(value)
    except ValueError:
        raise ValueError(
            f"{what} must be a duration such as '30 s' or '500 ms', not {value!r}."
        ) from None


def time_scale_setting() -> float | str | None:
    """``${PERF_TIME_SCALE}``, else the environment variable of that name, else None."""
    value = robotenv.time_scale()
    if not given(value):
        value = os.environ.get(TIME_SCALE_ENV)
    return value if given(value) else None


def parse_time_scale(value: float | str | None, default: float | str | None = None) -> float:
    """`value`, else `default` (e.g. `time_scale_setting()`), else 1: a number above 0."""
    if not given(value):
        value = default if given(default) else 1.0
    try:
        scale = float(str(value).strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        scale = math.nan
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(
            f"time_scale must be a number above 0 (e.g. 0.05 to run at 5 % length), not {value!r}."
        )
    return scale


def parse_headers(headers: Mapping[str, Any] | str | Sequence[str] | None) -> dict[str, str]:
    """A mapping, ``Name: value`` lines, or a list of ``Name: value`` items."""
    if not given(headers):
        return {}
    if isinstance(headers, Mapping):
        return {str(k).strip(): str(v) for k, v in headers.items()}
    lines = headers.splitlines() if isinstance(headers, str) else [str(h) for h in headers]  # type: ignore[union-attr]
    parsed: dict[str, str] = {}
    for line in filter(str.strip, lines):
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise ValueError(
                f"header {redact.header_line(line.strip())!r} is not 'Name: value'; write e.g. "
                f"headers=Content-Type: application/json, or pass a dictionary."
            )
        parsed[name.strip()] = value.strip()
    return parsed


def parse_ramp(
    text: str | float | int | None, connections: int, scale: float = 1.0
) -> float | None:
    """`200/s` (a rate), `5 s` (all connections within that time), `0` (all at once), or
    empty (the protocol's default rule); returns connections per second, `math.inf` for a
    burst. A ramp given as a duration is multiplied by `scale` (the time scale), as the
    run's duration is; a rate is not."""
    example = "'200/s', '5 s' or '0' for all at once"
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        raise ValueError(f"invalid ramp {text!r}; use e.g. {example}.")
    value = text.strip()
    if value.lower() in ("0", "0 s", "0s", "burst", "none"):
        return math.inf
    if "/" in value or value.lower().endswith(("rps", "per second")):
        try:
            rate = parse_rate(value)
        except ValueError:
            raise ValueError(f"invalid ramp {text!r}; use e.g. {example}.") from None
        if rate <= 0:
            raise ValueError(f"ramp {text!r} must be above 0 per second; use e.g. {example}.")
        return rate
    try:
        seconds = parse_duration(value)
    except ValueError:
        raise ValueError(f"invalid ramp {text!r}; use e.g. {example}.") from None
    return math.inf if seconds == 0 else connections / (seconds * scale)
