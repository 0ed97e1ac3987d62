"""Where PerfGate keeps its own state, and the proof that nobody else can touch it.

The registry of started processes and the locks of baseline files decide
what PerfGate kills and when it writes: a directory another local user can
create or write into would let that user choose both. So every directory
here is created 0700 and, before each use, checked with `lstat`: a real
directory (not a symlink), owned by the effective uid, writable by nobody
else. Anything else is refused with one sentence naming the path and the fix.

The location is one no other user can pre-create:

- ``$PERFGATE_STATE_DIR`` when set (its parent must exist);
- else ``$XDG_RUNTIME_DIR/perfgate`` (a per-user tmpfs made by the login
  manager, gone at reboot, which is when its processes are gone too);
- else ``$XDG_CACHE_HOME/perfgate``, default ``~/.cache/perfgate``.

Never ``/tmp``: there any user can create ``/tmp/perfgate-<uid>`` first.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

STATE_DIR_VARIABLE = "PERFGATE_STATE_DIR"


class UnsafeStateDirError(RuntimeError):
    """A state directory is not provably ours; the message names it and the fix."""


def base_dir() -> Path:
    """The state directory PerfGate uses for this user (not created here)."""
    configured = os.environ.get(STATE_DIR_VARIABLE)
    if configured:
        return Path(configured).absolute()
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime):
        return Path(runtime) / "perfgate"
    cache = os.environ.get("XDG_CACHE_HOME")
    if not cache or not os.path.isabs(cache):
        cache = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "perfgate"


def private_dir(*parts: str, base: str | os.PathLike[str] | None = None) -> Path:
    """``<base>/<parts...>``, created 0700 where missing and verified at every level we own.

    `base` defaults to `base_dir()`. Raises UnsafeStateDirError when any of
    them is a symlink, not a directory, owned by someone else, or writable
    by group or others.
    """
    path = Path(base).absolute() if base is not None else base_dir()
    _ensure(path, create_parents=True)
    for part in parts:
        path = path / part
        _ensure(path, create_parents=False)
    return path


def state_id(directory: str | os.PathLike[str]) -> str:
    """A short name of a state directory, carried in every spawn's tag.

    A cleanup sweep touches only processes whose tag names its own state
    directory, so a run with another `--state-dir` never ends them.
    """
    return hashlib.sha256(os.fsencode(os.path.realpath(directory))).hexdigest()[:12]


def _ensure(path: Path, create_parents: bool) -> None:
    if create_parents and not path.parent.exists():
        try:
            path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        except OSError as exc:
            raise UnsafeStateDirError(
                f"Cannot create PerfGate's state directory '{path}': {exc.strerror}; "
                f"set {STATE_DIR_VARIABLE} to a directory of your own."
            ) from exc
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise UnsafeStateDirError(
                f"Cannot create PerfGate's state directory '{path}': {exc.strerror}; "
                f"set {STATE_DIR_VARIABLE} to a directory of your own."
            ) from exc
    verify(path)


def verify(path: str | os.PathLike[str]) -> None:
    """Raise UnsafeStateDirError unless `path` is a real directory only we can write."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise UnsafeStateDirError(
            f"PerfGate's state directory '{path}' cannot be checked: {exc.strerror}; "
            f"set {STATE_DIR_VARIABLE} to a directory of your own."
        ) from exc
    problem = _problem(info)
    if problem:
        raise UnsafeStateDirError(
            f"PerfGate refuses its state directory '{path}' because it {problem}; "
            f"remove it (PerfGate creates it again, mode 0700) or set {STATE_DIR_VARIABLE} "
            "to a directory of your own."
        )


def _problem(info: os.stat_result) -> str:
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a directory"
    if info.st_uid != os.geteuid():
        return f"belongs to uid {info.st_uid}, not to you (uid {os.geteuid()})"
    if info.st_mode & 0o022:
        return f"is writable by others (mode {stat.S_IMODE(info.st_mode):04o})"
    return ""
