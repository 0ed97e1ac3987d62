"""The run history: one JSON line per compared or recorded result.

Appended under a lock by every pabot process; read by `perfgate trends`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from perfgate.baseline.fileio import append_line, lock_for
from perfgate.baseline.summary import stable_numbers

HISTORY_SCHEMA = 1


@dataclass(frozen=True)
class HistoryEntry:
    time: str
    event: str  # compared | recorded | updated | skipped
    baseline: str
    environment: str
    kind: str
    fingerprint: dict[str, Any]
    baseline_version: int | None
    values: dict[str, float]
    samples: int
    test: str | None = None
    suite: str | None = None
    git_commit: str | None = None
    # metric -> {"verdict", "baseline", "limit", "method"}; empty when not compared
    verdicts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": HISTORY_SCHEMA, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HistoryEntry:
        values = data["values"]
        verdicts = data.get("verdicts") or {}
        if not isinstance(values, dict) or not isinstance(verdicts, dict):
            raise ValueError("'values' and 'verdicts' must be JSON objects")
        return cls(
            time=str(data["time"]),
            event=str(data["event"]),
            baseline=str(data["baseline"]),
            environment=str(data["environment"]),
            kind=str(data["kind"]),
            fingerprint=dict(data.get("fingerprint") or {}),
            baseline_version=data.get("baseline_version"),
            values={str(k): float(v) for k, v in values.items()},
            samples=int(data.get("samples", 1)),
            test=data.get("test"),
            suite=data.get("suite"),
            git_commit=data.get("git_commit"),
            verdicts=verdicts,
        )


def render(entry: HistoryEntry) -> str:
    """`entry` as its history line (without the newline)."""
    return json.dumps(
        stable_numbers(entry.to_dict()), sort_keys=True, ensure_ascii=False, allow_nan=False
    )


def append(path: Path, entry: HistoryEntry) -> None:
    """Append `entry`; the line of a new baseline version goes with it instead (`journal`)."""
    with lock_for(path):
        append_line(path, render(entry))


@dataclass(frozen=True)
class HistoryRead:
    entries: list[HistoryEntry]
    bad_lines: list[int]


def read(path: Path) -> HistoryRead:
    """All readable entries; numbers of lines that are not valid entries are reported."""
    if not path.is_file():
        raise FileNotFoundError(
            f"History file {path} does not exist: run suites that compare results to baselines "
            "first, or pass --history with the right path."
        )
    entries: list[HistoryEntry] = []
    bad: list[int] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise ValueError("not an object")
                entries.append(HistoryEntry.from_dict(data))
            except (ValueError, KeyError, TypeError):
                bad.append(number)
    return HistoryRead(entries=entries, bad_lines=bad)
