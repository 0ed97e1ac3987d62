"""Allocation sites of a Node.js gateway from V8's sampling heap profiler.

``HeapProfiler.startSampling`` records, on average once per
``samplingInterval`` allocated bytes, the JavaScript stack that allocated;
a sample is dropped when its object is collected. So at
``stopSampling``, after a full collection, the profile holds what the
gateway allocated since the start *and still keeps*: the sites of a leak.
V8 records each stack frame's function with the line where that function
starts (not the statement), so a site is a function, its file and its line.
The session must stay open in between: closing it ends the sampling.
"""

from __future__ import annotations

import os
import re
import sysconfig
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from perfgate.itemaccess import ItemAccess
from perfgate.memory.heap.inspector import Inspector
from perfgate.memory.heap.targets import NodeTarget

DEFAULT_INTERVAL_BYTES = 32 * 1024  # V8's default


@dataclass(frozen=True)
class AllocationSite(ItemAccess):
    """Bytes still held that `function` at `file`:`line` allocated (line 1-based; 0 if unknown)."""

    function: str
    file: str
    line: int
    bytes: int

    def describe(self) -> str:
        where = f"{self.file}:{self.line}" if self.file else "(native)"
        return f"{self.function or '(anonymous)'} at {where} ({self.bytes / 1024:,.1f} KB kept)"


@dataclass
class AllocationProfile(ItemAccess):
    """What a tracking window kept, by site, most first. ``${profile.top.function}``."""

    target: str
    duration_s: float
    interval_bytes: int
    kept_bytes: int
    sites: list[AllocationSite] = field(default_factory=list)
    # memray's capture files of a Python gateway, one per process (`memray summary` reads them).
    files: list[str] = field(default_factory=list)

    @property
    def top(self) -> AllocationSite | None:
        """The site in the gateway's own code (not Node's internals) that kept most, else the first."""
        own = [site for site in self.sites if _own_code(site.file)]
        found = own or self.sites
        return found[0] if found else None

    def summary(self, min_bytes: int = 64 * 1024) -> str:
        """``mostly _leak at .../faults.py:153 (4,041.9 KB kept)``, or that nothing kept much."""
        top = self.top
        if top is None or top.bytes < min_bytes:
            return f"no allocation site kept {min_bytes / 1024:,.0f} KB or more"
        return f"mostly {top.describe()}"

    def to_dict(self, rows: int = 50) -> dict[str, Any]:
        """The first `rows` sites and the window's figures, for JSON."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["sites"] = [vars(site) for site in self.sites[:rows]]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AllocationProfile:
        sites = [AllocationSite(**site) for site in data.get("sites", [])]
        return cls(**{**data, "sites": sites})


class AllocationTracker:
    """Allocations sampled between `start` and `stop` through a session its owner keeps open."""

    def __init__(
        self, target: NodeTarget, inspector: Inspector, interval_bytes: int, alias: str
    ) -> None:
        if interval_bytes < 1:
            raise ValueError(f"interval must be at least 1 byte, got {interval_bytes}.")
        self.target = target
        self.alias = alias
        self.interval_bytes = interval_bytes
        self._inspector: Inspector | None = inspector
        self._began = 0.0

    def start(self, timeout_s: float = 30.0) -> None:
        assert self._inspector is not None
        self._inspector.call("HeapProfiler.enable", timeout_s=timeout_s)
        params = {"samplingInterval": self.interval_bytes}
        self._inspector.call("HeapProfiler.startSampling", params, timeout_s)
        self._began = time.monotonic()

    def stop(self, timeout_s: float = 60.0) -> AllocationProfile:
        """Collect garbage (so what is left is kept) and stop sampling."""
        if self._inspector is None:
            raise ValueError(f"allocation tracking '{self.alias}' is not running.")
        inspector, self._inspector = self._inspector, None
        inspector.call("HeapProfiler.collectGarbage", timeout_s=timeout_s)
        profile = inspector.call("HeapProfiler.stopSampling", timeout_s=timeout_s)
        sites = allocation_sites(profile["profile"]["head"])
        duration = time.monotonic() - self._began
        kept = sum(site.bytes for site in sites)
        return AllocationProfile(self.target.label, duration, self.interval_bytes, kept, sites)


def allocation_sites(head: dict[str, Any]) -> list[AllocationSite]:
    """Self sizes of the profile's tree summed per (function, file, line), most first."""
    kept: Counter[tuple[str, str, int]] = Counter()
    stack = [head]
    while stack:
        node = stack.pop()
        frame = node["callFrame"]
        line = int(frame.get("lineNumber", -1)) + 1
        kept[(frame.get("functionName", ""), frame.get("url", ""), line)] += int(node["selfSize"])
        stack.extend(node.get("children", []))
    return [
        AllocationSite(function, file, line, size)
        for (function, file, line), size in kept.most_common()
        if size > 0
    ]


def _own_code(file: str) -> bool:
    """A file of the gateway rather than Node's own (``node:http``), Python's (its standard
    library, installed packages, ``<frozen ...>``) or native code."""
    if not file or file.startswith(("node:", "internal/", "<")):
        return False
    return not (_PACKAGES.search(file) or file.startswith(_STDLIB))


_PACKAGES = re.compile(r"[/\\](site|dist)-packages[/\\]")
_STDLIB = tuple({sysconfig.get_paths()[name] + os.sep for name in ("stdlib", "platstdlib")})
