"""`perfgate cleanup`: end processes that crashed PerfGate runs left behind."""

from __future__ import annotations

import argparse

from perfgate import registry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="perfgate cleanup",
        description="Kill processes started by PerfGate runs that are no longer running.",
    )
    parser.add_argument("--dry-run", action="store_true", help="list them, kill nothing")
    parser.add_argument("--state-dir", default=None, help="registry folder (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.dry_run:
        leftovers = registry.find_leftovers(args.state_dir)
    else:
        leftovers = registry.clean(args.state_dir)
    verb = "would kill" if args.dry_run else "killed"
    for item in leftovers:
        print(f"{verb} {item.description}")
    print(f"perfgate cleanup: {verb} {len(leftovers)} leftover process(es).")
    return 0
