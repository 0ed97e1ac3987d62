"""How much time `Start Gateway` adds to the gateway's own start-up.

The gateway's own start-up is measured without PerfGate: Popen, then a
1 ms tight loop of health checks until the first 2xx. `Start Gateway` is
the same command through GatewayManager (reaper spawn, 10 ms health poll,
log file). Both are repeated and the medians compared; the reaper's own
one-off start is reported separately.

    python benchmarks/start_gateway_overhead.py [--runs 15] [--command "..."]
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

from perfgate.gateway.health import probe
from perfgate.gateway.manager import GatewayManager, reference_gateway_command
from perfgate.gateway.ports import free_port
from perfgate.procs.reaper_client import ReaperClient


def own_startup(command: list[str]) -> float:
    port = free_port()
    argv = [part.replace("{port}", str(port)) for part in command]
    url = f"http://127.0.0.1:{port}/health"
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not probe(url, timeout=1.0).ok:
            if proc.poll() is not None:
                raise SystemExit(f"the gateway exited with {proc.returncode}")
            time.sleep(0.001)
        return time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait()


def through_perfgate(manager: GatewayManager, command: list[str], output_dir: str) -> float:
    start = time.perf_counter()
    gateway = manager.start(command, output_dir=output_dir, timeout_s=60)
    elapsed = time.perf_counter() - start
    manager.stop(gateway)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--command", default=None, help="gateway command with {port}")
    args = parser.parse_args()
    command = shlex.split(args.command) if args.command else reference_gateway_command()

    with tempfile.TemporaryDirectory() as state, tempfile.TemporaryDirectory() as out:
        reaper = ReaperClient(state_dir=state)
        manager = GatewayManager(reaper)
        try:
            first = through_perfgate(manager, command, out)  # includes the reaper's start
            own, ours = [], []
            for _ in range(args.runs):  # interleaved, so drift hits both alike
                own.append(own_startup(command))
                ours.append(through_perfgate(manager, command, out))
        finally:
            reaper.close()

    own_ms, ours_ms = statistics.median(own) * 1000, statistics.median(ours) * 1000
    print(f"command:                 {shlex.join(command)}")
    print(f"runs:                    {args.runs}")
    print(f"gateway's own start-up:  {own_ms:7.1f} ms (median)")
    print(f"Start Gateway:           {ours_ms:7.1f} ms (median)")
    print(f"overhead:                {ours_ms - own_ms:7.1f} ms ({ours_ms / own_ms:.2f}x)")
    print(f"first call (with reaper start): {first * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
