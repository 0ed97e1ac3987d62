"""Whole-file writes survive a kill: durable renames, and killed writers' temp files removed.

Both ways PerfGate replaces a file are checked: `artifacts.write_json_atomic`
(results, registry files) and the baselines' `fileio.write_atomic`.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from perfgate.artifacts.paths import write_json_atomic
from perfgate.baseline.fileio import write_atomic


def write_artifact(path: Path) -> None:
    write_json_atomic(path, {"rows": list(range(1000))})


def write_baseline(path: Path) -> None:
    write_atomic(path, "x" * 1000 + "\n")


WRITERS: dict[str, Callable[[Path], None]] = {
    "artifact": write_artifact,
    "baseline": write_baseline,
}

# A writer that stops just before its rename (its temp file whole and on
# disk) and waits for `<ready>.go` to carry on.
PAUSED_WRITER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path

    ready, target, which = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    real_replace = os.replace

    def paused_replace(src, dst):
        ready.touch()
        while not ready.with_suffix(".go").exists():
            time.sleep(0.01)
        real_replace(src, dst)

    os.replace = paused_replace
    if which == "artifact":
        from perfgate.artifacts.paths import write_json_atomic
        write_json_atomic(target, {"rows": list(range(50000))})
    else:
        from perfgate.baseline.fileio import write_atomic
        write_atomic(target, "x" * 400000 + "\\n")
    """
)


def start_paused_writer(
    tmp_path: Path, target: Path, which: str
) -> tuple[subprocess.Popen[bytes], Path]:
    ready = tmp_path / "ready"
    writer = subprocess.Popen([sys.executable, "-c", PAUSED_WRITER, str(ready), str(target), which])
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert writer.poll() is None, "the writer ended before its rename"
        assert time.monotonic() < deadline, "the writer never reached its rename"
        time.sleep(0.01)
    return writer, ready


def hidden(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("which", sorted(WRITERS))
def test_file_is_fsynced_before_and_directory_after_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        events.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    WRITERS[which](tmp_path / "r.json")
    assert events == ["fsync file", "rename", "fsync dir"]


def test_mode_is_a_keyword_argument_and_wins_over_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        private = write_json_atomic(tmp_path / "registry.json", {"a": 1}, mode=0o600)
        public = write_json_atomic(tmp_path / "result.json", {"a": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(public.stat().st_mode) == 0o644
    with pytest.raises(TypeError):
        write_json_atomic(tmp_path / "x.json", {}, None, 0o600)  # type: ignore[call-arg]


@pytest.mark.parametrize("which", sorted(WRITERS))
def test_a_killed_writers_temp_file_is_removed_by_the_next_write(
    tmp_path: Path, which: str
) -> None:
    writer, _ = start_paused_writer(tmp_path, tmp_path / "shared.json", which)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    assert len(hidden(tmp_path)) == 1, "the kill should have left the temp file"

    WRITERS[which](tmp_path / "other.json")
    assert hidden(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.json", "ready"]


@pytest.mark.parametrize("which", sorted(WRITERS))
def test_a_live_writers_temp_file_is_left_alone(tmp_path: Path, which: str) -> None:
    target = tmp_path / "shared.json"
    writer, ready = start_paused_writer(tmp_path, target, which)
    try:
        temp = hidden(tmp_path)
        WRITERS[which](tmp_path / "other.json")
        assert hidden(tmp_path) == temp
        ready.with_suffix(".go").touch()
        assert writer.wait(timeout=30) == 0
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert hidden(tmp_path) == []
    assert len(target.read_text()) > 300_000


@pytest.mark.parametrize("which", sorted(WRITERS))
def test_files_of_other_names_and_types_are_never_removed(tmp_path: Path, which: str) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    keep = [
        ".shared.json.backup.tmp",  # someone's backup
        ".shared.json.abcdefgh.tmp",  # an older PerfGate's temp: its writer cannot be proven gone
        "notes.json.abcdefgh.perfgate.tmp",  # not hidden, so not ours
    ]
    for name in keep:
        (tmp_path / name).write_text("keep")
    (tmp_path / ".link.json.abcdefgh.perfgate.tmp").symlink_to(victim)
    os.mkfifo(tmp_path / ".fifo.json.abcdefgh.perfgate.tmp")
    (tmp_path / ".dir.json.abcdefgh.perfgate.tmp").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())

    WRITERS[which](tmp_path / "r.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "r.json"])
    assert victim.read_text() == "keep"
