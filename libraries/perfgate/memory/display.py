"""How memory figures are shown: binary megabytes and short durations.

Memory is reported in binary megabytes (2**20 bytes), the unit `free -m`,
`top` and container limits use, so a figure in log.html matches what an
operator sees on the host.
"""

from __future__ import annotations

BYTES_PER_MB = 1024 * 1024
SECONDS_PER_HOUR = 3600.0


def to_mb(value_bytes: float) -> float:
    return value_bytes / BYTES_PER_MB


def format_mb(value_bytes: float, digits: int = 1) -> str:
    return f"{value_bytes / BYTES_PER_MB:.{digits}f} MB"


def format_duration(seconds: float) -> str:
    """`95` -> `1 min 35 s`, `7260` -> `2 h 1 min`: short enough for a verdict line."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
