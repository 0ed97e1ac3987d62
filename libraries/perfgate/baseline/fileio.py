"""Atomic, locked file writes shared by baselines and history.

Several pabot processes write the same files at once: every
read-modify-write happens under a lock, and whole-file writes go to a
temporary file that replaces the target in one rename, so a reader sees
either the old or the new content, never half of it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

LOCK_TIMEOUT_S = 120.0
POLL_INTERVAL_S = 0.005


@contextmanager
def lock_for(path: Path) -> Iterator[None]:
    """Hold the inter-process lock guarding `path`.

    Lock files live in the temporary directory, keyed by the resolved path,
    so that they never show up in the baselines directory users commit.
    """
    key = hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:24]
    lock_dir = Path(tempfile.gettempdir()) / f"perfgate-locks-{os.getuid()}"
    lock_dir.mkdir(mode=0o700, exist_ok=True)
    lock = FileLock(str(lock_dir / f"{path.name}.{key}.lock"), timeout=LOCK_TIMEOUT_S)
    # Writes hold the lock for milliseconds; the default 50 ms poll would
    # make eight waiting pabot processes mostly sleep.
    lock.acquire(poll_interval=POLL_INTERVAL_S)
    try:
        yield
    finally:
        lock.release()


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one rename; call with the lock held."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def append_line(path: Path, line: str) -> None:
    """Append one line; call with the lock held so lines never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (line.rstrip("\n") + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
        os.fsync(fd)
    finally:
        os.close(fd)
