"""`perfgate cleanup`: end processes that crashed PerfGate runs left behind.

It touches only this user's processes that a registry file of the state
directory, or a tag naming that directory, ties to a reaper that is gone;
see registry.py for how each is proven to be ours.
"""

from __future__ import annotations

import argparse
import sys

from perfgate.procs import registry, statedir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="perfgate cleanup",
        description="Kill processes started by PerfGate runs whose process reaper is gone.",
    )
    parser.add_argument("--dry-run", action="store_true", help="list them, kill nothing")
    parser.add_argument(
        "--state-dir",
        default=None,
        help=f"PerfGate's state directory (default: ${statedir.STATE_DIR_VARIABLE}, "
        "else $XDG_RUNTIME_DIR/perfgate, else ~/.cache/perfgate)",
    )
    args = parser.parse_args(argv)
    try:
        sweep = (registry.find_leftovers if args.dry_run else registry.clean)(args.state_dir)
    except statedir.UnsafeStateDirError as exc:
        print(f"perfgate cleanup: {exc}", file=sys.stderr)
        return 2
    for warning in sweep.warnings:
        print(f"perfgate cleanup: {warning}", file=sys.stderr)
    verb = "would kill" if args.dry_run else "killed"
    for item in sweep.leftovers:
        print(f"{verb} {item.description}")
    print(f"perfgate cleanup: {verb} {len(sweep.leftovers)} leftover process(es).")
    return 0
