"""PerfGate's load engine against wrk, side by side on the same nginx.

Needs wrk and nginx (Debian: `apt-get install -y wrk nginx`); installs nothing.
Starts nginx (its own temp config, a free loopback port, killed at the end)
serving a 2-byte body, then runs wrk and PerfGate with the same connections
and duration, one worker/thread each, pinned with taskset when available
(client on CPU 0, nginx on CPU 1). Prints req/s of each, the ratio, and the
latency at one connection.

Run it alone - other benchmarks on the machine skew it:
    flock /tmp/perfgate-bench.lock .venv/bin/python benchmarks/engine_vs_wrk.py
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from perfgate.load.http import LoadConfig, run_load
from perfgate.load.stages import Stage

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path {dir};
    proxy_temp_path {dir};
    fastcgi_temp_path {dir};
    uwsgi_temp_path {dir};
    scgi_temp_path {dir};
    server {{
        listen 127.0.0.1:{port} reuseport;
        location / {{ return 200 "ok"; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pin(cpu: int) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) > cpu:
        return ["taskset", "-c", str(cpu)]
    return []


def start_nginx(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=tmp, port=port))
    proc = subprocess.Popen([*pin(1), "nginx", "-c", str(conf), "-p", str(tmp)])
    url = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, url
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"nginx did not start; see {tmp / 'error.log'}")


def _duration_us(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        print(f"(could not read wrk latency {text!r})", file=sys.stderr)
        return float("nan")
    return float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6, "m": 6e7}[m.group(2)]


def run_wrk(url: str, connections: int, seconds: int) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [*pin(0), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s*50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s*99%\s+(\S+)", out, re.MULTILINE)
    return {
        "rps": rps,
        "p50_ms": _duration_us(p50.group(1)) / 1e3 if p50 else float("nan"),
        "p99_ms": _duration_us(p99.group(1)) / 1e3 if p99 else float("nan"),
        "cpu": 100.0 * cpu_s / seconds,
    }


def run_perfgate(url: str, connections: int, seconds: int) -> dict[str, float]:
    if pin(0):
        os.sched_setaffinity(0, {0})  # the worker process inherits it
    result = run_load(
        LoadConfig(url=url, stages=[Stage(0, connections), Stage(seconds, connections)], workers=1)
    )
    return {
        "rps": result.rps,
        "p50_ms": result.p50,
        "p99_ms": result.p99,
        "cpu": result.health.cpu_percent[0],
    }


def _median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run with the median req/s: one noisy neighbour must not decide the ratio."""
    return sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]


def _line(name: str, r: dict[str, float]) -> str:
    cost = 1e6 * r["cpu"] / 100.0 / r["rps"] if r["rps"] else float("nan")
    return (
        f"  {name:<9} {r['rps']:>10,.0f} req/s   p50 {r['p50_ms']:.3f} ms  "
        f"p99 {r['p99_ms']:.3f} ms   client CPU {r['cpu']:.0f}% ({cost:.1f} us/request)"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3, help="alternating runs of each; median kept")
    args = ap.parse_args()
    missing = [t for t in ("wrk", "nginx") if not shutil.which(t)]
    if missing:
        print(f"missing {', '.join(missing)}: apt-get install -y wrk nginx", file=sys.stderr)
        return 2
    short = max(args.seconds // 2, 2)
    runs: dict[str, list[dict[str, float]]] = {"wrk": [], "pg": [], "wrk1": [], "pg1": []}
    with tempfile.TemporaryDirectory(prefix="perfgate-bench-") as tmp:
        nginx, url = start_nginx(Path(tmp))
        try:
            for _ in range(args.rounds):
                runs["wrk"].append(run_wrk(url, args.connections, args.seconds))
                runs["pg"].append(run_perfgate(url, args.connections, args.seconds))
                runs["wrk1"].append(run_wrk(url, 1, short))
                runs["pg1"].append(run_perfgate(url, 1, short))
        finally:
            nginx.send_signal(signal.SIGTERM)
            try:
                nginx.wait(5)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()
    wrk, pg = _median_run(runs["wrk"]), _median_run(runs["pg"])
    wrk1, pg1 = _median_run(runs["wrk1"]), _median_run(runs["pg1"])
    print(
        f"{args.connections} connections, {args.seconds} s, 1 worker/thread each, tiny body, "
        f"median of {args.rounds} alternating runs"
    )
    print(_line("wrk", wrk))
    print(_line("perfgate", pg))
    print(f"  ratio     {pg['rps'] / wrk['rps']:.2f}x wrk's req/s  (target >= 0.80x)")
    print(f"  all runs  wrk {[round(r['rps']) for r in runs['wrk']]}")
    print(f"            perfgate {[round(r['rps']) for r in runs['pg']]}")
    print("1 connection (latency the client adds):")
    print(_line("wrk", wrk1))
    print(_line("perfgate", pg1))
    print(f"  p50 difference {1000 * (pg1['p50_ms'] - wrk1['p50_ms']):+.1f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
