"""A writer SIGKILLed anywhere leaves every baseline version with its history line, or neither.

The kills land at chosen moments (before the baseline's rename, between the
baseline and its history line, half-way through the line), and then at 20
random moments of a writer updating baselines in a loop. What is checked is
what the next reader or writer sees: files that parse, no temp file, no
journal, each version with exactly one history line and no line of a
version that is not there.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from perfgate.baseline import history, store, workflow
from perfgate.baseline.fileio import append_line

WRITER = Path(__file__).with_name("concurrent_writer.py")
RESULT = {"kind": "load", "p50": 10.0, "p95": 40.0, "p99": 60.0, "rps": 1000.0, "error_rate": 0.0}

# Updates baseline "shared" (environment "race"), dying at the moment named by argv[3].
KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from perfgate.baseline import workflow

    baselines, history_file, moment = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    real_write, real_replace = os.write, os.replace

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def write(fd, data):
        if os.readlink(f"/proc/self/fd/{fd}") == str(history_file):
            if moment == "mid-history-line":
                real_write(fd, data[: len(data) // 2])
            die()
        return real_write(fd, data)

    def replace(src, dst):
        if moment == "before-baseline-rename" and Path(dst).name == "shared.json":
            die()
        real_replace(src, dst)

    os.write, os.replace = write, replace
    settings = workflow.Settings(baselines, history_file, environment="race")
    workflow.update_baseline(settings, {RESULT}, "shared", reason="killed")
    """
).replace("{RESULT}", repr(RESULT))


def settings_in(tmp_path: Path) -> workflow.Settings:
    return workflow.Settings(tmp_path / "baselines", tmp_path / "history.jsonl", environment="race")


def unmatched(settings: workflow.Settings) -> list[str]:
    """What breaks "a version and its history line: both or neither", as a reader sees it."""
    on_disk: set[tuple[str, int]] = set()
    folder = settings.baselines_dir / "race"
    # A kill before a first version's rename leaves a journal and no baseline:
    # a reader of that (missing) baseline settles it too.
    named = {folder / p.name[1 : -len(".journal")] for p in folder.glob(".*.json.journal")}
    for path in sorted(set(folder.glob("*.json")) | named):
        baseline = store.load(path)  # a reader: completes what a kill interrupted
        if baseline is None:
            continue
        on_disk |= {(path.stem, v.version) for v in [*baseline.previous, baseline.current]}
    read = history.read(settings.history_file)
    assert read.bad_lines == [], "torn or broken history lines"
    lines = Counter(
        (entry.baseline, entry.baseline_version)
        for entry in read.entries
        if entry.event in ("recorded", "updated")
    )
    problems = [f"{b} v{v}: no history line" for b, v in sorted(on_disk - set(lines))]
    problems += [f"{b} v{v}: history line, no version" for b, v in sorted(set(lines) - on_disk)]
    problems += [f"{b} v{v}: {n} history lines" for (b, v), n in sorted(lines.items()) if n > 1]
    return problems


def hidden_files(settings: workflow.Settings) -> list[str]:
    """Temp files and journals: what a kill may leave beside the baselines."""
    return sorted(p.name for p in (settings.baselines_dir / "race").glob(".*"))


@pytest.mark.parametrize(
    ("moment", "version"),
    [("before-baseline-rename", 1), ("before-history-line", 2), ("mid-history-line", 2)],
)
def test_a_killed_update_leaves_the_version_with_its_history_line_or_neither(
    tmp_path: Path, moment: str, version: int
) -> None:
    settings = settings_in(tmp_path)
    workflow.update_baseline(settings, RESULT, "shared", reason="first")
    writer = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(settings.baselines_dir),
         str(settings.history_file), moment],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert writer.returncode == -signal.SIGKILL, writer.stderr  # killed at that moment

    assert workflow.read_baseline(settings, "shared").current.version == version
    assert unmatched(settings) == []
    assert hidden_files(settings) == [] or moment == "before-baseline-rename"

    # The next write removes the dead writer's temp file and carries on.
    workflow.update_baseline(settings, RESULT, "shared", reason="next")
    assert hidden_files(settings) == []
    assert unmatched(settings) == []


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b'{"a": 1}\n{"b": 2', b'{"a": 1}\n'),  # torn: cut
        (b'{"b": 2', b""),  # the first line torn
        (b'{"a": 1}\n{"b": 2}', b'{"a": 1}\n{"b": 2}\n'),  # whole, only its newline lost: kept
        (b'{"a": 1}\n{"b": "' + b"x" * 100_000, b'{"a": 1}\n'),  # torn, longer than a read
    ],
)
def test_the_next_append_cuts_a_torn_line_and_keeps_whole_ones(
    tmp_path: Path, before: bytes, after: bytes
) -> None:
    path = tmp_path / "history.jsonl"
    path.write_bytes(before)
    append_line(path, '{"c": 3}')
    assert path.read_bytes() == after + b'{"c": 3}\n'


KILLS = 20


def test_20_sigkills_at_random_moments_leave_no_trace(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    rng = random.Random(11)
    left: Counter[str] = Counter()  # what the kills left, before the next write
    started = time.monotonic()
    for kill in range(KILLS):
        go = tmp_path / f"go-{kill}"
        writer = subprocess.Popen(
            [sys.executable, str(WRITER), "0", str(settings.baselines_dir),
             str(settings.history_file), str(go), "100000"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env={**os.environ, "SLOW_FSYNC_S": "0.02"},
        )  # fmt: skip
        try:
            wait_for(Path(f"{go}.0.ready"), writer)
            go.touch()
            time.sleep(rng.uniform(0.0, 0.5))
            assert writer.poll() is None, writer.communicate()[1]
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=30)
        finally:
            if writer.poll() is None:
                writer.kill()
                writer.wait()
        left.update(what_a_kill_left(settings) or {"nothing"})

        # The next write: by another process in real life, here by this one.
        workflow.update_baseline(settings, RESULT, "shared", reason=f"after kill {kill}")
        assert [n for n in hidden_files(settings) if not n.endswith(".journal")] == []
        assert unmatched(settings) == []
        assert hidden_files(settings) == []

    shared = workflow.read_baseline(settings, "shared")
    print(
        f"\n{KILLS} SIGKILLs of a writer at random moments in {time.monotonic() - started:.1f} s: "
        f"{KILLS - left['nothing']} landed mid-write ({left['temp']} left a temp file, "
        f"{left['journal']} a journal, {left['torn']} a torn history line); after each next "
        "write 0 temp files, 0 journals, 0 versions without history, 0 corrupt files "
        f"('shared' reached version {shared.current.version})"
    )


def what_a_kill_left(settings: workflow.Settings) -> set[str]:
    names = hidden_files(settings)
    found = {"temp" for n in names if n.endswith(".tmp")}
    found |= {"journal" for n in names if n.endswith(".journal")}
    text = settings.history_file.read_bytes() if settings.history_file.exists() else b""
    return found | ({"torn"} if text and not text.endswith(b"\n") else set())


def wait_for(path: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.005)
