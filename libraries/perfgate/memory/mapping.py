"""Where memory lives, by mapping: heap, anonymous, stacks, libraries, files.

When a run is judged a leak, the growth per kind of mapping between the first
and the last sample tells the reader where to look: `[heap]` growth is
malloc (C extensions, small objects), anonymous growth is large allocations,
arenas and JIT/GC heaps, file growth is mmapped data or caches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psutil

CATEGORIES = ("heap", "anonymous", "stack", "libraries", "files", "other")
TOP_PATHS = 5


@dataclass(frozen=True)
class MappingSnapshot:
    """Resident bytes per category, and per path for file-backed mappings."""

    by_category: dict[str, int]
    by_path: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class MappingGrowth:
    name: str
    before: int
    after: int

    @property
    def growth(self) -> int:
        return self.after - self.before


def category_of(path: str) -> str:
    if path == "[heap]":
        return "heap"
    if path == "" or path.startswith("[anon"):
        return "anonymous"
    if path.startswith("[stack"):
        return "stack"
    if path.startswith("/"):
        name = path.rsplit("/", 1)[-1]
        return "libraries" if ".so" in name else "files"
    return "other"  # [vdso], [vvar], [vsyscall]


def snapshot_mappings(pids: list[int]) -> MappingSnapshot | None:
    """Resident memory by mapping over `pids`; None when none could be read."""
    by_category = dict.fromkeys(CATEGORIES, 0)
    by_path: dict[str, int] = {}
    read_any = False
    for pid in pids:
        try:
            maps = psutil.Process(pid).memory_maps(grouped=True)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        read_any = True
        for region in maps:
            category = category_of(region.path)
            by_category[category] += region.rss
            if category in ("files", "libraries"):
                by_path[region.path] = by_path.get(region.path, 0) + region.rss
    return MappingSnapshot(by_category, by_path) if read_any else None


def mapping_growth(before: MappingSnapshot, after: MappingSnapshot) -> list[MappingGrowth]:
    """Growth per category (largest first), then the file paths that grew most."""
    rows = [
        MappingGrowth(c, before.by_category.get(c, 0), after.by_category.get(c, 0))
        for c in CATEGORIES
    ]
    rows.sort(key=lambda r: r.growth, reverse=True)
    paths = [
        MappingGrowth(p, before.by_path.get(p, 0), after.by_path.get(p, 0))
        for p in set(before.by_path) | set(after.by_path)
    ]
    paths = sorted((p for p in paths if p.growth > 0), key=lambda r: r.growth, reverse=True)
    return rows + paths[:TOP_PATHS]
