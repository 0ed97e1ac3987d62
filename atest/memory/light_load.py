"""Light steady load for the memory atests: GET a URL at a fixed rate for a bounded time.

usage: light_load.py URL [RATE_PER_S] [DURATION_S]

Stops by itself after DURATION_S, and dies with the Robot process that
started it (PR_SET_PDEATHSIG), so it never outlives the test run.
"""

from __future__ import annotations

import sys
import time

import requests

from perfgate.procs.lifeline import bind_to_parent


def main(argv: list[str]) -> int:
    bind_to_parent()
    url = argv[0]
    rate = float(argv[1]) if len(argv) > 1 else 20.0
    duration = float(argv[2]) if len(argv) > 2 else 300.0
    interval = 1.0 / rate
    sent = failed = 0
    with requests.Session() as session:
        start = time.monotonic()
        next_at = start
        while time.monotonic() - start < duration:
            try:
                session.get(url, timeout=5).close()
            except requests.RequestException:
                failed += 1
            sent += 1
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))
    print(f"sent={sent} failed={failed}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
