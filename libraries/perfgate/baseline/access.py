"""Whether baseline and history files can be written, asked before a run and not after it.

A baselines directory that is really a file, or one this user cannot write,
would otherwise show up only when the first result is recorded, after the
whole load ran, and as a read error ("Not a directory"). These checks name
the place and the problem as a write problem.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_problem(path: Path) -> str | None:
    """Why the file `path` cannot be created or replaced, or None when it can.

    Baselines are replaced by a rename in their directory, so what matters is
    the nearest existing directory above the file, and that nothing on the
    way is a file.
    """
    if path.is_dir():
        return f"{path} is a directory"
    if path.exists() and not os.access(path, os.R_OK):
        return f"{path} is not readable by this user"
    for ancestor in (path.parent, *path.parent.parents):
        if not ancestor.exists():
            continue
        if not ancestor.is_dir():
            return f"{ancestor} is a file, not a directory"
        if not os.access(ancestor, os.W_OK | os.X_OK):
            return f"the directory {ancestor} is not writable by this user"
        return None
    return None


def check_baseline_file(path: Path) -> None:
    """A one-sentence ValueError when the baseline file `path` cannot be written."""
    _check(path, "Baseline file", "baselines_dir= or ${PERFGATE_BASELINES_DIR} to a directory")


def check_history_file(path: Path) -> None:
    """A one-sentence ValueError when the history file `path` cannot be appended to."""
    _check(
        path, "History file", "history_file= or ${PERFGATE_HISTORY_FILE} to a file in a directory"
    )


def _check(path: Path, what: str, setting: str) -> None:
    problem = write_problem(path)
    if problem is not None:
        raise ValueError(
            f"{what} {path} cannot be written: {problem}; set {setting} this user can write."
        )
