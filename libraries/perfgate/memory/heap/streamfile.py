"""A file written in pieces that appears whole or not at all (a heap snapshot streamed in chunks).

`perfgate.artifacts.atomic.replace_file` writes a text it holds whole; a
snapshot of a large heap arrives in thousands of chunks and need not be held
in memory. The temporary file follows that module's scheme (a
``.<name>.<8 random>.perfgate.tmp`` name held under ``flock``), so a writer
killed mid-snapshot leaves nothing that the next write does not remove.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from perfgate.artifacts.atomic import TEMP_SUFFIX, fsync_directory, remove_stale_temps


class StreamedFile:
    """``write()`` pieces, then ``commit()`` (fsync, rename into place) or ``abort()``."""

    def __init__(self, target: str | os.PathLike[str]) -> None:
        self.target = Path(target)
        remove_stale_temps(self.target.parent)
        fd, self._temp = tempfile.mkstemp(
            dir=self.target.parent, prefix=f".{self.target.name}.", suffix=TEMP_SUFFIX
        )
        # Held until the rename: a concurrent cleanup sees a live writer.
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._handle: BinaryIO = os.fdopen(fd, "wb")
        self.size = 0

    def write(self, data: bytes) -> None:
        self._handle.write(data)
        self.size += len(data)

    def commit(self, mode: int = 0o644) -> Path:
        try:
            self._handle.flush()
            os.fchmod(self._handle.fileno(), mode)
            os.fsync(self._handle.fileno())
            os.replace(self._temp, self.target)
        except BaseException:
            self.abort()
            raise
        self._handle.close()
        fsync_directory(self.target.parent)
        return self.target

    def abort(self) -> None:
        if not self._handle.closed:
            self._handle.close()
        Path(self._temp).unlink(missing_ok=True)
