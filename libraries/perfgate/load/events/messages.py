"""Outgoing message templates and reading fields out of incoming JSON messages.

Both are on the hot path (one render per message sent, one lookup per
message received), so templates are split once into literal text and
slots, and field paths once into tuples of keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any, TypeVar

F = TypeVar("F")

_PLACEHOLDER = re.compile(r"\{(seq|ts_ns|channel|client)\}")
_SEQ, _TS = 0, 1
_MISSING = object()


class MessageTemplate:
    """A template with `{channel}` and `{client}` filled in once, `{seq}` and `{ts_ns}` per send."""

    __slots__ = ("_parts", "text")

    def __init__(self, text: str, channel: str = "", client: int = 0) -> None:
        self.text = text
        parts: list[str | int] = []
        pos = 0
        for match in _PLACEHOLDER.finditer(text):
            parts.append(text[pos : match.start()])
            token = match.group(1)
            if token == "channel":
                parts.append(channel)
            elif token == "client":
                parts.append(str(client))
            else:
                parts.append(_SEQ if token == "seq" else _TS)
            pos = match.end()
        parts.append(text[pos:])
        merged: list[str | int] = []
        for part in parts:
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] += part
            elif part != "":
                merged.append(part)
        self._parts = tuple(merged)

    def render(self, seq: int = 0, ts_ns: int = 0) -> str:
        return "".join(
            p if isinstance(p, str) else (str(seq) if p == _SEQ else str(ts_ns))
            for p in self._parts
        )


def compile_path(path: str) -> tuple[str, ...]:
    """`data.t` -> ("data", "t"); an empty path reads nothing."""
    return tuple(step for step in path.strip().removeprefix("$.").split(".") if step)


def lookup(doc: Any, path: tuple[str, ...]) -> Any:
    """The value at `path` in a decoded JSON object, or None when it is not there."""
    if not path:
        return None
    cur = doc
    for step in path:
        if not isinstance(cur, dict):
            return None
        cur = cur.get(step, _MISSING)
        if cur is _MISSING:
            return None
    return cur


def as_int(value: Any) -> int | None:
    """An integer field value (JSON numbers and digit strings), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def excerpt(text: str | bytes, limit: int = 120) -> str:
    """A message shortened for a note in the log."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + "..."


def with_fields(
    formats: F, overrides: Mapping[str, Any] | None, fixed: frozenset[str] = frozenset()
) -> F:
    """A copy of the dataclass `formats` (a protocol's message formats) with some text
    fields replaced; unknown names (and `fixed` ones) are refused with the known ones."""
    if not overrides:
        return formats
    known = {f.name for f in fields(formats)} - fixed  # type: ignore[arg-type]
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(
            f"unknown protocol field {unknown[0]!r}; known fields: {', '.join(sorted(known))}."
        )
    for key, value in overrides.items():
        if not isinstance(value, str):
            raise ValueError(f"protocol field {key!r} must be text, not {value!r}.")
    return replace(formats, **{str(k): str(v) for k, v in overrides.items()})  # type: ignore[type-var]
