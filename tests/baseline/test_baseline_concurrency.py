"""Eight processes writing baselines and history at once lose and corrupt nothing.

Each writer, in every round: compares with a missing baseline (exactly one
may record it), updates a baseline they all share (no version may be lost)
and one of its own. Once as plain Python processes, once as the real thing:
eight pabot processes running BaselineLibrary's keywords.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from perfgate.baseline import history, store

WORKERS = 8
ROUNDS = 4
WRITER = Path(__file__).with_name("concurrent_writer.py")
PABOT_SUITE = Path(__file__).with_name("pabot_writers.robot")
# 40 rounds make 320 versions of one baseline, each update rewriting the whole
# file (500 KB at the end): about 45 s on two cores, so not by default.
PABOT_ROUNDS = 40 if os.environ.get("PERFGATE_TORTURE") else 10


def test_eight_processes_lose_no_update(tmp_path: Path) -> None:
    baselines, history_file, go = tmp_path / "baselines", tmp_path / "h.jsonl", tmp_path / "go"
    processes: list[subprocess.Popen[str]] = []
    try:
        for worker in range(WORKERS):
            processes.append(
                subprocess.Popen(
                    [sys.executable, str(WRITER), str(worker), str(baselines), str(history_file),
                     str(go), str(ROUNDS)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )  # fmt: skip
        go.touch()
        outputs = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    assert_nothing_lost(baselines, history_file, ROUNDS)


def test_eight_pabot_processes_lose_no_update(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    ready.mkdir()
    bin_dir = str(Path(sys.executable).parent)  # pabot starts `robot` from PATH
    started = time.monotonic()
    pabot = subprocess.run(
        [f"{bin_dir}/pabot", "--processes", str(WORKERS), "--testlevelsplit", "--no-pabotlib",
         "--outputdir", str(tmp_path / "out"),
         "--variable", f"BASELINES:{tmp_path / 'baselines'}",
         "--variable", f"HISTORY:{tmp_path / 'h.jsonl'}",
         "--variable", f"READY:{ready}",
         "--variable", f"WRITERS:{WORKERS}",
         "--variable", f"ROUNDS:{PABOT_ROUNDS}",
         str(PABOT_SUITE)],
        cwd=tmp_path, capture_output=True, text=True, timeout=280,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )  # fmt: skip
    assert pabot.returncode == 0, pabot.stdout[-3000:] + pabot.stderr[-3000:]
    assert_nothing_lost(tmp_path / "baselines", tmp_path / "h.jsonl", PABOT_ROUNDS)
    print(
        f"\n{WORKERS} pabot writers x {PABOT_ROUNDS} rounds (compare, update shared, update own) "
        f"in {time.monotonic() - started:.1f} s: 'shared' has all {WORKERS * PABOT_ROUNDS} "
        f"versions, each with its history line; {WORKERS * PABOT_ROUNDS * 3} history lines, "
        "0 lost, 0 broken"
    )


def assert_nothing_lost(baselines: Path, history_file: Path, rounds: int) -> None:
    shared = store.load(baselines / "race" / "shared.json")
    assert shared is not None
    versions = [*shared.previous, shared.current]
    assert [v.version for v in versions] == list(range(1, WORKERS * rounds + 1))
    reasons = {v.reason for v in versions}
    assert reasons == {f"worker {w} round {r}" for w in range(WORKERS) for r in range(rounds)}
    for worker in range(WORKERS):
        own = store.load(baselines / "race" / f"own-{worker}.json")
        assert own is not None and own.current.version == rounds

    # Every file still parses, and no temporary file or journal was left behind.
    for path in (baselines / "race").iterdir():
        assert path.suffix == ".json", path
        json.loads(path.read_text(encoding="utf-8"))

    read = history.read(history_file)
    assert read.bad_lines == []
    assert len(read.entries) == WORKERS * rounds * 3
    first_run = Counter(e.event for e in read.entries if e.baseline == "first-run")
    assert first_run == {"recorded": 1, "compared": WORKERS * rounds - 1}
    # Each version of the shared baseline has exactly one history line.
    shared_lines = sorted(e.baseline_version or 0 for e in read.entries if e.baseline == "shared")
    assert shared_lines == [v.version for v in versions]
