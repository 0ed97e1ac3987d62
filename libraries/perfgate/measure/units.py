"""Human quantities in keyword arguments: durations, latencies, fractions, rates, sizes.

Formats accepted (spaces between number and unit are optional, units are
case-insensitive unless noted):

- Duration (`parse_duration`, in seconds): anything Robot Framework's time
  strings accept - ``1.5 s``, ``200 ms``, ``250 us`` / ``250 µs``, ``30s``,
  ``2m``, ``2 min``, ``1h``, ``1 min 30 s``, ``1 day``, ``01:30`` - and plain
  numbers, which are seconds. Negative durations are rejected.
- Latency (`parse_latency_ms`, in milliseconds): any duration with a unit
  (``1.5 s`` is 1500.0); a plain number is already milliseconds.
- Fraction (`parse_fraction`): ``1%``, ``0.5 %`` or a plain number from 0 to 1
  (``0.01``). A plain number above 1 is rejected as ambiguous: write ``5%``.
- Rate (`parse_rate`, in requests per second): ``500``, ``500 rps``,
  ``500/s``, ``500 req/s``, ``500 requests per second``, ``1.5k rps``,
  ``30000 rpm``, ``30000/min``, ``3600/h``. ``k`` means 1,000 and ``M``
  1,000,000.
- Size (`parse_bytes`, in bytes): ``512``, ``512 B``, ``512k``, ``64 KB``,
  ``256 MB``, ``1.5 GiB``, ``2T``. **Sizes are binary**: ``KB`` = ``KiB`` =
  1024 bytes, ``MB`` = ``MiB`` = 2**20 bytes, ``GB`` = ``GiB`` = 2**30, as
  `top`, `ps` and `free` report memory; there is no decimal megabyte.
- Memory growth (`parse_mb_per_hour`, in MiB per hour): ``5 MB/h``,
  ``10 MB/min`` (= 600 MB/h), ``512 KB/min``, ``1 GiB/day``; a plain number
  is already MB per hour.

Every error is a `ValueError` naming the bad value and showing a valid one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import timedelta

from robot.utils import timestr_to_secs

_MICRO_SIGNS = str.maketrans({"µ": "u", "μ": "u"})  # micro sign and Greek mu
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_PLAIN_NUMBER = re.compile(rf"^\s*({_NUMBER})\s*$")

_KIB = 1024
_BYTE_UNITS = {
    "": 1,
    "b": 1,
    "byte": 1,
    "bytes": 1,
    "k": _KIB,
    "kb": _KIB,
    "kib": _KIB,
    "m": _KIB**2,
    "mb": _KIB**2,
    "mib": _KIB**2,
    "g": _KIB**3,
    "gb": _KIB**3,
    "gib": _KIB**3,
    "t": _KIB**4,
    "tb": _KIB**4,
    "tib": _KIB**4,
}
_BYTES = re.compile(rf"^\s*({_NUMBER})\s*([a-z]*)\s*$", re.IGNORECASE)

_PER_SECOND = {"s", "sec", "second", "rps", "qps"}
_PER_MINUTE = {"min", "minute", "rpm"}
_PER_HOUR = {"h", "hr", "hour", "rph"}
_RATE = re.compile(
    rf"^\s*(?P<number>{_NUMBER})\s*(?P<scale>[kKM]?)\s*(?P<unit>.*?)\s*$",
)
_RATE_UNIT = re.compile(
    r"^(?:(?:req(?:uest)?s?|r|iter(?:ation)?s?|msgs?|messages?|events?)?\s*"
    r"(?:/|per\s+)\s*(?P<per>[a-z]+)|(?P<short>rps|rpm|rph|qps))$",
    re.IGNORECASE,
)

_GROWTH = re.compile(
    rf"^\s*(?P<size>{_NUMBER}\s*[a-z]*)\s*(?:/|per\s+)\s*(?P<per>[a-z]+)\s*$", re.I
)
_HOURS_PER = {
    "s": 1 / 3600,
    "sec": 1 / 3600,
    "second": 1 / 3600,
    "m": 1 / 60,
    "min": 1 / 60,
    "minute": 1 / 60,
    "h": 1.0,
    "hr": 1.0,
    "hour": 1.0,
    "d": 24.0,
    "day": 24.0,
}


def _plain_number(text: str) -> float | None:
    match = _PLAIN_NUMBER.match(text)
    return float(match.group(1)) if match else None


def _quantity(
    text: object,
    what: str,
    example: str,
    read_text: Callable[[str], float | None],
    *,
    timedelta_ok: bool = False,
    negative_ok: bool = False,
) -> float:
    """`text` as a finite number: plain numbers as they are, strings through `read_text`.

    `read_text` returns None for a string it cannot read (the caller gets the
    usual "invalid ..." sentence) or raises its own, more precise ValueError.
    Every parser below shares these checks so their messages stay alike.
    """
    if isinstance(text, bool):
        raise ValueError(f"a {what} cannot be a boolean ({text!r}); use e.g. {example}.")
    value: float | None = None
    if isinstance(text, timedelta) and timedelta_ok:
        value = text.total_seconds()
    elif isinstance(text, (int, float)):
        value = float(text)
    elif isinstance(text, str):
        value = read_text(text)
    if value is None:
        raise ValueError(f"invalid {what} {text!r}; use e.g. {example}.")
    if not math.isfinite(value):
        raise ValueError(f"a {what} must be a finite number, not {value!r}; use e.g. {example}.")
    if value < 0 and not negative_ok:
        raise ValueError(f"{what} {text!r} is negative; use e.g. {example}.")
    return value


def parse_duration(text: str | float | int | timedelta) -> float:
    """Seconds in a duration such as ``200 ms``, ``1 min 30 s`` or ``30``."""
    return _quantity(
        text, "duration", "'30 s', '1 min 30 s' or '200 ms'", _duration_text, timedelta_ok=True
    )


def _duration_text(text: str) -> float | None:
    try:
        return float(timestr_to_secs(text.translate(_MICRO_SIGNS), round_to=None))
    except (ValueError, TypeError):
        return None


def parse_latency_ms(text: str | float) -> float:
    """Milliseconds in a latency such as ``200 ms`` or ``1.5 s``; a bare number is ms."""
    return _quantity(text, "latency", "'200 ms', '1.5 s' or 200", _latency_text)


def _latency_text(text: str) -> float | None:
    plain = _plain_number(text)
    if plain is not None:
        return plain
    seconds = _duration_text(text)
    # A duration that is not one (negative, infinite) is an invalid latency.
    if seconds is None or seconds < 0 or not math.isfinite(seconds):
        return None
    return seconds * 1000.0


def parse_fraction(text: str | float) -> float:
    """A fraction from 0 to 1, from ``1%``, ``0.5 %`` or ``0.01``."""
    example = "'1%', '0.5 %' or 0.01"
    percent = isinstance(text, str) and text.strip().endswith("%")

    def read(raw: str) -> float | None:
        number = _plain_number(raw.strip().removesuffix("%") if percent else raw)
        return number / 100.0 if percent and number is not None else number

    value = _quantity(text, "fraction", example, read, negative_ok=True)
    if not percent and value > 1:
        raise ValueError(
            f"fraction {text!r} is above 1; write a percentage with '%' (e.g. '{value:g}%') "
            f"or a number from 0 to 1 (e.g. 0.01)."
        )
    if not 0 <= value <= 1:
        raise ValueError(f"fraction {text!r} is outside 0%..100%; use e.g. {example}.")
    return value


def parse_rate(text: str | float) -> float:
    """Requests per second from ``500 rps``, ``500/s``, ``1.5k rps`` or ``30000 rpm``."""
    example = "'500 rps', '500/s' or '1.5k rps'"
    return _quantity(text, "rate", example, lambda rate: _parse_rate_text(rate, example))


def _parse_rate_text(text: str, example: str) -> float | None:
    match = _RATE.match(text)
    if not match:
        return None
    value = float(match.group("number"))
    scale = match.group("scale")
    unit = match.group("unit")
    if scale:
        value *= 1_000_000 if scale == "M" else 1_000
    if not unit:
        return value
    unit_match = _RATE_UNIT.match(unit)
    if not unit_match:
        return None
    per = (unit_match.group("per") or unit_match.group("short")).lower()
    per = per[:-1] if per.endswith("s") and per not in {"s", "rps", "qps"} else per
    if per in _PER_SECOND:
        return value
    if per in _PER_MINUTE or per == "m":
        return value / 60.0
    if per in _PER_HOUR:
        return value / 3600.0
    raise ValueError(f"invalid rate {text!r}: unknown time unit {per!r}; use e.g. {example}.")


def parse_bytes(text: str | float | int) -> int:
    """Bytes in a size such as ``256 MB`` (binary: MB = MiB = 2**20), ``1.5 GiB`` or ``512k``."""
    return round(_quantity(text, "size", "'256 MB', '1.5 GiB' or '512k'", _bytes_text))


def parse_size_with_unit(text: str | float | int, what: str = "size") -> int:
    """`parse_bytes`, but a bare number other than 0 is refused: ``512`` where megabytes
    were meant would be 512 bytes, a limit reached at once."""
    plain = text if isinstance(text, (int, float)) else _plain_number(str(text))
    if plain is not None and not isinstance(plain, bool) and plain != 0:
        raise ValueError(
            f"{what} {str(text).strip()!r} has no unit and would be {plain:g} bytes; "
            f"write e.g. '{plain:g} MB' or '{plain:g} KB'."
        )
    return parse_bytes(text)


def _bytes_text(text: str) -> float | None:
    match = _BYTES.match(text)
    unit = match.group(2).lower() if match else None
    if not match or unit not in _BYTE_UNITS:
        return None
    return float(match.group(1)) * _BYTE_UNITS[unit]


def parse_mb_per_hour(text: str | float) -> float:
    """Memory growth in MiB per hour from ``5 MB/h``, ``10 MB/min`` or ``512 KB/min``."""
    example = "'5 MB/h' or '10 MB/min'"
    return _quantity(text, "growth rate", example, lambda rate: _growth_text(rate, example))


def _growth_text(text: str, example: str) -> float | None:
    plain = _plain_number(text)
    if plain is not None:
        return plain
    match = _GROWTH.match(text)
    if not match:
        return None
    per = match.group("per").lower()
    per = per[:-1] if per.endswith("s") and per != "s" else per
    if per not in _HOURS_PER:
        raise ValueError(
            f"invalid growth rate {text!r}: unknown time unit {per!r}; use e.g. {example}."
        )
    size = _bytes_text(match.group("size"))
    if size is None or not math.isfinite(size) or size < 0:
        return None
    return round(size) / _KIB**2 / _HOURS_PER[per]


def format_ms(value: float) -> str:
    """Milliseconds for log tables: always in ms, with precision that suits the size."""
    if not math.isfinite(value):
        return "n/a"
    magnitude = abs(value)
    if magnitude < 1:
        return f"{value:.3f} ms"
    if magnitude < 10:
        return f"{value:.2f} ms"
    return f"{value:,.1f} ms"


def format_bytes(n: float) -> str:
    """Bytes for log tables, in binary units labelled KiB/MiB/GiB so nobody guesses."""
    if not math.isfinite(n):
        return "n/a"
    magnitude = abs(n)
    for unit, size in (("TiB", _KIB**4), ("GiB", _KIB**3), ("MiB", _KIB**2), ("KiB", _KIB)):
        if magnitude >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


def format_number(value: float, digits: int = 3) -> str:
    """A number as every table, chart and message shows it: thousands separators and
    `digits` significant digits, never an exponent: ``0.833``, ``12.5``, ``11,667``.

    Whole thousands keep every digit (``11,667``, not ``1.17e+04``): rounding them
    away would show a rate that was never measured.
    """
    if not math.isfinite(value):
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 10 ** (digits - 1) or magnitude == 0:
        return f"{round(value):,}"
    decimals = digits - 1 - math.floor(math.log10(magnitude))
    text = f"{value:,.{decimals}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text
