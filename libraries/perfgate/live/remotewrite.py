"""Prometheus remote write 1.0: a `WriteRequest` in protobuf, snappy-compressed, POSTed.

The message is three small protobuf types, so it is encoded here by hand
rather than through a generated module and the protobuf runtime:

    WriteRequest { repeated TimeSeries timeseries = 1; }
    TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
    Label        { string name = 1; string value = 2; }
    Sample       { double value = 1; int64 timestamp = 2; }   (ms since the epoch)

The body is snappy's block format (`cramjam.snappy.compress_raw`), the
receiver is Prometheus started with ``--web.enable-remote-write-receiver``
(``/api/v1/write``), Grafana Mimir, Thanos Receive, VictoriaMetrics...
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping, Sequence

import cramjam

Labels = tuple[tuple[str, str], ...]  # sorted by name, ``__name__`` included
Point = tuple[int, float]  # (timestamp ms, value)

HEADERS = {
    "Content-Encoding": "snappy",
    "Content-Type": "application/x-protobuf",
    "User-Agent": "perfgate",
    "X-Prometheus-Remote-Write-Version": "0.1.0",
}


def _varint(n: int) -> bytes:
    if n < 0:  # int64 as protobuf writes it: ten bytes of two's complement
        n += 1 << 64
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _field(tag: int, payload: bytes) -> bytes:
    """A length-delimited field (`tag` holds the field number and wire type 2)."""
    return bytes((tag,)) + _varint(len(payload)) + payload


def _label(name: str, value: str) -> bytes:
    return _field(0x0A, _field(0x0A, name.encode()) + _field(0x12, value.encode()))


def _sample(timestamp_ms: int, value: float) -> bytes:
    return _field(0x12, b"\x09" + struct.pack("<d", value) + b"\x10" + _varint(timestamp_ms))


def encode(series: Mapping[Labels, Sequence[Point]]) -> bytes:
    """The protobuf `WriteRequest` of `series` (points in time order), uncompressed."""
    parts = []
    for labels, points in series.items():
        body = b"".join(_label(n, v) for n, v in labels)
        body += b"".join(_sample(t, v) for t, v in points)
        parts.append(_field(0x0A, body))
    return b"".join(parts)


def compress(body: bytes) -> bytes:
    """Snappy's block format, as remote write wants it (not the framed stream format)."""
    return bytes(cramjam.snappy.compress_raw(body))


def labels(name: str, pairs: Iterable[tuple[str, str]]) -> Labels:
    """`name` and `pairs` as one sorted label set; empty values are left out (Prometheus
    treats an empty label as an absent one)."""
    return tuple(sorted([("__name__", name), *((k, v) for k, v in pairs if v != "")]))
