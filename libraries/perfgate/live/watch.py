"""``perfgate watch [results/] [--once]``: one line per load running anywhere under a
results directory, across every pabot process, from the live progress files
(`perfgate.live.progressfile`).

    perfgate watch: 2 running, 1 finished (0 failed) under results/ at 14:02:07
    Checkout.Steady Load     [steady] 24/60 s  ETA 36 s  412 req/s (target 500)  p95 12.3 ms  errors 3 (0.05%)
    Feed.Broadcast           [broadcast] 8/30 s  ETA 22 s  2,000 events/s  p95 3.1 ms  errors 0  BREACH p95 was 250 ms, limit < 200 ms

On a terminal the screen is redrawn in place every `--interval` seconds;
otherwise (a CI log) or with ``--once`` the lines are printed and, with
``--once``, the command ends.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from perfgate.live.progressfile import RUNNING, read

STALE_S = 15.0  # a running file not rewritten for this long: its process may be gone
_CLEAR = "\x1b[H\x1b[2J"


def live_files(root: Path) -> list[dict[str, Any]]:
    """Every live progress file under `root` (pabot's per-process output directories
    included), read; files that are not (yet) whole are skipped."""
    found = (read(path) for path in sorted(root.glob("**/perfgate/live/live-*.json")))
    return [data for data in found if data is not None]


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    return (
        f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"
        if minutes >= 60
        else f"{minutes}:{secs:02d}"
    )


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def line(data: dict[str, Any], now: float) -> str:
    """One running load: who, where it stands, its rate, p95, errors, first breach."""
    who = ".".join(p for p in (data.get("suite", ""), data.get("test", "")) if p) or "(no test)"
    elapsed, planned = float(data["elapsed_s"]), float(data["planned_s"])
    clock = f"{_duration(elapsed)}/{_duration(planned)}"
    eta = "  warm-up" if data.get("warmup") else f"  ETA {_duration(planned - elapsed)}"
    target = data.get("target")
    rate = f"{float(data['rate']):,.0f} {data['rate_unit']}"
    rate += f" (target {float(target):,.0f})" if target is not None else ""
    p95 = _number(data.get("p95_ms"))
    p95_text = "n/a" if math.isnan(p95) else f"{p95:,.1f} ms"
    errors = f"errors {int(data['errors']):,}"
    if data.get("error_rate"):
        errors += f" ({float(data['error_rate']) * 100:.2f}%)"
    breach = f"  BREACH {data['breach']}" if data.get("breach") else ""
    quiet = now - float(data["updated"])
    stale = f"  (no update for {_duration(quiet)})" if quiet > STALE_S else ""
    return (
        f"{who:<30} [{data.get('load', '')}] {clock}{eta}  {rate}  p95 {p95_text}  "
        f"{errors}{breach}{stale}"
    )


def screen(root: Path, now: float | None = None) -> list[str]:
    """The header and one line per running load, in the order they started."""
    now = time.time() if now is None else now
    files = live_files(root)
    running = sorted((d for d in files if d.get("state") == RUNNING), key=lambda d: d["started"])
    finished = [d for d in files if d.get("state") != RUNNING]
    failed = sum(d.get("state") != "passed" for d in finished)
    at = time.strftime("%H:%M:%S", time.localtime(now))
    header = (
        f"perfgate watch: {len(running)} running, {len(finished)} finished ({failed} failed) "
        f"under {root} at {at}"
    )
    return [header, *(line(d, now) for d in running)]


def _show(lines: Iterable[str], out: TextIO, in_place: bool) -> None:
    text = "\n".join(lines) + "\n"
    out.write(_CLEAR + text if in_place else text)
    out.flush()


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="perfgate watch",
        description="Show every load running under a results directory, pabot processes included.",
    )
    parser.add_argument("results", nargs="?", default="results", type=Path,
                        help="the output directory of robot or pabot (default: results)")  # fmt: skip
    parser.add_argument("--once", action="store_true", help="print once and exit (CI logs)")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between refreshes")
    args = parser.parse_args(argv)
    stream = out or sys.stdout
    if args.once:
        _show(screen(args.results), stream, in_place=False)
        return 0
    in_place = stream.isatty()
    try:
        while True:
            _show(screen(args.results), stream, in_place)
            time.sleep(max(0.2, args.interval))
    except KeyboardInterrupt:
        return 0
