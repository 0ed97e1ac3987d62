"""What an SSE run measures on this machine, and what the load generator costs.

    flock /tmp/perfgate-bench.lock .venv/bin/python benchmarks/sse_bench.py
    .venv/bin/python benchmarks/sse_bench.py --streams 20 --seconds 3    # a quick look

Against the reference gateway's /sse/{channel} (one process, on this machine):

1. server events: ``--streams`` streams (default 1,000) on one channel the
   gateway feeds at ``--rate`` events/s (default 100), stamped with its wall
   clock in ns: time to first event, publish-to-receipt latency (gateway
   included: an upper bound of the tool's own share), loss, the workers' CPU;
2. published events: the same streams, events POSTed through the trigger at
   the same rate with PerfGate's own send stamp.

Nothing is timed against a limit; it prints figures for docs/streaming.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "libraries"))

from perfgate.load.sse import SseFormat, SseLoadConfig, SseResult, run_event_stream_load

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "refgateway"))
# The tests' launcher: a gateway on a free port, stopped on the way out.
from refgw_helpers import running


def line(what: str, r: SseResult) -> str:
    return (
        f"{what}: {r.connections:,} streams, {r.events_received:,} events in {r.duration_s:.1f} s "
        f"({r.events_per_s:,.0f}/s); first event p50 {r.first_event_p50:.1f} ms p95 "
        f"{r.first_event_p95:.1f} ms; latency p50 {r.event_latency_p50:.2f} ms p99 "
        f"{r.event_latency_p99:.2f} ms max {r.event_latency_max:.1f} ms; lost {r.events_lost} of "
        f"{r.events_expected:,}; disconnections {r.disconnections}; CPU per worker "
        f"{', '.join(f'{c:.0f}%' for c in r.cpu_percent)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    warmup = min(5.0, args.seconds / 4)
    with running("--channel-rate", f"bench={args.rate:g}", "--ws-queue", "4096") as gw:
        served = run_event_stream_load(
            SseLoadConfig(
                url=f"{gw.url}/sse/{{channel}}",
                channel="bench",
                connections=args.streams,
                event_rate=0.0,
                duration_s=args.seconds,
                warmup_s=warmup,
                protocol=SseFormat(time_field="ts_ns", time_format="epoch_ns"),
            )
        )
        print(line("server events", served), flush=True)
    with running("--ws-queue", "4096") as gw:
        published = run_event_stream_load(
            SseLoadConfig(
                url=f"{gw.url}/sse/{{channel}}",
                connections=args.streams,
                event_rate=args.rate,
                publish_url=f"{gw.url}/api/events/{{channel}}",
                duration_s=args.seconds,
                warmup_s=warmup,
            )
        )
        print(line("published events", published), flush=True)
    print(f"(python {sys.version.split()[0]}, {subprocess.getoutput('nproc')} cores)")


if __name__ == "__main__":
    main()
