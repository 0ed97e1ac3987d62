"""The live progress file: a running load's state, rewritten once a second under
``${OUTPUT DIR}/perfgate/live/`` for `perfgate watch` to read across pabot processes.

One JSON object a file (`Status` and who runs it), named as PerfGate's other
artifacts (``live-<label>-q<queue>-p<pid>-<n>.json``), so that pabot processes
cannot collide. The file is replaced whole (a temporary file renamed over
it), so a reader sees the last second or the one before, never half of one;
it is not fsynced: it describes the present and is worthless after a crash.
At the end of the run its ``state`` becomes ``passed``, ``failed`` or
``error`` and it stays, so that `perfgate watch` can count finished loads.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from perfgate.artifacts.paths import artifact_path, json_safe

FORMAT = 1
RUNNING = "running"


@dataclass
class Status:
    """What `perfgate watch` shows of a running load; a protocol fills the figures."""

    elapsed_s: float = 0.0
    planned_s: float = 0.0
    warmup: bool = False
    rate: float = 0.0  # the last second's: requests or events per second
    rate_unit: str = "req/s"
    target: float | None = None  # the rate asked for (open model), None when there is none
    p95_ms: float = math.nan  # running, over the measured period
    errors: int = 0
    error_rate: float = 0.0
    breach: str = ""  # the first threshold the running figures breach
    line: str = ""  # the console's progress line


class ProgressFile:
    """One run's live file: `update` once a second, `finish` once at the end."""

    def __init__(self, directory: Path, label: str, who: dict[str, Any]) -> None:
        self.path = artifact_path("live", label, ".json", directory)
        self.who = {"format": FORMAT, "load": label, "pid": os.getpid(), **who}
        self.started = time.time()
        self.status = Status()

    def update(self, status: Status) -> None:
        self.status = status
        self._write(RUNNING)

    def finish(self, state: str) -> None:
        """Mark the run ended: ``passed``, ``failed`` or ``error``."""
        self._write(state)

    def _write(self, state: str) -> None:
        data = {**self.who, "state": state, "started": self.started, "updated": time.time()}
        data.update(asdict(self.status))
        temp = self.path.with_name(f".{self.path.name}.tmp")
        temp.write_text(json.dumps(json_safe(data)), encoding="utf-8")
        os.replace(temp, self.path)


def read(path: Path) -> dict[str, Any] | None:
    """A live file's object, or None when it is not one (yet, or any more)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None
