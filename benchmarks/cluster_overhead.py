"""What running the load workers through Dask costs: `cluster=local` against
today's local worker processes, on the same reference gateway in one run.

1. Throughput and latency: the same closed-model load (CLIENTS clients,
   WORKERS workers, SECONDS s after a 1 s warm-up) run alternately on local
   workers and through a warm LocalCluster, ROUNDS times each; the medians
   of req/s and p50 compared (issue 15's target: >= 0.95x).
2. From the call to the first request on a warm cluster: `plan_run` and the
   runner's `execute` (what `Run Load Profile` calls) against a small HTTP
   server of this process that notes when its first request arrives; on
   local workers for reference (target: <= 2 s).

    python benchmarks/cluster_overhead.py [--rounds 3] [--seconds 5] [--clients 16]

The machine this runs on is shared: say how busy it was next to the figures
(the load average is printed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from perfgate.gateway.health import probe
from perfgate.gateway.manager import reference_gateway_command
from perfgate.gateway.ports import free_port
from perfgate.load.cluster import open_cluster, shared
from perfgate.load.http import LoadConfig, run_load
from perfgate.load.http.plan import plan_run
from perfgate.load.http.runner import execute
from perfgate.load.stages import Stage


def start_gateway() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    argv = [part.replace("{port}", str(port)) for part in reference_gateway_command()]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not probe(url + "/health", timeout=1.0).ok:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("the reference gateway did not start")
        time.sleep(0.05)
    return proc, url


def throughput(url: str, cluster: str | None, args: argparse.Namespace) -> tuple[float, float]:
    """req/s and p50 (ms) of one closed-model run, on local workers or the cluster."""
    stages = [Stage(0, args.clients), Stage(1 + args.seconds, args.clients)]
    config = LoadConfig(url=url + "/api/echo", stages=stages, warmup_s=1.0,
                        workers=args.workers, cluster=cluster)  # fmt: skip
    result = run_load(config)
    return result.rps, result.p50


class _FirstRequest(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the load workers speak it
    first: list[float] = []  # noqa: RUF012 - one server, one note at a time

    def do_GET(self) -> None:  # http.server calls it by this name
        if not self.first:
            self.first.append(time.monotonic())
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_: Any) -> None:
        pass


def call_to_first_request(cluster: str | None, workers: int, out: str) -> float:
    """Seconds from `plan_run` to the first request a worker sent."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FirstRequest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _FirstRequest.first.clear()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        called = time.monotonic()
        plan = plan_run("smoke", url, clients=workers, duration="1 s", warmup="0 s",
                        time_scale=1, workers=workers, cluster=cluster)  # fmt: skip
        execute(plan, directory=out)
    finally:
        server.shutdown()
        server.server_close()
    return _FirstRequest.first[0] - called


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    gateway, url = start_gateway()
    # The LocalCluster every cluster run of this process uses (cluster="local"), warm.
    shared.adopt("local", open_cluster("local", local_workers=args.workers))
    try:
        with tempfile.TemporaryDirectory() as out:
            call_to_first_request("local", args.workers, out)  # warms the cluster up
            local: list[tuple[float, float]] = []
            dask: list[tuple[float, float]] = []
            for _ in range(args.rounds):  # alternated, so a busier moment hits both
                local.append(throughput(url, None, args))
                dask.append(throughput(url, "local", args))
            firsts = {c: [call_to_first_request(c, args.workers, out) for _ in range(5)]
                      for c in (None, "local")}  # fmt: skip
    finally:
        shared.close_clusters()
        gateway.terminate()
        gateway.wait(10)
    report(args, local, dask, firsts)
    return 0


def report(args: argparse.Namespace, local: list[tuple[float, float]],
           dask: list[tuple[float, float]], firsts: dict[str | None, list[float]]) -> None:  # fmt: skip
    l_rps, d_rps = (statistics.median(r for r, _ in runs) for runs in (local, dask))
    l_p50, d_p50 = (statistics.median(p for _, p in runs) for runs in (local, dask))
    print(f"closed model: {args.clients} clients, {args.workers} workers, {args.seconds:g} s "
          f"measured after 1 s, {args.rounds} rounds each, alternated")  # fmt: skip
    print(f"  req/s  local {l_rps:9,.0f}   cluster=local {d_rps:9,.0f}   {ratio(d_rps, l_rps)}")
    print(f"  p50    local {l_p50:9.3f} ms cluster=local {d_p50:9.3f} ms {ratio(d_p50, l_p50)}")
    print(f"  each run (req/s): local {[round(r) for r, _ in local]}, "
          f"cluster {[round(r) for r, _ in dask]}")  # fmt: skip
    for name, key in (("local workers", None), ("cluster=local (warm)", "local")):
        times = firsts[key]
        print(f"call to first request, {name}: median {statistics.median(times):.2f} s "
              f"(min {min(times):.2f}, max {max(times):.2f}, 5 calls)")  # fmt: skip
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    raise SystemExit(main())
