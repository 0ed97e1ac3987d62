"""Parse the `Server-Timing` response header (W3C Server Timing).

    Server-Timing: db;dur=53.2, cache;desc="Cache Read";dur=23.2, total;dur=123.4

Only metrics with a `dur` are kept; durations are milliseconds as sent.
The parser is a few string splits because it runs once per response
that carries the header.
"""

from __future__ import annotations

MAX_COMPONENTS = 32  # a server that invents names per request must not grow memory


def parse_server_timing(value: bytes | str) -> list[tuple[str, float]]:
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    out: list[tuple[str, float]] = []
    for metric in text.split(","):
        fields = metric.split(";")
        name = fields[0].strip()
        if not name:
            continue
        for param in fields[1:]:
            key, _, raw = param.partition("=")
            if key.strip().lower() != "dur":
                continue
            raw = raw.strip().strip('"')
            try:
                dur = float(raw)
            except ValueError:
                break
            if dur == dur and dur >= 0:  # drop NaN and negatives
                out.append((name, dur))
            break
    return out
