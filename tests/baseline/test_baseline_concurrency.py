"""Eight processes writing baselines and history at once lose and corrupt nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from perfgate.baseline import history, store

WORKERS = 8
ROUNDS = 4
WRITER = Path(__file__).with_name("concurrent_writer.py")


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

    actions = [line for out, _ in outputs for line in out.split()]
    assert sorted(set(actions)) == ["compared", "recorded"]
    assert actions.count("recorded") == 1
    assert len(actions) == WORKERS * ROUNDS

    shared = store.load(baselines / "race" / "shared.json")
    assert shared is not None
    assert shared.current.version == WORKERS * ROUNDS
    versions = [*shared.previous, shared.current]
    assert [v.version for v in versions] == list(range(1, WORKERS * ROUNDS + 1))
    reasons = {v.reason for v in versions}
    assert reasons == {f"worker {w} round {r}" for w in range(WORKERS) for r in range(ROUNDS)}
    for worker in range(WORKERS):
        own = store.load(baselines / "race" / f"own-{worker}.json")
        assert own is not None and own.current.version == ROUNDS

    # Every file still parses, and no temporary file was left behind.
    for path in (baselines / "race").iterdir():
        assert path.suffix == ".json", path
        json.loads(path.read_text(encoding="utf-8"))

    read = history.read(history_file)
    assert read.bad_lines == []
    assert len(read.entries) == WORKERS * ROUNDS * 3
