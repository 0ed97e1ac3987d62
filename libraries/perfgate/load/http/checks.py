"""Checks on a response: the status it may have and facts about its JSON body.

JSON checks are one-line expressions, so that a scenario file stays
readable to a QA engineer:

    $.id exists            $.items[0].name not exists
    status == "ok"         $.count >= 1          $.user.role != "guest"

A path without the leading `$.` is taken from the top of the document.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from perfgate.load.http import errors

DEFAULT_OK = frozenset(range(200, 400))

_MISSING = object()

_CHECK = re.compile(
    r"^\s*(?P<path>[^\s=!<>]+)\s*"
    r"(?:(?P<exists>not\s+exists|exists)|(?P<op>==|!=|>=|<=|>|<)\s*(?P<value>.+?))\s*$"
)
_STEP = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}


def parse_status_expectation(spec: object) -> frozenset[int]:
    """Accept 200, "200,201", [200, "2xx"], "2xx"; raise ValueError for anything else."""
    if spec is None:
        return DEFAULT_OK
    items: Iterable[object]
    if isinstance(spec, (int, str)):
        items = str(spec).replace(";", ",").split(",")
    elif isinstance(spec, (list, tuple, set, frozenset)):
        items = spec
    else:
        raise ValueError(f"invalid expected status {spec!r}: give codes like 200,201 or 2xx.")
    codes: set[int] = set()
    for item in items:
        text = str(item).strip().lower()
        if not text:
            continue
        if re.fullmatch(r"[1-5]xx", text):
            base = int(text[0]) * 100
            codes.update(range(base, base + 100))
        elif re.fullmatch(r"\d{3}", text) and 100 <= int(text) <= 599:
            codes.add(int(text))
        else:
            raise ValueError(
                f"invalid expected status {item!r}: give a code from 100 to 599 or a class like 2xx."
            )
    if not codes:
        raise ValueError(f"invalid expected status {spec!r}: it lists no codes.")
    return frozenset(codes)


@dataclass(frozen=True)
class JsonCheck:
    text: str
    steps: tuple[str | int, ...]
    op: str  # "exists", "not exists" or a comparison operator
    value: Any = None

    def passes(self, doc: Any) -> bool:
        found = _lookup(doc, self.steps)
        if self.op == "exists":
            return found is not _MISSING
        if self.op == "not exists":
            return found is _MISSING
        if found is _MISSING:
            return False
        try:
            return bool(_OPS[self.op](found, self.value))
        except TypeError:
            # "5" > 3: a type mismatch is a failed check, not a crash of the run.
            return False


def parse_json_check(text: str) -> JsonCheck:
    """Parse one check expression, or raise ValueError explaining the accepted forms."""
    m = _CHECK.match(text) if isinstance(text, str) else None
    if not m:
        raise ValueError(
            f"invalid JSON check {text!r}: write '$.field exists', '$.field not exists' "
            "or '$.field == \"value\"' (also != > >= < <=)."
        )
    path = m.group("path")
    if path.startswith("$"):
        path = path[1:]
    steps: list[str | int] = []
    pos = 0
    while pos < len(path):
        s = _STEP.match(path, pos)
        if not s or s.end() == pos:
            raise ValueError(f"invalid JSON path in check {text!r}: use $.a.b[0].c.")
        steps.append(int(s.group(2)) if s.group(2) is not None else s.group(1))
        pos = s.end()
    if m.group("exists"):
        return JsonCheck(text, tuple(steps), " ".join(m.group("exists").split()))
    raw = m.group("value")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise ValueError(
            f'invalid value {raw!r} in JSON check {text!r}: quote strings, e.g. == "ok".'
        ) from None
    return JsonCheck(text, tuple(steps), m.group("op"), value)


def _lookup(doc: Any, steps: tuple[str | int, ...]) -> Any:
    cur = doc
    for step in steps:
        if isinstance(step, int):
            if not isinstance(cur, list) or step >= len(cur):
                return _MISSING
            cur = cur[step]
        else:
            if not isinstance(cur, dict) or step not in cur:
                return _MISSING
            cur = cur[step]
    return cur


@dataclass(frozen=True)
class Expectations:
    """What makes a response a success for one named request."""

    status: frozenset[int] = DEFAULT_OK
    json_checks: tuple[JsonCheck, ...] = ()

    @property
    def needs_body(self) -> bool:
        return bool(self.json_checks)

    def error_kind(self, status: int, body: bytes | None) -> str | None:
        """None when the response is a success, otherwise its error kind."""
        if status not in self.status:
            return errors.kind_of_status(status)
        if self.json_checks:
            try:
                doc = json.loads(body or b"")
            except ValueError:
                return errors.CHECK
            for check in self.json_checks:
                if not check.passes(doc):
                    return errors.CHECK
        return None


def parse_expectations(status: object = None, json_checks: object = None) -> Expectations:
    if json_checks is None:
        checks: list[str] = []
    elif isinstance(json_checks, str):
        checks = [json_checks]
    elif isinstance(json_checks, (list, tuple)):
        checks = [str(c) for c in json_checks]
    else:
        raise ValueError(f"invalid JSON checks {json_checks!r}: give a list of check expressions.")
    return Expectations(
        status=parse_status_expectation(status),
        json_checks=tuple(parse_json_check(c) for c in checks),
    )
