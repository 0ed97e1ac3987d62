"""What an event's `time_field` holds, and how a latency is read from it.

`perfgate` (the default): PerfGate's own send stamp, `time.monotonic_ns()`
when the publisher (or echo sender) sent the message; latency is receipt
minus stamp on one clock, exact to the nanosecond.

`epoch_s`, `epoch_ms`, `epoch_us`, `epoch_ns`: the server stamped the event
with its wall clock (`Date.now()` is `epoch_ms`), counted from 1970 in that
unit. Latency is this machine's wall clock (CLOCK_REALTIME) at receipt minus
the stamp, which is only meaningful when the server's clock is this
machine's, or synchronised with it. Receipts are taken on the monotonic
clock and moved onto the wall clock by the offset between the two, read
again every second; the uncertainty is one unit of the stamp (its
resolution) plus how far that offset moved during the run (the wall clock
set or slewed meanwhile).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Literal

TimeFormat = Literal["perfgate", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns"]
TIME_FORMATS: tuple[str, ...] = ("perfgate", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns")
# Nanoseconds in one unit of each epoch format: also the stamp's resolution.
UNIT_NS = {"epoch_s": 1_000_000_000, "epoch_ms": 1_000_000, "epoch_us": 1_000, "epoch_ns": 1}
UNIT_NAMES = {
    "epoch_s": "seconds",
    "epoch_ms": "milliseconds",
    "epoch_us": "microseconds",
    "epoch_ns": "nanoseconds",
}
# A value within this much of now, read in some unit, is a wall-clock stamp in that unit.
_GUESS_WINDOW_NS = 86_400 * 1_000_000_000


def check_time_format(value: object) -> str:
    """The format, lower-cased; ValueError (one sentence) naming the valid ones."""
    text = str(value).strip().lower() if isinstance(value, str) else ""
    if text not in TIME_FORMATS:
        raise ValueError(
            f"time_format must be one of {', '.join(TIME_FORMATS)}, not {value!r}; e.g. "
            "time_format=epoch_ms for events stamped with Date.now()."
        )
    return text


def stamp_ns(value: Any, unit_ns: int) -> int | None:
    """An epoch stamp (a JSON number or a numeric string) in ns, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value * unit_ns
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text) * unit_ns
        try:
            value = float(text)
        except ValueError:
            return None
    if isinstance(value, float) and value == value and abs(value) < 1e30:
        return round(value * unit_ns)
    return None


def wall_offset_ns() -> int:
    """`time.time_ns() - time.monotonic_ns()`, from the tightest of three bracketed reads."""
    best: tuple[int, int] | None = None
    for _ in range(3):
        before = time.monotonic_ns()
        wall = time.time_ns()
        after = time.monotonic_ns()
        if best is None or after - before < best[0]:
            best = (after - before, wall - (before + after) // 2)
    assert best is not None
    return best[1]


def guess_format(value: Any, now_wall_ns: int) -> str | None:
    """The epoch format that makes `value` a time within a day of now, if any."""
    for name, unit in UNIT_NS.items():
        ns = stamp_ns(value, unit)
        if ns is not None and abs(ns - now_wall_ns) < _GUESS_WINDOW_NS:
            return name
    return None


def as_date(ns: int) -> str:
    """A wall-clock time in ns as an ISO date and time (UTC), for messages."""
    try:
        when = datetime.fromtimestamp(ns / 1e9, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return "out of range"
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")
