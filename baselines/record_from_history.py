"""Record baselines with several samples each from the runs in a history file.

A baseline of one run cannot tell noise from change; one of five runs can
(`Compare To Baseline` widens its noise band to 3x the samples' spread, and
with five samples on each side it tests significance). This script turns the
last ``--runs`` results of every baseline in ``results/history.jsonl`` (what
`Compare To Baseline` appends on every run) into a new baseline version
holding them all as samples::

    # five runs on the reference machine, recording nothing in baselines/ yet
    for i in 1 2 3 4 5; do
        make suites ROBOT_ARGS="--variable PERFGATE_BASELINES_DIR:/tmp/scratch-baselines"
    done
    .venv/bin/python baselines/record_from_history.py --environment reference-scale-0.05 \\
        --reason "5 smoke-scale runs on the reference machine"

Only runs from this machine's fingerprint count (a baseline must describe the
machine it is compared on). Baselines with fewer runs than asked are left
alone and listed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from perfgate.baseline import store
from perfgate.baseline.fingerprint import current_fingerprint
from perfgate.baseline.gitinfo import current_commit
from perfgate.baseline.history import HistoryEntry
from perfgate.baseline.metric_table import samples_from


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--environment", required=True, help="label, e.g. reference-scale-0.05")
    parser.add_argument("--history", type=Path, default=Path("results/history.jsonl"))
    parser.add_argument("--baselines-dir", type=Path, default=Path("baselines"))
    parser.add_argument("--runs", type=int, default=5, help="samples per baseline (default 5)")
    parser.add_argument("--reason", default="")
    parser.add_argument(
        "--baseline", action="append", default=[], help="only this one (repeatable; default all)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be 1 or more.")
    if not args.history.is_file():
        parser.error(f"history file {args.history} does not exist; run the suites first.")

    fingerprint = current_fingerprint()
    runs: dict[str, list[HistoryEntry]] = defaultdict(list)
    for line in args.history.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = HistoryEntry.from_dict(json.loads(line))
        same_machine = entry.fingerprint.get("digest") == fingerprint.digest
        wanted = not args.baseline or entry.baseline in args.baseline
        if entry.environment == args.environment and same_machine and entry.samples == 1 and wanted:
            runs[entry.baseline].append(entry)

    reason = args.reason or f"{args.runs} runs from {args.history}"
    commit = current_commit()
    short = []
    for name, entries in sorted(runs.items()):
        if len(entries) < args.runs:
            short.append(f"{name} ({len(entries)})")
            continue
        latest = entries[-args.runs :]
        kind, samples = samples_from([{"kind": e.kind, **e.values} for e in latest])
        path = store.baseline_path(args.baselines_dir, args.environment, name)
        baseline, _ = store.record(
            path,
            name=name,
            environment=args.environment,
            kind=kind,
            samples=samples,
            reason=reason,
            fingerprint=fingerprint,
            git_commit=commit,
        )
        print(f"{path}: version {baseline.current.version}, {len(samples)} samples")
    if short:
        print(f"Fewer than {args.runs} runs, not recorded: {', '.join(short)}", file=sys.stderr)
    if not runs:
        print(f"No runs for environment {args.environment} on this machine.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
