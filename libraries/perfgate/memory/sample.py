"""One reading of a target's memory."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from perfgate.memory.display import BYTES_PER_MB


@dataclass(frozen=True)
class MemorySample:
    """Memory of the whole target (a process and its children, or what a
    /metrics endpoint reports) at one moment.

    A downsampled point stands for `count` consecutive samples: it keeps the
    reading with the lowest RSS (the floor, which the leak verdict needs) and
    `rss_high`, the highest RSS among them (so peaks and the sawtooth stay
    visible). A raw sample has `count == 1` and `rss_high == rss`.
    """

    mono_ns: int
    wall: float
    rss: int
    rss_high: int
    uss: int | None = None
    open_files: int | None = None
    threads: int | None = None
    processes: int = 1
    count: int = 1

    @classmethod
    def reading(
        cls, began_ns: int, ended_ns: int, wall: float, rss: int, **more: Any
    ) -> MemorySample:
        """A raw sample read from `began_ns` to `ended_ns` (monotonic), timed at the middle;
        `more` are the other fields (``uss``, ``open_files``, ``threads``, ``processes``)."""
        return cls(mono_ns=(began_ns + ended_ns) // 2, wall=wall, rss=rss, rss_high=rss, **more)

    @property
    def rss_mb(self) -> float:
        return self.rss / BYTES_PER_MB

    @property
    def uss_mb(self) -> float | None:
        return None if self.uss is None else self.uss / BYTES_PER_MB

    def __str__(self) -> str:
        uss = "" if self.uss is None else f", USS {self.uss / BYTES_PER_MB:.1f} MB"
        files = "" if self.open_files is None else f", {self.open_files} open files"
        threads = "" if self.threads is None else f", {self.threads} threads"
        return (
            f"RSS {self.rss / BYTES_PER_MB:.1f} MB{uss}{files}{threads} "
            f"in {self.processes} process{'es' if self.processes != 1 else ''}"
        )


def merge(a: MemorySample, b: MemorySample) -> MemorySample:
    """One point standing for both: the floor reading, the higher peak."""
    lower = a if a.rss <= b.rss else b
    return replace(lower, rss_high=max(a.rss_high, b.rss_high), count=a.count + b.count)
