"""Finding a profile or scenario file by name, and saying where it was looked for.

A name is tried as given (absolute, or from the current directory), then in
each search directory and its `folder` subfolder (``profiles``,
``scenarios``), with and without the suffixes. When nothing is found the
one sentence names every folder searched and the closest file name there.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

SUFFIXES = (".yaml", ".yml", ".json")


def folders(given: Path, search_dirs: Sequence[Path], folder: str) -> list[Path]:
    """Where a relative `given` is looked for, in order (the current directory first)."""
    if given.is_absolute():
        return [given.parent]
    found = [Path(".")]
    for directory in search_dirs:
        found += [Path(directory), Path(directory) / folder]
    return found


def locate(name: str | Path, search_dirs: Sequence[Path], folder: str) -> Path | None:
    """The file `name` stands for, or None."""
    text = str(name).strip()
    if not text:
        return None
    given = Path(text).expanduser()
    options = (
        [given]
        if given.suffix.lower() in SUFFIXES
        else [given, *(given.with_name(given.name + s) for s in SUFFIXES)]
    )
    for base in [None, *folders(given, search_dirs, folder)[1:]]:
        for option in options:
            candidate = option if base is None else base / option
            if candidate.is_file():
                return candidate
    return None


def did_you_mean(
    name: str | Path, search_dirs: Sequence[Path], folder: str, known: Sequence[str] = ()
) -> str:
    """`` (did you mean 'x'?)`` for the closest of `known` and the files in the folders
    searched, or ""."""
    given = Path(str(name).strip()).expanduser()
    present = [*known, *_stems(searched_folders(given, search_dirs, folder))]
    close = difflib.get_close_matches(given.stem or str(name), present, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def searched(name: str | Path, search_dirs: Sequence[Path], folder: str) -> str:
    """Every folder `name` was looked for in, as a list for a sentence."""
    given = Path(str(name).strip()).expanduser()
    return ", ".join(
        "the current directory" if str(d) == "." else f"{d}/"
        for d in searched_folders(given, search_dirs, folder)
    )


def searched_folders(given: Path, search_dirs: Sequence[Path], folder: str) -> list[Path]:
    return _unique(folders(given, search_dirs, folder))


def _stems(directories: Sequence[Path]) -> list[str]:
    names: list[str] = []
    for directory in directories:
        try:
            entries = sorted(directory.iterdir())
        except OSError:
            continue
        names += [p.stem for p in entries if p.suffix.lower() in SUFFIXES and p.stem not in names]
    return names


def _unique(paths: Sequence[Path]) -> list[Path]:
    seen: list[Path] = []
    for path in paths:
        if path not in seen:
            seen.append(path)
    return seen


def read_data(path: Path, what: str) -> Any:
    """The YAML or JSON in `path`; a ValueError naming the file, line and column of a
    syntax error (not PyYAML's ``<unicode string>``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise ValueError(f"cannot read {what} file {path}: {reason}.") from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"{what} file {path} is not valid JSON at line {error.lineno}, column "
                f"{error.colno}: {error.msg}."
            ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"{what} file {path} is not valid YAML {_yaml_where(error)}.") from None


def _yaml_where(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = " ".join(str(getattr(error, "problem", None) or error).split())
    if mark is None:
        return f"({problem})"
    return f"at line {mark.line + 1}, column {mark.column + 1}: {problem}"
