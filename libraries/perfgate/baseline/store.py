"""Baseline files: `<baselines_dir>/<environment>/<name>.json`.

One file per baseline holds the current version (samples, their summary and
CoV, fingerprint, git commit, reason, times) and every previous version, so
that an update reviews as a readable diff: sorted keys, indent 2, trailing
newline, six significant digits. A file that does not parse or validate is
reported with its path and never overwritten. A new version and its history
line are written together or not at all (`journal`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from perfgate.baseline import access, journal
from perfgate.baseline.fileio import lock_for, write_atomic
from perfgate.baseline.fingerprint import Fingerprint
from perfgate.baseline.metric_table import KINDS
from perfgate.baseline.names import validate_name
from perfgate.baseline.summary import stable_numbers, summarize

SCHEMA_VERSION = 1


class BaselineFileError(ValueError):
    """A baseline file exists but cannot be used; it is left untouched."""


@dataclass(frozen=True)
class BaselineVersion:
    version: int
    recorded: str
    reason: str
    git_commit: str | None
    fingerprint: Fingerprint
    samples: list[dict[str, float]]

    @property
    def summary(self) -> dict[str, dict[str, float | int | None]]:
        return summarize(self.samples)

    def to_dict(self) -> dict[str, Any]:
        # The fingerprint's own to_dict adds its digest.
        return {**asdict(self), "fingerprint": self.fingerprint.to_dict(), "summary": self.summary}


@dataclass(frozen=True)
class Baseline:
    name: str
    environment: str
    kind: str
    created: str
    current: BaselineVersion
    previous: list[BaselineVersion] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "name": self.name,
            "environment": self.environment,
            "kind": self.kind,
            "created": self.created,
            "updated": self.current.recorded,
            **self.current.to_dict(),
            "previous": [version.to_dict() for version in self.previous],
        }


def baseline_path(baselines_dir: Path, environment: str, name: str) -> Path:
    validate_name(name)
    validate_name(environment, "Environment label")
    return baselines_dir / environment / f"{name}.json"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def render(baseline: Baseline) -> str:
    data = stable_numbers(baseline.to_dict())
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def load(path: Path) -> Baseline | None:
    """The baseline at `path`, None when there is none, BaselineFileError when broken.

    A version whose writer was killed before its history line is completed
    first (`journal`), so that what is read here is also in the history.
    """
    if journal.pending(path):
        with lock_for(path):
            journal.settle(path)
    return _read(path)


def _read(path: Path) -> Baseline | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        # Part of the baselines directory is a file: a write problem, not a read one.
        access.check_baseline_file(path)
        raise
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineFileError(f"Baseline file {path} cannot be read: {error}.") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineFileError(
            f"Baseline file {path} is not valid JSON (line {error.lineno}, column {error.colno}: "
            f"{error.msg}); repair it from git or delete it, PerfGate will not overwrite it."
        ) from error
    try:
        return _parse(data, expected_name=path.stem)
    except (KeyError, TypeError, ValueError) as error:
        detail = f"missing key {error}" if isinstance(error, KeyError) else str(error)
        raise BaselineFileError(
            f"Baseline file {path} is damaged ({detail}); repair it from git or delete it, "
            "PerfGate will not overwrite it."
        ) from error


def record(
    path: Path,
    *,
    name: str,
    environment: str,
    kind: str,
    samples: list[dict[str, float]],
    reason: str,
    fingerprint: Fingerprint,
    git_commit: str | None,
    only_if_missing: bool = False,
    history: Callable[[Baseline], journal.HistoryLine] | None = None,
) -> tuple[Baseline, bool]:
    """Write a new version under the file lock; returns (baseline, whether written).

    With `only_if_missing`, an existing baseline (perhaps written a moment
    ago by another pabot process) is returned unchanged instead. `history`
    gives the history line of the new version, written with it or not at all.
    """
    if not samples:
        raise ValueError(f"Baseline {name!r} needs at least one sample to record.")
    with lock_for(path):
        journal.settle(path)
        existing = _read(path)
        if existing is not None and only_if_missing:
            return existing, False
        if existing is not None and existing.kind != kind:
            raise ValueError(
                f"Baseline {name!r} holds {existing.kind} results, not {kind}: "
                "use another baseline name for this result."
            )
        recorded = now_iso()
        version = BaselineVersion(
            version=existing.current.version + 1 if existing else 1,
            recorded=recorded,
            reason=reason,
            git_commit=git_commit,
            fingerprint=fingerprint,
            samples=[dict(sample) for sample in samples],
        )
        baseline = Baseline(
            name=name,
            environment=environment,
            kind=kind,
            created=existing.created if existing else recorded,
            current=version,
            previous=[*existing.previous, existing.current] if existing else [],
        )
        if history is None:
            write_atomic(path, render(baseline))
        else:
            journal.write_both(path, render(baseline), history(baseline))
        return baseline, True


def _parse(data: Any, expected_name: str) -> Baseline:
    if not isinstance(data, dict):
        raise ValueError("the top level is not a JSON object")
    schema = data["schema"]
    if not isinstance(schema, int):
        raise ValueError("'schema' is not an integer")
    if schema > SCHEMA_VERSION:
        raise ValueError(
            f"schema {schema} was written by a newer PerfGate; this one reads {SCHEMA_VERSION}"
        )
    if schema < 1:
        raise ValueError(f"schema {schema} is not a valid schema version")
    name = _text(data, "name")
    if name != expected_name:
        raise ValueError(f"'name' is {name!r} but the file is named {expected_name!r}")
    kind = _text(data, "kind")
    if kind not in KINDS:
        raise ValueError(f"'kind' {kind!r} is not one of {', '.join(KINDS)}")
    previous = data["previous"]
    if not isinstance(previous, list):
        raise ValueError("'previous' is not a list")
    return Baseline(
        name=name,
        environment=_text(data, "environment"),
        kind=kind,
        created=_text(data, "created"),
        current=_parse_version(data, "current version"),
        previous=[_parse_version(item, f"previous[{i}]") for i, item in enumerate(previous)],
    )


def _parse_version(data: Any, where: str) -> BaselineVersion:
    if not isinstance(data, dict):
        raise ValueError(f"{where} is not a JSON object")
    version = data["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"{where}: 'version' is not a positive integer")
    commit = data.get("git_commit")
    if commit is not None and not isinstance(commit, str):
        raise ValueError(f"{where}: 'git_commit' is neither a string nor null")
    fingerprint = data["fingerprint"]
    if not isinstance(fingerprint, dict):
        raise ValueError(f"{where}: 'fingerprint' is not a JSON object")
    return BaselineVersion(
        version=version,
        recorded=_text(data, "recorded"),
        reason=_text(data, "reason"),
        git_commit=commit,
        fingerprint=Fingerprint.from_dict(fingerprint),
        samples=_parse_samples(data["samples"], where),
    )


def _parse_samples(samples: Any, where: str) -> list[dict[str, float]]:
    if not isinstance(samples, list) or not samples:
        raise ValueError(f"{where}: 'samples' is not a non-empty list")
    parsed: list[dict[str, float]] = []
    for index, sample in enumerate(samples):
        if not isinstance(sample, dict):
            raise ValueError(f"{where}: samples[{index}] is not a JSON object")
        values: dict[str, float] = {}
        for key, value in sample.items():
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
            ):
                raise ValueError(f"{where}: samples[{index}][{key!r}] is not a finite number")
            values[key] = float(value)
        parsed.append(values)
    return parsed


def _text(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise ValueError(f"{key!r} is not a string")
    return value
