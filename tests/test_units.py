"""Parsing of human quantities, and the one-sentence errors for bad ones."""

from __future__ import annotations

from datetime import timedelta

import pytest

from perfgate.measure.units import (
    format_bytes,
    format_ms,
    parse_bytes,
    parse_duration,
    parse_fraction,
    parse_latency_ms,
    parse_mb_per_hour,
    parse_rate,
    parse_size_with_unit,
)

MIB = 2**20


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("200 ms", 0.2),
        ("1.5 s", 1.5),
        ("1 min 30 s", 90),
        ("30s", 30),
        ("2m", 120),
        ("1h", 3600),
        ("250us", 0.00025),
        ("250 µs", 0.00025),  # micro sign
        ("250 μs", 0.00025),  # Greek mu
        ("01:30", 90),
        ("1 day", 86_400),
        ("45", 45),
        (45, 45),
        (0.25, 0.25),
        (timedelta(minutes=2), 120),
        ("0s", 0),
    ],
)
def test_parse_duration(text, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("soon", "invalid duration 'soon'"),
        ("-5 s", "negative"),
        (-1, "negative"),
        (float("inf"), "finite"),
        (True, "boolean"),
        (None, "invalid duration"),
        ("5 parsecs", "invalid duration"),
    ],
)
def test_parse_duration_rejects(text, message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        parse_duration(text)
    assert "e.g." in str(error.value)


@pytest.mark.parametrize(
    ("text", "ms"),
    [("200 ms", 200), ("1.5 s", 1500), ("200", 200), (" 12.5 ", 12.5), (3, 3), ("250 us", 0.25)],
)
def test_parse_latency_ms(text, ms: float) -> None:
    assert parse_latency_ms(text) == pytest.approx(ms)


@pytest.mark.parametrize("text", ["fast", "-3 ms", "-3", "5 furlongs"])
def test_parse_latency_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="latency"):
        parse_latency_ms(text)


@pytest.mark.parametrize(
    ("text", "fraction"),
    [("1%", 0.01), ("0.5 %", 0.005), (0.01, 0.01), ("0.01", 0.01), ("100%", 1), ("0", 0), (1, 1)],
)
def test_parse_fraction(text, fraction: float) -> None:
    assert parse_fraction(text) == pytest.approx(fraction)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5", "above 1; write a percentage"),
        (2.5, "above 1"),
        ("150%", "outside 0%..100%"),
        ("-1%", "outside"),
        ("one percent", "invalid fraction"),
        ("%", "invalid fraction"),
    ],
)
def test_parse_fraction_rejects(text, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_fraction(text)


@pytest.mark.parametrize(
    ("text", "rps"),
    [
        ("500 rps", 500),
        ("500/s", 500),
        ("500 req/s", 500),
        ("500 requests/second", 500),
        ("500 requests per second", 500),
        ("1.5k rps", 1500),
        ("2M/h", 2_000_000 / 3600),
        ("30000 rpm", 500),
        ("600/min", 10),
        ("7200 per hour", 2),
        ("20 msgs/s", 20),
        ("500", 500),
        (12.5, 12.5),
    ],
)
def test_parse_rate(text, rps: float) -> None:
    assert parse_rate(text) == pytest.approx(rps)


@pytest.mark.parametrize("text", ["fast", "500 rpx", "500/fortnight", "-5 rps", "5 rps extra"])
def test_parse_rate_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="rate") as error:
        parse_rate(text)
    assert "e.g." in str(error.value)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("256 MB", 256 * MIB),
        ("256MiB", 256 * MIB),
        ("256 mb", 256 * MIB),
        ("1.5 GiB", 1536 * MIB),
        ("1.5 GB", 1536 * MIB),
        ("512k", 512 * 1024),
        ("64 KB", 64 * 1024),
        ("2T", 2 * 2**40),
        ("100", 100),
        ("100 B", 100),
        (4096, 4096),
        (10.6, 11),
    ],
)
def test_parse_bytes_is_binary(text, size: int) -> None:
    assert parse_bytes(text) == size
    assert isinstance(parse_bytes(text), int)


@pytest.mark.parametrize("text", ["big", "12 XB", "-1 MB", "1.5.2 MB"])
def test_parse_bytes_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="size"):
        parse_bytes(text)


@pytest.mark.parametrize(
    ("text", "mb_per_hour"),
    [
        ("5 MB/h", 5),
        ("10 MB/min", 600),
        ("512 KB/min", 30),
        ("1 GiB/day", 1024 / 24),
        ("1 MB per second", 3600),
        ("2 MB/hours", 2),
        ("3", 3),
        (0.5, 0.5),
    ],
)
def test_parse_mb_per_hour(text, mb_per_hour: float) -> None:
    assert parse_mb_per_hour(text) == pytest.approx(mb_per_hour)


@pytest.mark.parametrize("text", ["lots", "5 MB/week", "5 XB/h", "-5 MB/h", "5 MB"])
def test_parse_mb_per_hour_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="growth rate"):
        parse_mb_per_hour(text)


def test_format_ms_keeps_milliseconds_with_fitting_precision() -> None:
    assert format_ms(0.4123) == "0.412 ms"
    assert format_ms(4.123) == "4.12 ms"
    assert format_ms(312.44) == "312.4 ms"
    assert format_ms(12_345.61) == "12,345.6 ms"
    assert format_ms(float("nan")) == "n/a"


def test_format_bytes_uses_unambiguous_binary_labels_that_parse_back() -> None:
    assert format_bytes(12) == "12 B"
    assert format_bytes(300 * MIB) == "300.0 MiB"
    assert format_bytes(1.5 * 2**30) == "1.5 GiB"
    assert format_bytes(2048) == "2.0 KiB"
    assert parse_bytes(format_bytes(300 * MIB)) == 300 * MIB
    assert format_bytes(float("inf")) == "n/a"


def test_a_size_limit_without_unit_is_refused_with_a_hint() -> None:
    with pytest.raises(ValueError) as error:
        parse_size_with_unit("512", "the memory limit")
    assert str(error.value) == (
        "the memory limit '512' has no unit and would be 512 bytes; write e.g. '512 MB' or "
        "'512 KB'."
    )
    assert parse_size_with_unit("512 MB") == 512 * 2**20
    assert parse_size_with_unit("0") == 0
