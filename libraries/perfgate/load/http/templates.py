"""Placeholders in scenario paths, headers and bodies.

Only `{seq}`, `{uuid}` and `{choice:a|b|c}` are placeholders, so that the
braces of a JSON body stay literal. A template is parsed once into a list
of parts; rendering is a join, cheap enough for the hot path.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

_PLACEHOLDER = re.compile(r"\{(seq|uuid|choice:[^{}]*)\}")


@dataclass
class SeqCounter:
    """The request's sequence number, unique across workers: worker i of n
    numbers its requests i, i+n, i+2n, ... Every `{seq}` in one request
    renders the same number; `advance()` moves on to the next request."""

    start: int = 0
    step: int = 1
    value: int = field(init=False, default=-1)

    def advance(self) -> None:
        self.value = self.start if self.value < 0 else self.value + self.step

    def __call__(self) -> str:
        return str(self.value)


Part = str | Callable[[], str]


@dataclass
class Template:
    """A parsed template: `static` is the text itself when it has no placeholders."""

    parts: list[Part]
    static: str | None

    def render(self) -> str:
        if self.static is not None:
            return self.static
        return "".join(p if isinstance(p, str) else p() for p in self.parts)


def _uuid() -> str:
    return str(uuid.uuid4())


def _choice(options: list[str], rng: random.Random) -> Callable[[], str]:
    return lambda: rng.choice(options)


def parse_template(text: str, seq: SeqCounter, rng: random.Random) -> Template:
    """Parse `text`, raising ValueError for an empty `{choice:}`."""
    parts: list[Part] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(text):
        if m.start() > pos:
            parts.append(text[pos : m.start()])
        token = m.group(1)
        if token == "seq":
            parts.append(seq)
        elif token == "uuid":
            parts.append(_uuid)
        else:
            options = token[len("choice:") :].split("|")
            if not any(options):
                raise ValueError(
                    f"empty placeholder {m.group(0)!r} in {text!r}: list options as {{choice:a|b|c}}."
                )
            parts.append(_choice(options, rng))
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
    has_placeholders = any(not isinstance(p, str) for p in parts)
    return Template(parts=parts, static=None if has_placeholders else text)


def has_placeholders(text: str) -> bool:
    return _PLACEHOLDER.search(text) is not None
