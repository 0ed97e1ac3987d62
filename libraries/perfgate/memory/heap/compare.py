"""Two heap snapshots compared the way DevTools' comparison view does.

V8 gives each heap object an id that it keeps for the object's life, across
snapshots of the same process. An object of the later snapshot whose id the
earlier one lacks is *new* (allocated in between and still alive); one of
the earlier snapshot missing from the later is *deleted*. Per class name:
new, deleted, their difference (delta), and the bytes allocated, freed and
their difference (self sizes, as DevTools' "Size Delta").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from perfgate.itemaccess import ItemAccess
from perfgate.memory.heap.parse import ParsedHeap, is_internal, read_heap

# What a class must have grown by to count (both), below which V8's own churn
# between two snapshots of an idle gateway (compiled code, feedback, maps) lies.
DEFAULT_MIN_BYTES = 64 * 1024
DEFAULT_MIN_COUNT = 100
# V8's own code and metadata: they grow as the JIT compiles and re-optimises
# (+0.3 MB of compiled code between two snapshots of the leak-free Node
# fixture), never by themselves because of a leak. Shown, never counted.
RUNTIME_KINDS = frozenset({"(compiled code)", "(system)", "(object shape)"})


@dataclass(frozen=True)
class ClassGrowth(ItemAccess):
    """One row of the comparison: a class name and what changed of it."""

    name: str
    new: int
    deleted: int
    delta: int
    alloc_bytes: int
    freed_bytes: int
    delta_bytes: int

    @property
    def internal(self) -> bool:
        """V8's own kind (``(string)``, ``(array)``, ...) rather than a constructor."""
        return is_internal(self.name)

    def describe(self) -> str:
        """``SessionRecord (+5,000 objects, +0.3 MB)``, for a verdict's reason."""
        return f"{self.name} ({self.delta:+,} objects, {_mb(self.delta_bytes)})"


@dataclass
class HeapComparison(ItemAccess):
    """The classes that changed between `before` and `after`, largest size delta first.

    `growing` holds those that grew by at least `min_bytes` and `min_count`
    (above noise), V8's own code and metadata (`RUNTIME_KINDS`) aside;
    `top` the first named class among them (DevTools users look for their
    own classes first: a leak of ``SessionRecord`` objects also grows
    ``(string)`` by the strings they hold), else the first row.
    """

    before: str
    after: str
    rows: list[ClassGrowth]
    min_bytes: int
    min_count: int
    delta_bytes: int
    growing: list[ClassGrowth] = field(init=False)

    def __post_init__(self) -> None:
        self.growing = [
            row
            for row in self.rows
            if row.delta_bytes >= self.min_bytes
            and row.delta >= self.min_count
            and row.name not in RUNTIME_KINDS
        ]

    @property
    def top(self) -> ClassGrowth | None:
        named = [row for row in self.growing if not row.internal]
        found = named or self.growing
        return found[0] if found else None

    def row(self, name: str) -> ClassGrowth:
        """The row of class `name`; a row of zeros when it did not change."""
        for row in self.rows:
            if row.name == name:
                return row
        return ClassGrowth(name, 0, 0, 0, 0, 0, 0)

    def summary(self) -> str:
        """``mostly SessionRecord (+5,000 objects, +0.3 MB)``, or that nothing grew above noise."""
        top = self.top
        if top is None:
            return f"no class grew above noise ({_mb(self.min_bytes)} and {self.min_count} objects)"
        others = [row.name for row in self.growing if row is not top][:3]
        tail = f"; also {', '.join(others)}" if others else ""
        return f"mostly {top.describe()}{tail}"

    def to_dict(self, rows: int = 50) -> dict[str, Any]:
        """The first `rows` rows (the growing ones are first) and the settings, for JSON."""
        return {
            "before": self.before,
            "after": self.after,
            "min_bytes": self.min_bytes,
            "min_count": self.min_count,
            "delta_bytes": self.delta_bytes,
            "top": self.top.name if self.top else None,
            "rows": [vars(row) for row in self.rows[:rows]],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HeapComparison:
        rows = [ClassGrowth(**row) for row in data["rows"]]
        return cls(
            data["before"],
            data["after"],
            rows,
            int(data["min_bytes"]),
            int(data["min_count"]),
            int(data["delta_bytes"]),
        )


def compare_heaps(
    before: str,
    after: str,
    min_bytes: int = DEFAULT_MIN_BYTES,
    min_count: int = DEFAULT_MIN_COUNT,
) -> HeapComparison:
    """Compare the snapshot files `before` and `after` (ValueError for a file that is none)."""
    old, new = read_heap(before), read_heap(after)
    names = sorted(set(old.names) | set(new.names))
    index = {name: i for i, name in enumerate(names)}
    added = ~np.isin(new.ids, old.ids)
    removed = ~np.isin(old.ids, new.ids)
    new_count, alloc = _per_class(new, added, index, len(names))
    gone_count, freed = _per_class(old, removed, index, len(names))
    rows = [
        ClassGrowth(
            name,
            int(new_count[i]),
            int(gone_count[i]),
            int(new_count[i] - gone_count[i]),
            int(alloc[i]),
            int(freed[i]),
            int(alloc[i] - freed[i]),
        )
        for i, name in enumerate(names)
        if new_count[i] or gone_count[i]
    ]
    rows.sort(key=lambda row: (-row.delta_bytes, -row.delta, row.name))
    total = int(new.sizes.sum() - old.sizes.sum())
    return HeapComparison(before, after, rows, min_bytes, min_count, total)


def _per_class(
    heap: ParsedHeap, mask: np.ndarray, index: dict[str, int], size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Objects and bytes of the `mask`ed nodes, per class in the shared `index`."""
    to_shared = np.array([index[name] for name in heap.names], dtype=np.int64)
    classes = to_shared[heap.classes[mask]]
    counts = np.bincount(classes, minlength=size)
    sizes = np.bincount(classes, weights=heap.sizes[mask], minlength=size)
    return counts, sizes


def _mb(value: int) -> str:
    return (
        f"{value / (1024 * 1024):+,.1f} MB"
        if abs(value) >= 100 * 1024
        else f"{value / 1024:+,.1f} KB"
    )
