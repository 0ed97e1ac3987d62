"""A pabot-like worker: waits for a start signal, then writes baselines round after round.

The concurrency test runs eight at once; the kill test SIGKILLs one at random moments
and sets SLOW_FSYNC_S: each fsync then takes that long, as on a slow disk, so that
most moments fall inside a write, as they would there.

Usage: python concurrent_writer.py WORKER BASELINES_DIR HISTORY_FILE GO_FILE ROUNDS
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from perfgate.baseline import workflow


def slow_down_fsync(seconds: float) -> None:
    fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        fsync(fd)
        time.sleep(seconds)

    os.fsync = slow_fsync


def main(argv: list[str]) -> int:
    if os.environ.get("SLOW_FSYNC_S"):
        slow_down_fsync(float(os.environ["SLOW_FSYNC_S"]))
    worker, baselines_dir, history_file, go_file, rounds = argv
    settings = workflow.Settings(Path(baselines_dir), Path(history_file), environment="race")
    # Imports are done: tell a test that kills writers mid-write it may start.
    Path(f"{go_file}.{worker}.ready").touch()
    deadline = time.monotonic() + 60
    while not Path(go_file).exists():
        if time.monotonic() > deadline:
            return 3
        time.sleep(0.005)
    result = {"kind": "load", "p50": 10.0, "p95": 40.0, "p99": 60.0, "rps": 1000.0,
              "error_rate": 0.0, "worker": float(worker)}  # fmt: skip
    for round_ in range(int(rounds)):
        # Everyone records the same missing baseline: exactly one may win.
        workflow.compare_to_baseline(settings, result, "first-run")
        # Everyone updates the same baseline: no version may be lost.
        workflow.update_baseline(
            settings, result, "shared", reason=f"worker {worker} round {round_}"
        )
        # And each worker its own baseline, side by side.
        workflow.update_baseline(settings, result, f"own-{worker}", reason=f"round {round_}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
