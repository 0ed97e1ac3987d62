"""What Socket.IO costs PerfGate: the same load over Socket.IO and over plain WebSocket.

    flock /tmp/perfgate-bench.lock .venv/bin/python benchmarks/socketio_bench.py

One Node server (tests/fixtures/node-socketio/server.js, `make node-fixtures`) serves
the same rooms and events either over `socket.io` v4 or over plain `ws`
(`--transport ws`), so that the only difference between the two runs is the
Socket.IO layer, at both ends. Two loads, each run once per transport:

- ``echo`` (default): ``--connections`` clients (1,000) send ``--rate`` messages
  a second in all (100), each with an acknowledgement (Socket.IO) or an echo
  reply (ws); the latency is the round trip;
- ``broadcast``: the same clients join one room; the server generates
  ``--rate`` events a second in it, each stamped with its wall clock in
  nanoseconds (hrtime anchored on Date.now()), and every receipt is timed
  against the stamp (``time_format=epoch_ns``). Every event reaches every
  client: 1,000 x 100 is 100,000 receipts a second, more than two cores parse
  (plain or Socket.IO), so at that size the figures are the backlog's; use
  ``--connections 200 --rate 20`` or more ``--workers`` on a bigger machine.

It prints PerfGate's event latency (p50, p95, p99) for both and the difference
of the p99s; issue 14 wants it within 2 ms. Nothing is judged against a limit.
A correctness run that takes seconds: ``--connections 20 --seconds 3``.

Under each run, what the Node server did over the measured seconds (its
``/stats``, read once a second): its CPU, its event-loop lag (how late a 10 ms
timer fired) and the most that waited to be sent (Engine.IO packets in the
sockets' write buffers, bytes in the WebSockets' send buffers), so that a
backlog shows on which side it is. ``--reference`` adds, for each transport,
the same broadcast received by the ordinary Node clients (``socket.io-client``,
``ws``: tests/fixtures/node-socketio/client.js) instead of PerfGate: what the
server delivers to a client that is not PerfGate.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "libraries"))

from perfgate.gateway.manager import GatewayManager
from perfgate.load.ws import WebSocketResult, WsLoadConfig, WsProtocol, run_websocket_load
from perfgate.load.ws.config import SOCKETIO_PROTOCOL
from perfgate.load.ws.socketio import SocketIoOptions
from perfgate.procs.reaper_client import ReaperClient

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "node-socketio"
SERVER = FIXTURE / "server.js"
# The server's plain-ws messages (server.js, --transport ws).
WS_PROTOCOL = WsProtocol(
    subscribe='{"op": "subscribe", "topic": "{channel}"}',
    unsubscribe='{"op": "unsubscribe", "topic": "{channel}"}',
    echo='{"op": "echo", "data": {"n": {seq}, "t": {ts_ns}}}',
    type_field="kind",
    time_field="t",
)


class ServerWatch:
    """Reads the server's /stats once a second (each read covers the second before it)
    and keeps what it said about itself once the warm-up was over."""

    def __init__(self, port: int, warmup_s: float) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/stats"
        self.warmup_s = warmup_s
        self.samples: list[dict[str, Any]] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> ServerWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(5)

    def _poll(self) -> None:
        elapsed = 0.0
        while not self.done.wait(1.0):
            elapsed += 1.0
            try:
                with urllib.request.urlopen(self.url, timeout=2) as answer:
                    figures = json.load(answer)["server"]
            except (OSError, ValueError, KeyError):
                continue
            if elapsed > self.warmup_s:
                figures["kernel"] = self._kernel_queues()
                self.samples.append(figures)

    def _kernel_queues(self) -> tuple[int, int]:
        """Bytes in the kernel's queues: not yet acknowledged by the clients' side (the
        server's sockets' Send-Q), and received but not yet read by the clients (Recv-Q)."""
        try:
            listing = subprocess.run(
                ["ss", "-Htn", "state", "established"], capture_output=True, text=True, timeout=5
            ).stdout
        except (OSError, subprocess.TimeoutExpired):
            return (0, 0)
        sent = unread = 0
        end = f":{self.port}"
        for line in listing.splitlines():
            cols = line.split()
            if len(cols) >= 4 and cols[2].endswith(end):
                sent += int(cols[1])
            elif len(cols) >= 4 and cols[3].endswith(end):
                unread += int(cols[0])
        return (sent, unread)

    def summary(self) -> str:
        if not self.samples:
            return "no /stats read in the measured period"
        cpu = [s["cpu_percent"] for s in self.samples]
        lag = max(s["loop_delay_ms"]["max"] for s in self.samples)
        lag99 = max(s["loop_delay_ms"]["p99"] for s in self.samples)
        packets = max(s["queued"]["packets"] for s in self.samples)
        queued = max(s["queued"]["bytes"] for s in self.samples)
        sent = max(s["kernel"][0] for s in self.samples)
        unread = max(s["kernel"][1] for s in self.samples)
        return (
            f"CPU {sum(cpu) / len(cpu):.0f} % (max {max(cpu):.0f} %)  loop lag p99 {lag99:.1f} ms "
            f"max {lag:.1f} ms  queued at most: {packets:,} packets, {queued:,} bytes in the "
            f"server; kernel {sent:,} bytes sent not acknowledged, {unread:,} bytes unread by "
            "the clients"
        )


def start_server(manager: GatewayManager, transport: str, options: argparse.Namespace) -> Any:
    """A fresh fixture server speaking `transport`; broadcast: generating the events."""
    rate = 0 if options.mode == "echo" else options.rate
    command = ["node", str(SERVER), "--port", "{port}", "--transport", transport]
    command += ["--rate", str(rate), "--clock", "ns"]
    return manager.start(command, output_dir=options.output, timeout_s=30)


def reference(manager: GatewayManager, transport: str, options: argparse.Namespace) -> None:
    """The broadcast received by the ordinary Node clients instead of PerfGate."""
    gw = start_server(manager, transport, options)
    command = ["node", str(FIXTURE / "client.js"), "--url", f"http://127.0.0.1:{gw.port}"]
    command += ["--transport", transport, "--connections", str(options.connections)]
    command += ["--warmup", str(options.warmup), "--seconds", str(options.seconds)]
    command += ["--room", "perfgate"]
    try:
        with ServerWatch(gw.port, options.warmup) as watch:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                check=True,
                timeout=options.warmup + options.seconds + 30,
            )
        r = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        manager.stop(gw, 5)
    title = f"node {'socket.io' if transport == 'socketio' else 'ws'}"
    print(
        f"  {title:<14} p50 {r['p50']:7.2f} ms  p95 {r['p95']:7.2f} ms  p99 {r['p99']:7.2f} ms  "
        f"events {r['events']:,}  connected {r['connected']:,}  CPU {r['cpu_percent']} %"
    )
    print(f"    server: {watch.summary()}")


def run(manager: GatewayManager, transport: str, options: argparse.Namespace) -> WebSocketResult:
    """One load against a fresh server speaking `transport`."""
    echo = options.mode == "echo"
    gw = start_server(manager, transport, options)
    protocol = SOCKETIO_PROTOCOL if transport == "socketio" else WS_PROTOCOL
    fields: dict[str, Any] = {
        "url": f"{'http' if transport == 'socketio' else 'ws'}://127.0.0.1:{gw.port}",
        "mode": options.mode,
        "connections": options.connections,
        "event_rate": options.rate if echo else 0.0,
        "duration_s": options.seconds + options.warmup,
        "warmup_s": options.warmup,
        "workers": options.workers,
        "protocol": protocol.with_overrides({} if echo else {"time_format": "epoch_ns"}),
        "socketio": SocketIoOptions() if transport == "socketio" else None,
    }
    try:
        with ServerWatch(gw.port, options.warmup) as watch:
            result = run_websocket_load(WsLoadConfig(**fields))
    finally:
        manager.stop(gw, 5)
    result.notes.append(f"server: {watch.summary()}")
    return result


def show(title: str, r: WebSocketResult) -> None:
    print(
        f"  {title:<10} p50 {r.event_latency_p50:7.2f} ms  p95 {r.event_latency_p95:7.2f} ms  "
        f"p99 {r.event_latency_p99:7.2f} ms  events {r.events_received:,}  lost {r.events_lost:,}  "
        f"connect p99 {r.connect_p99:.2f} ms  CPU {r.cpu_percent} %  GC max {r.gc_max_ms} ms"
    )
    # The stamps are the server's wall clock: a step of the clock would pass for a backlog.
    if r.clock_drift_ms == r.clock_drift_ms and r.clock_drift_ms > 1:
        print(f"    the wall clock moved {r.clock_drift_ms:,.1f} ms during the run")
    for note in r.notes + r.warnings:
        print(f"    note: {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("echo", "broadcast"), default="echo")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument("--workers", type=int, default=None, help="load worker processes")
    parser.add_argument(
        "--reference",
        action="store_true",
        help="broadcast: also the Node clients (socket.io-client, ws) instead of PerfGate",
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="socketio-bench-") as tmp:
        options.output = tmp
        reaper = ReaperClient(state_dir=str(Path(tmp) / "registry"))
        manager = GatewayManager(reaper)
        try:
            print(
                f"{options.mode}, {options.connections:,} connections, {options.rate:g} "
                f"events/s, {options.seconds:g} s measured after {options.warmup:g} s"
            )
            sio = run(manager, "socketio", options)
            show("socket.io", sio)
            ws = run(manager, "ws", options)
            show("ws", ws)
            diff = sio.event_latency_p99 - ws.event_latency_p99
            print(f"  Socket.IO adds {diff:+.2f} ms at p99 (issue 14: within 2 ms)")
            if options.reference and options.mode == "broadcast":
                reference(manager, "socketio", options)
                reference(manager, "ws", options)
        finally:
            manager.stop_scope(None, 5)
            reaper.close()


if __name__ == "__main__":
    main()
