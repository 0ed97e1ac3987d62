"""How many WebSocket connections PerfGate holds, and how much latency it adds.

    flock /tmp/perfgate-bench.lock .venv/bin/python benchmarks/websocket_bench.py

Against the reference gateway (one worker, on this machine):

1. echo, 200 connections, 100 messages/s: the round trip PerfGate measures
   (gateway included) - an upper bound of the tool's own overhead;
2. echo, 10,000 connections (``--connections``) ramped at 500/s, then 100
   messages/s: how many stay connected, connection times, the round trip
   with that many sockets open, the workers' CPU, collector pauses and
   open-files limit - once with the gateway's garbage collector off (its
   full collections over 10,000 sockets pause it for about half a second,
   which would hide the tool's own figures), once as it is;
3. broadcast fan-out, 200 subscribers x 50 events/s, PerfGate against
   websocket-client with one thread per connection (the client the design
   first chose), same gateway, same events: latency and client CPU per
   delivered event. ``--skip-compare`` leaves it out.

Nothing here is timed against a limit; it prints figures for docs/websocket.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "libraries"))

from perfgate.load.ws import WebSocketResult, WsLoadConfig, run_websocket_load
from perfgate.measure.histogram import Histogram

START_LINE = re.compile(r"listening on http://127\.0\.0\.1:(\d+) ")
NO_COLLECTOR = (
    "import gc, sys; gc.disable(); from perfgate.refgateway.__main__ import main; "
    "sys.exit(main(sys.argv[1:]))"
)


class RefGateway:
    """The reference gateway in a child process, killed on exit whatever happens."""

    def __init__(self, *options: str, collector: bool = True) -> None:
        # With the collector off the gateway never pauses for a full collection,
        # so what remains of the latency is the network stack and the tool.
        command = ["-m", "perfgate.refgateway"] if collector else ["-c", NO_COLLECTOR]
        self.proc = subprocess.Popen(
            [sys.executable, *command, "--port", "0", *options],
            stdout=subprocess.PIPE,
            text=True,
            env={
                **os.environ,
                "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "libraries"),
            },
        )
        assert self.proc.stdout is not None
        match = START_LINE.search(self.proc.stdout.readline())
        if not match:
            self.close()
            raise SystemExit("the reference gateway did not start")
        self.port = int(match.group(1))
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws"

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)

    def __enter__(self) -> RefGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def cpu_per_event_us(result: WebSocketResult) -> float:
    busy = sum(result.cpu_percent) / 100 * result.duration_s
    return busy / max(result.events_received, 1) * 1e6


def echo(url: str, connections: int, rate: float, seconds: float, ramp: float) -> WebSocketResult:
    warmup = connections / ramp + 2.0
    return run_websocket_load(
        WsLoadConfig(
            url=url,
            mode="echo",
            connections=connections,
            event_rate=rate,
            duration_s=warmup + seconds,
            warmup_s=warmup,
            ramp_per_s=ramp,
            timeout_s=30.0,
        )
    )


def show_echo(title: str, r: WebSocketResult) -> None:
    print(f"\n{title}")
    print(
        f"  connected at the end  {r.timeline[-1].connected:,} of {r.connections:,}; "
        f"{r.connect_attempts:,} attempts, success {r.connection_success_rate * 100:.2f}% "
        f"{r.connect_errors_by_kind or ''}"
    )
    print(
        f"  connect time          p50 {r.connect_p50:.2f} ms  p95 {r.connect_p95:.2f} ms  "
        f"p99 {r.connect_p99:.2f} ms  max {r.connect_max:.1f} ms"
    )
    print(
        f"  echo round trip       p50 {r.event_latency_p50:.2f} ms  p95 {r.event_latency_p95:.2f} "
        f"ms  p99 {r.event_latency_p99:.2f} ms  max {r.event_latency_max:.2f} ms  "
        f"({r.latency_samples:,} samples, lost {r.events_lost})"
    )
    print(
        f"  workers               {r.workers}, CPU {r.cpu_percent} %, longest GC pause "
        f"{r.gc_max_ms} ms, open-files limit {r.fd_limit}"
    )
    for line in r.warnings + r.notes:
        print(f"  note                  {line}")


def broadcast_perfgate(url: str, subscribers: int, rate: float, seconds: float) -> WebSocketResult:
    return run_websocket_load(
        WsLoadConfig(
            url=url,
            connections=subscribers,
            event_rate=rate,
            duration_s=seconds + 1.0,
            warmup_s=1.0,
            ramp_per_s=float("inf"),
            workers=1,
        )
    )


def broadcast_websocket_client(
    url: str, subscribers: int, rate: float, seconds: float
) -> tuple[Histogram, int, float]:
    """The same fan-out with websocket-client, one thread per subscriber; (latency, events, cpu s)."""
    import websocket  # websocket-client

    threading.stack_size(256 * 1024)
    channel = f"wsc-bench-{os.getpid()}"
    latencies: list[int] = []
    conns = []
    for _ in range(subscribers):
        ws = websocket.create_connection(url, timeout=10)
        ws.send(json.dumps({"type": "subscribe", "channel": channel}))
        ws.recv()
        ws.settimeout(None)
        conns.append(ws)
    publisher = websocket.create_connection(url, timeout=10)

    def read(ws: websocket.WebSocket) -> None:
        while True:
            try:
                text = ws.recv()
            except Exception:
                return
            now = time.monotonic_ns()
            try:
                sent = json.loads(text).get("data", {}).get("t")
            except ValueError:  # the close frame's empty text
                return
            if isinstance(sent, int):
                latencies.append(now - sent)

    def drain() -> None:
        with contextlib.suppress(Exception):
            while True:
                publisher.recv()

    threads = [threading.Thread(target=read, args=(ws,), daemon=True) for ws in conns]
    threads.append(threading.Thread(target=drain, daemon=True))
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    cpu0 = time.process_time()
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        n += 1
        message = {
            "type": "publish",
            "channel": channel,
            "data": {"n": n, "t": time.monotonic_ns()},
        }
        publisher.send(json.dumps(message))
    time.sleep(2.0)
    cpu = time.process_time() - cpu0
    for ws in [*conns, publisher]:
        with contextlib.suppress(Exception):
            ws.close(timeout=1)
    hist = Histogram()
    for value in latencies:
        hist.record(value)
    return hist, len(latencies), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=100.0, help="echo messages/s in all")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--ramp", type=float, default=500.0, help="new connections per second")
    parser.add_argument("--skip-compare", action="store_true")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, open-files limit "
        f"{soft}/{hard} (soft/hard)"
    )

    with RefGateway() as gw:
        show_echo(
            f"echo, 200 connections, {args.rate:g} msg/s, {args.seconds:g} s",
            echo(gw.ws_url, 200, args.rate, args.seconds, ramp=1000.0),
        )
    many = (
        f"echo, {args.connections:,} connections (ramp {args.ramp:g}/s), {args.rate:g} msg/s, "
        f"{args.seconds:g} s"
    )
    with RefGateway(collector=False) as gw:
        show_echo(
            f"{many}, the gateway's garbage collector off (what is left is the tool's)",
            echo(gw.ws_url, args.connections, args.rate, args.seconds, ramp=args.ramp),
        )
    with RefGateway() as gw:
        show_echo(
            f"{many}, the reference gateway as it is",
            echo(gw.ws_url, args.connections, args.rate, args.seconds, ramp=args.ramp),
        )
    if args.skip_compare:
        return
    subscribers, rate, seconds = 200, 50.0, 5.0
    print(f"\nbroadcast fan-out, {subscribers} subscribers x {rate:g} events/s, {seconds:g} s")
    with RefGateway() as gw:
        r = broadcast_perfgate(gw.ws_url, subscribers, rate, seconds)
        print(
            f"  perfgate (aiohttp, uvloop)      p50 {r.event_latency_p50:6.2f} ms  p99 "
            f"{r.event_latency_p99:7.2f} ms  {r.events_received:,} events  client CPU "
            f"{cpu_per_event_us(r):.1f} us/event"
        )
    with RefGateway() as gw:
        hist, events, cpu = broadcast_websocket_client(gw.ws_url, subscribers, rate, seconds)
        p50, p99 = (v / 1e6 for v in hist.percentiles([50, 99]))
        print(
            f"  websocket-client (threads)      p50 {p50:6.2f} ms  p99 {p99:7.2f} ms  "
            f"{events:,} events  client CPU {cpu / max(events, 1) * 1e6:.1f} us/event"
        )


if __name__ == "__main__":
    main()
