"""Taking a heap snapshot of a Node.js gateway: streamed to a file, timed, summarised.

``HeapProfiler.takeHeapSnapshot`` makes V8 collect garbage and then write
every live object on the gateway's main thread, sending the JSON in chunks
(``HeapProfiler.addHeapSnapshotChunk``) before it answers. The chunks go
straight to a temporary file beside the target, renamed into place once the
answer came (`streamfile`): a snapshot cut short leaves no file that DevTools
would choke on.
"""

from __future__ import annotations

import errno
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfgate.itemaccess import ItemAccess
from perfgate.memory.display import format_mb
from perfgate.memory.heap.inspector import Inspector
from perfgate.memory.heap.parse import read_heap
from perfgate.memory.heap.pause import PauseProbe
from perfgate.memory.heap.streamfile import StreamedFile

# A snapshot file is 1-2 times the heap it describes (node 20: 6 MB for a 5 MB heap).
SPACE_PER_HEAP_BYTE = 2
ExitStatus = Callable[[], str | None]  # how the gateway ended, or None while it runs


@dataclass(frozen=True)
class ClassSize(ItemAccess):
    """Objects of one class in a snapshot, and their self size in bytes."""

    count: int
    self_size: int


@dataclass
class HeapSnapshot(ItemAccess):
    """A snapshot on disk and its summary. Robot reads ``${snap.path}``, ``${snap.took_s}``,
    ``${snap.classes['SessionRecord'].count}``."""

    path: str
    target: str
    session_id: str
    size_bytes: int
    took_s: float
    pause_s: float | None
    heap_used_bytes: int
    objects: int
    self_size: int
    classes: dict[str, ClassSize] = field(repr=False)

    def count(self, name: str) -> int:
        """Objects of class `name` (0 when there are none)."""
        return self.classes[name].count if name in self.classes else 0

    def largest(self, n: int = 10) -> list[tuple[str, ClassSize]]:
        """The `n` classes with the largest self size."""
        return sorted(self.classes.items(), key=lambda item: -item[1].self_size)[:n]

    def describe(self) -> str:
        pause = f", the gateway paused {self.pause_s:.2f} s" if self.pause_s is not None else ""
        return (
            f"Heap snapshot of {self.target}: {self.objects:,} objects, "
            f"{format_mb(self.self_size)} live, file {format_mb(self.size_bytes)}; took "
            f"{self.took_s:.2f} s{pause}."
        )


def take_snapshot(
    inspector: Inspector,
    path: Path,
    *,
    target: str = "the gateway",
    timeout_s: float = 120.0,
    health_url: str | None = None,
    exit_status: ExitStatus = lambda: None,
    free_bytes: Callable[[Path], int] = lambda p: shutil.disk_usage(p).free,
) -> HeapSnapshot:
    """A snapshot of the heap behind `inspector`, written to `path`, and its summary.

    The session stays open: the next snapshot must come from the same one
    to be comparable (see `perfgate.memory.heap.inspector`).
    """
    try:
        used = int(inspector.call("Runtime.getHeapUsage", timeout_s=timeout_s)["usedSize"])
        _check_space(path.parent, used, free_bytes)
        took, pause = _stream(inspector, path, timeout_s, health_url)
    except (ConnectionError, TimeoutError) as exc:
        status = _wait_exit(exit_status)
        if status is None:
            raise
        raise ConnectionError(f"{target} exited during the heap snapshot: {status}") from exc
    heap = read_heap(path)
    classes = {name: ClassSize(n, size) for name, (n, size) in heap.by_class().items()}
    return HeapSnapshot(
        str(path),
        target,
        inspector.session_id,
        path.stat().st_size,
        took,
        pause,
        used,
        heap.count,
        int(heap.sizes.sum()),
        classes,
    )


def _stream(
    inspector: Inspector, path: Path, timeout_s: float, health_url: str | None
) -> tuple[float, float | None]:
    """(seconds the snapshot took, the gateway's longest wait) after writing it to `path`."""
    out = StreamedFile(path)

    def chunk(method: str, params: dict[str, Any]) -> None:
        if method == "HeapProfiler.addHeapSnapshotChunk":
            out.write(params["chunk"].encode("utf-8"))

    try:
        began = time.perf_counter()
        with PauseProbe(health_url, timeout_s) as pause:
            inspector.call(
                "HeapProfiler.takeHeapSnapshot", {"reportProgress": False}, timeout_s, chunk
            )
        took = time.perf_counter() - began
        out.commit()
    except OSError as exc:
        out.abort()
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise ValueError(
                f"The heap snapshot did not fit in {path.parent}: the disk filled up after "
                f"{format_mb(out.size)}; free some space or write the output elsewhere "
                "(robot --outputdir)."
            ) from None
        raise
    except BaseException:
        out.abort()
        raise
    return took, pause.longest_s


def _check_space(folder: Path, heap_used: int, free_bytes: Callable[[Path], int]) -> None:
    needed, free = SPACE_PER_HEAP_BYTE * heap_used, free_bytes(folder)
    if free < needed:
        raise ValueError(
            f"A heap snapshot of this {format_mb(heap_used)} heap needs about "
            f"{format_mb(needed)} and {folder} has {format_mb(free)} free; free some space or "
            "write the output elsewhere (robot --outputdir)."
        )


def _wait_exit(exit_status: ExitStatus, wait_s: float = 2.0) -> str | None:
    """How the gateway ended, waiting briefly: a closed inspector may be a process on its way out."""
    deadline = time.monotonic() + wait_s
    while (status := exit_status()) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return status
