"""`perfgate trends`: an HTML report (or text summary) of results over runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from perfgate.baseline import history
from perfgate.baseline.fileio import write_atomic
from perfgate.baseline.trend_html import render_page
from perfgate.baseline.trend_model import build_series
from perfgate.baseline.trend_text import text_summary

DEFAULT_HISTORY = Path("results/history.jsonl")
DEFAULT_OUTPUT = Path("results/trends.html")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perfgate trends",
        description=(
            "Chart every test's metrics over runs from the PerfGate history, with baseline "
            "versions, regressions and a linear trend projection."
        ),
    )
    parser.add_argument(
        "--history",
        type=Path,
        default=DEFAULT_HISTORY,
        help=f"history file (JSON lines) to read (default {DEFAULT_HISTORY})",
    )
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"HTML report to write (default {DEFAULT_OUTPUT})",
    )
    parser.add_argument(
        "--text", action="store_true", help="print a plain-text summary instead of writing HTML"
    )
    parser.add_argument(
        "--last",
        type=int,
        default=200,
        metavar="N",
        help="use only the last N runs of each test (default 200)",
    )
    parser.add_argument("--environment", help="only this environment label")
    parser.add_argument("--baseline", help="only this baseline name")
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.last < 1:
        print("perfgate trends: --last must be 1 or more.", file=sys.stderr)
        return 2
    try:
        read = history.read(args.history)
    except (FileNotFoundError, OSError) as error:
        print(f"perfgate trends: {error}", file=sys.stderr)
        return 2
    entries = [
        entry
        for entry in read.entries
        if (args.environment is None or entry.environment == args.environment)
        and (args.baseline is None or entry.baseline == args.baseline)
    ]
    series = build_series(entries, last=args.last)
    if args.text:
        sys.stdout.write(text_summary(series, str(args.history), read.bad_lines))
        return 0
    write_atomic(args.output, render_page(series, str(args.history), read.bad_lines))
    print(f"perfgate trends: wrote {args.output} ({len(series)} charts).")
    return 0
