"""Whole-file replacement that survives a kill and a power cut, and temp files that die with their writer.

Every file PerfGate replaces whole (results, registry files, baselines,
journals, reports) goes through `replace_file`: the new content goes to a
temporary file in the same directory, which is fsynced, renamed over the
target, and the directory fsynced after the rename. A reader, and the disk
after a crash, sees the old file or the whole new one, never a mix and never
an empty file.

A writer killed mid-write (SIGKILL, OOM) leaves its temporary file behind.
Temporary files are named ``.<target>.<8 random>.perfgate.tmp`` and held
under an exclusive ``flock`` from creation to rename; the kernel drops the
lock when its holder dies. So every write first deletes the temp files of
this scheme in its directory whose lock it can take: their writer is gone.
A live writer's lock is never free, so a write in progress (in another pabot
process, another container on the same files) is never touched, and a file
of any other name is never deleted.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import stat
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".perfgate.tmp"
# `tempfile.mkstemp` puts 8 characters of this alphabet between prefix and suffix.
_TEMP_NAME = re.compile(r"\..+\.[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX))
# A fresh temp file is lost to a cleaner only if another process lists the
# directory within microseconds of its creation; a few tries are plenty.
_CREATE_ATTEMPTS = 5


def replace_file(path: str | os.PathLike[str], text: str, *, mode: int = 0o644) -> Path:
    """Replace `path` with `text` (UTF-8) atomically and durably; returns the path.

    The file gets `mode` whatever the umask (0o644: results are meant to be
    read). Stale temp files of killed writers in the same directory go first.
    """
    target = Path(path)
    remove_stale_temps(target.parent)
    fd, temp_name = _create_locked_temp(target)
    try:
        # The lock must outlive the rename: until then a cleaner could take
        # the file for abandoned. Closing the file releases it.
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fchmod(handle.fileno(), mode)  # mkstemp makes it 0600
            os.fsync(handle.fileno())
            os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    fsync_directory(target.parent)
    return target


def fsync_directory(directory: str | os.PathLike[str]) -> None:
    """Make a rename, creation or deletion in `directory` survive a power cut."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as error:
        # Some network and FUSE file systems cannot sync a directory; the
        # rename is still atomic there, only its durability is theirs.
        if error.errno != errno.EINVAL:
            raise
    finally:
        os.close(fd)


def remove_stale_temps(directory: str | os.PathLike[str]) -> list[Path]:
    """Delete our temp files in `directory` whose writer is gone; returns those deleted."""
    folder = Path(directory)
    try:
        names = [entry.name for entry in os.scandir(folder)]
    except FileNotFoundError:
        return []
    candidates = [folder / name for name in names if _TEMP_NAME.fullmatch(name)]
    return [path for path in candidates if _remove_if_abandoned(path)]


def _create_locked_temp(target: Path) -> tuple[int, str]:
    for _ in range(_CREATE_ATTEMPTS):
        fd, name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX
        )
        fcntl.flock(fd, fcntl.LOCK_EX)
        # Between mkstemp and flock another process's cleanup may have found
        # the file unlocked and deleted it: it is ours only if still there.
        if _names_this_file(name, fd):
            return fd, name
        os.close(fd)
    raise OSError(f"Could not create a temporary file for {target}: removed each time.")


def _remove_if_abandoned(path: Path) -> bool:
    try:
        # NOFOLLOW and NONBLOCK: a symlink or FIFO named like ours is not ours
        # and must neither redirect nor hang us.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # Its writer may have renamed it into place since we listed it: then
        # the name is gone or names another file, which is not stale.
        if not _names_this_file(path, fd):
            return False
        path.unlink()
        return True
    except OSError:  # locked by a live writer, or not ours to delete
        return False
    finally:
        os.close(fd)


def _names_this_file(path: str | os.PathLike[str], fd: int) -> bool:
    try:
        named = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)
