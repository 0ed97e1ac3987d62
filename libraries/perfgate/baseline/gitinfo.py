"""The git commit the measured code was at, when there is one."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

# CI systems check out detached or shallow trees; their variables are the
# most reliable source and cost nothing.
_CI_VARIABLES = ("GITHUB_SHA", "CI_COMMIT_SHA", "GIT_COMMIT", "BUILD_VCS_NUMBER")


def current_commit(cwd: Path | None = None) -> str | None:
    for variable in _CI_VARIABLES:
        value = os.environ.get(variable, "").strip()
        if value:
            return value
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = completed.stdout.strip()
    return commit if completed.returncode == 0 and commit else None
