"""A baseline version and its history line are on disk both or neither, whatever kills the writer.

Recording a version writes two files: the baseline (replaced whole) and the
history (one line appended). A kill between the two would leave a version
that no history line tells of. So, holding the baseline's lock, a writer
first writes a journal beside the baseline, ``.<name>.json.journal``, naming
both halves (the SHA-256 of the new baseline text, the history file and the
line), then the baseline, then the line, and deletes the journal last.

A journal outlives its writer only after a kill. Whoever next takes that
baseline's lock, to write the baseline or to read it, settles it first:

- the baseline on disk is the one the journal announces: the version was
  written, so its history line is appended unless it already was (roll
  forward);
- otherwise the kill came before the baseline's rename: that version never
  existed, and the journal is dropped (roll back).

Baseline first, history second: a reader of a baseline settles before it
reads, so whoever compares with version N also finds N in the history.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from perfgate.baseline.fileio import append_line, lock_for, write_atomic

JOURNAL_SUFFIX = ".journal"


@dataclass(frozen=True)
class HistoryLine:
    """The history line that goes with a baseline version."""

    file: Path
    text: str


def journal_path(baseline: Path) -> Path:
    return baseline.with_name(f".{baseline.name}{JOURNAL_SUFFIX}")


def pending(baseline: Path) -> bool:
    """Whether a writer was killed mid-update of `baseline` (cheap: one stat)."""
    return journal_path(baseline).exists()


def write_both(baseline: Path, text: str, line: HistoryLine) -> None:
    """Replace `baseline` with `text` and append `line`; call with the baseline's lock held."""
    journal = journal_path(baseline)
    history_file = line.file.absolute()  # whoever settles may run in another directory
    entry = {
        "baseline_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "history_file": str(history_file),
        "history_line": line.text,
    }
    write_atomic(journal, json.dumps(entry, sort_keys=True) + "\n")
    write_atomic(baseline, text)
    with lock_for(history_file):
        append_line(history_file, line.text)
    # No directory fsync: a journal a power cut brings back is settled by
    # finding its line already there, and only deleted.
    journal.unlink()


def settle(baseline: Path) -> None:
    """Finish or undo what a writer killed mid-update left; call with the baseline's lock held."""
    journal = journal_path(baseline)
    try:
        entry = json.loads(journal.read_text(encoding="utf-8"))
        announced = str(entry["baseline_sha256"])
        history_file, line = Path(entry["history_file"]), str(entry["history_line"])
    except FileNotFoundError:
        return
    except (OSError, ValueError, KeyError, TypeError) as error:
        # Journals are written whole or not at all: this one was changed by hand.
        raise ValueError(
            f"Baseline journal {journal} cannot be read ({error}); delete it, and check that "
            f"the history has a line for the current version of {baseline}."
        ) from error
    if _digest(baseline) == announced:
        with lock_for(history_file):
            if not _has_line(history_file, line):
                append_line(history_file, line)
    journal.unlink()


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def _has_line(path: Path, line: str) -> bool:
    # A whole read of the history, but only when settling after a kill.
    wanted = line.encode("utf-8")
    try:
        with path.open("rb") as handle:
            return any(raw.rstrip(b"\n") == wanted for raw in handle)
    except FileNotFoundError:
        return False
