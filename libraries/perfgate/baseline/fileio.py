"""Atomic, locked file writes shared by baselines and history.

Several pabot processes write the same files at once: every
read-modify-write happens under a lock, and whole-file writes go to a
temporary file that replaces the target in one rename, so a reader sees
either the old or the new content, never half of it. Both survive a kill
and a power cut: whole-file writes are durable (`perfgate.artifacts.atomic`), and
a line a killed append left half-written is cut by the next append.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

from perfgate.artifacts.atomic import fsync_directory, replace_file
from perfgate.procs import statedir

LOCK_TIMEOUT_S = 120.0
POLL_INTERVAL_S = 0.005


@contextmanager
def lock_for(path: Path) -> Iterator[None]:
    """Hold the inter-process lock guarding `path`.

    Lock files live in PerfGate's private state directory (see statedir),
    keyed by the resolved path, so that they never show up in the baselines
    directory users commit and no other user can hold or plant them.
    """
    key = hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:24]
    lock_dir = statedir.private_dir("locks")
    lock = FileLock(str(lock_dir / f"{path.name}.{key}.lock"), timeout=LOCK_TIMEOUT_S)
    # Writes hold the lock for milliseconds; the default 50 ms poll would
    # make eight waiting pabot processes mostly sleep.
    lock.acquire(poll_interval=POLL_INTERVAL_S)
    try:
        yield
    finally:
        lock.release()


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically and durably (see atomicfile); call with the lock held."""
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, text)


def append_line(path: Path, line: str) -> None:
    """Append one line durably; call with the lock held so lines never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (line.rstrip("\n") + "\n").encode("utf-8")
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        _end_torn_line(fd)
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_directory(path.parent)


def _end_torn_line(fd: int) -> None:
    """Deal with what a writer killed mid-append left after the last newline.

    Every append writes one whole line under the lock, so an unterminated
    tail is a killed append: cut it, so that a line is in the file whole or
    not at all (a baseline's own line is then re-appended by its journal).
    A tail that is a whole JSON value lost only its newline: keep it.
    """
    end = os.fstat(fd).st_size
    if end == 0 or os.pread(fd, 1, end - 1) == b"\n":
        return  # the usual case: one byte read
    start, tail = end, b""
    while start > 0 and b"\n" not in tail:
        start = max(0, start - 65536)
        tail = os.pread(fd, end - start, start)
    fragment = tail[tail.rfind(b"\n") + 1 :]
    try:
        json.loads(fragment)
    except ValueError:
        os.ftruncate(fd, end - len(fragment))
    else:
        os.write(fd, b"\n")
