"""Requests per second of the reference gateway, measured with wrk.

Runs wrk against GET /health and GET /api/echo?size=100 with one and with
two workers and prints a table. Needs wrk (Debian: apt-get install wrk).
Run it alone on the machine:

    flock /tmp/perfgate-bench.lock .venv/bin/python benchmarks/refgateway_bench.py
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

from perfgate.refgateway.prometheus import GatewayMetrics

TARGETS = (("/health", "GET /health"), ("/api/echo?size=100", "GET /api/echo?size=100"))
_START = re.compile(r"listening on (http://\S+) ")
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def start_gateway(workers: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfgate.refgateway", "--port", "0", "--workers", str(workers)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = _START.search(line)
    if not match:
        stop_gateway(proc)
        raise SystemExit(f"the gateway did not start: {line!r}")
    url = match[1]
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2):
                return proc, url
        except OSError:
            if time.monotonic() > deadline:
                stop_gateway(proc)
                raise
            time.sleep(0.05)


def stop_gateway(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        raise ValueError(f"cannot read wrk latency {text!r}")
    return float(match[1]) * _UNITS[match[2]]


def run_wrk(url: str, threads: int, connections: int, seconds: int) -> WrkResult:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out)[1])  # type: ignore[index]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out)[1])  # type: ignore[index]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        print(f"  wrk socket errors: {socket_errors[1]}", file=sys.stderr)
    return WrkResult(rps, p50, p99, int(errors[1]) if errors else 0)


def metrics_cost_us(calls: int = 200_000) -> float:
    """Microseconds one request spends in metrics (counter + histogram)."""
    metrics = GatewayMetrics(lambda: iter(()))
    start = time.perf_counter_ns()
    for _ in range(calls):
        metrics.observe("/api/echo", "GET", 200, 0.0012)
    return (time.perf_counter_ns() - start) / calls / 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print(
            "wrk is not installed, so nothing was measured; install it "
            "(Debian: apt-get install -y wrk) and run again.",
            file=sys.stderr,
        )
        return 2
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, "
        f"python {sys.version.split()[0]}"
    )
    print(f"{'workers':>7}  {'target':<24} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    best_single = 0.0
    for workers in args.workers:
        proc, base = start_gateway(workers)
        try:
            for path, label in TARGETS:
                result = run_wrk(base + path, args.threads, args.connections, args.seconds)
                if workers == 1:
                    best_single = max(best_single, result.rps)
                print(
                    f"{workers:>7}  {label:<24} {result.rps:>9.0f} {result.p50_ms:>8.2f} "
                    f"{result.p99_ms:>8.2f} {result.errors:>8}"
                )
        finally:
            stop_gateway(proc)
    cost = metrics_cost_us()
    line = f"metrics per request: {cost:.2f} us"
    if best_single:
        share = cost * best_single / 1e6
        line += f" = {share:.1%} of one worker's time at {best_single:.0f} req/s"
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
