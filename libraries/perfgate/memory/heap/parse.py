"""Reading a V8 ``.heapsnapshot``: every node's id, self size and constructor, as DevTools names it.

A snapshot is JSON: ``nodes`` is one flat array of integers, ``node_fields``
per node (``type``, ``name``, ``id``, ``self_size``, ...), names are indexes
into ``strings``. DevTools' summary groups nodes by *class name*: an object's
or native object's own name (``SessionRecord``, ``Object``, ``Buffer``),
and V8's internal kinds in brackets: ``(string)``, ``(array)``,
``(closure)``, ``(compiled code)``, ``(system)`` and so on. So does this.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_NAMED_TYPES = ("object", "native")
# DevTools' names for V8's kinds that are not named by their constructor.
_TYPE_NAMES = {"hidden": "(system)", "code": "(compiled code)"}


@dataclass(frozen=True)
class ParsedHeap:
    """Every node of a snapshot: `ids`, `sizes` and `classes` (an index into `names`)."""

    names: list[str]
    ids: np.ndarray
    sizes: np.ndarray
    classes: np.ndarray

    @property
    def count(self) -> int:
        return int(self.ids.size)

    def by_class(self) -> dict[str, tuple[int, int]]:
        """{class name: (objects, self size in bytes)}."""
        counts = np.bincount(self.classes, minlength=len(self.names))
        sizes = np.bincount(self.classes, weights=self.sizes, minlength=len(self.names))
        return {
            name: (int(counts[i]), int(sizes[i])) for i, name in enumerate(self.names) if counts[i]
        }


def read_heap(path: str | Path) -> ParsedHeap:
    """The nodes of the snapshot at `path`; ValueError in one sentence for anything else."""
    try:
        with open(path, "rb") as handle:
            data = json.load(handle)
        meta = data["snapshot"]["meta"]
        fields: list[str] = meta["node_fields"]
        types: list[str] = meta["node_types"][0]
        nodes = np.asarray(data["nodes"], dtype=np.int64).reshape(-1, len(fields))
        strings: list[str] = data["strings"]
    except OSError as exc:
        raise ValueError(f"Cannot read the heap snapshot {str(path)!r}: {exc.strerror}.") from None
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise ValueError(
            f"{str(path)!r} is not a V8 heap snapshot ({type(exc).__name__}: {exc})."
        ) from None
    column = {name: i for i, name in enumerate(fields)}
    kinds, names = nodes[:, column["type"]], nodes[:, column["name"]]
    named = np.isin(kinds, [types.index(t) for t in _NAMED_TYPES if t in types])
    # One key per class: a string index for named nodes, minus (type + 1) for the rest.
    keys = np.where(named, names, -(kinds + 1))
    unique, classes = np.unique(keys, return_inverse=True)
    labels = [strings[k] if k >= 0 else _kind_name(types[-k - 1]) for k in unique.tolist()]
    return ParsedHeap(
        labels, nodes[:, column["id"]], nodes[:, column["self_size"]], classes.reshape(-1)
    )


def _kind_name(kind: str) -> str:
    return _TYPE_NAMES.get(kind, f"({kind})")


def is_internal(name: str) -> bool:
    """Whether `name` is one of V8's bracketed kinds rather than a constructor's name."""
    return name.startswith("(") and name.endswith(")")
