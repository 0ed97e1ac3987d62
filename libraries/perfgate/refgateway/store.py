"""The in-memory resource API's data: a bounded mission store and a spec catalogue."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

SPEC_COUNT = 250
_SPEC_WORDS = (
    "config",
    "test",
    "loop",
    "backend",
    "ui",
    "server",
    "cache",
    "auth",
    "stream",
    "queue",
    "metrics",
    "storage",
    "router",
    "session",
)


@dataclass
class MissionStore:
    """Missions by id, oldest evicted first past `limit` items or `max_bytes`.

    Sizes are the request bodies' byte counts, a fair proxy for what a
    mission holds, so big bodies cannot grow the store past its bound.
    The newest mission is always kept.
    """

    limit: int
    max_bytes: int
    _items: OrderedDict[int, tuple[dict[str, Any], int]] = field(default_factory=OrderedDict)
    next_id: int = 1
    evictions: int = 0
    bytes: int = 0

    def add(self, fields: dict[str, Any], size: int) -> dict[str, Any]:
        mission = {**fields, "id": self.next_id, "created_ns": time.time_ns()}
        self._items[self.next_id] = (mission, size)
        self.bytes += size
        self.next_id += 1
        self._evict()
        return mission

    def get(self, mission_id: int) -> dict[str, Any] | None:
        found = self._items.get(mission_id)
        return found[0] if found else None

    def newest(self, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` missions, newest first."""
        out: list[dict[str, Any]] = []
        for mission_id in reversed(self._items):
            if len(out) >= limit:
                break
            out.append(self._items[mission_id][0])
        return out

    def resize(self, limit: int, max_bytes: int) -> None:
        if limit < 1 or max_bytes < 1:
            raise ValueError(f"store limits ({limit} items, {max_bytes} bytes) must be at least 1.")
        self.limit = limit
        self.max_bytes = max_bytes
        self._evict()

    def __len__(self) -> int:
        return len(self._items)

    def _evict(self) -> None:
        while len(self._items) > 1 and (
            len(self._items) > self.limit or self.bytes > self.max_bytes
        ):
            _, (_, size) = self._items.popitem(last=False)
            self.bytes -= size
            self.evictions += 1


@dataclass(frozen=True)
class Spec:
    """One spec of the catalogue; `haystack` is its name and tags in lower case,
    what a search looks in, so a search does not lower-case every spec again."""

    id: str
    name: str
    tags: tuple[str, ...]
    haystack: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "tags": list(self.tags)}


def make_specs(count: int = SPEC_COUNT) -> dict[int, Spec]:
    """A fixed catalogue: ids 001..count, names and tags drawn from a word list.

    Deterministic so that a search for a word finds the same specs in every run.
    """
    specs = {}
    n = len(_SPEC_WORDS)
    for number in range(1, count + 1):
        tags = (_SPEC_WORDS[number % n], _SPEC_WORDS[(number * 7 + 3) % n])
        name = f"{_SPEC_WORDS[(number * 3) % n]} {tags[0]} spec {number:03d}"
        haystack = f"{name} {' '.join(tags)}".lower()
        specs[number] = Spec(f"{number:03d}", name, tags, haystack)
    return specs


def spec_number(raw: str) -> int | None:
    """'007' and '7' name the same spec; anything else names none."""
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


def search_specs(specs: dict[int, Spec], query: str, limit: int) -> list[Spec]:
    needle = query.lower()
    found = []
    for spec in specs.values():
        if needle in spec.haystack:
            found.append(spec)
            if len(found) >= limit:
                break
    return found
