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
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "libraries"))

from perfgate.gateway.manager import GatewayManager
from perfgate.load.ws import WebSocketResult, WsLoadConfig, WsProtocol, run_websocket_load
from perfgate.load.ws.config import SOCKETIO_PROTOCOL
from perfgate.load.ws.socketio import SocketIoOptions
from perfgate.procs.reaper_client import ReaperClient

SERVER = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "node-socketio" / "server.js"
# The server's plain-ws messages (server.js, --transport ws).
WS_PROTOCOL = WsProtocol(
    subscribe='{"op": "subscribe", "topic": "{channel}"}',
    unsubscribe='{"op": "unsubscribe", "topic": "{channel}"}',
    echo='{"op": "echo", "data": {"n": {seq}, "t": {ts_ns}}}',
    type_field="kind",
    time_field="t",
)


def run(manager: GatewayManager, transport: str, options: argparse.Namespace) -> WebSocketResult:
    """One load against a fresh server speaking `transport`."""
    echo = options.mode == "echo"
    rate = 0 if echo else options.rate  # the server generates the broadcast's events
    command = ["node", str(SERVER), "--port", "{port}", "--transport", transport]
    command += ["--rate", str(rate), "--clock", "ns"]
    gw = manager.start(command, output_dir=options.output, timeout_s=30)
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
        return run_websocket_load(WsLoadConfig(**fields))
    finally:
        manager.stop(gw, 5)


def show(title: str, r: WebSocketResult) -> None:
    print(
        f"  {title:<10} p50 {r.event_latency_p50:7.2f} ms  p95 {r.event_latency_p95:7.2f} ms  "
        f"p99 {r.event_latency_p99:7.2f} ms  events {r.events_received:,}  lost {r.events_lost:,}  "
        f"connect p99 {r.connect_p99:.2f} ms  CPU {r.cpu_percent} %"
    )
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
        finally:
            manager.stop_scope(None, 5)
            reaper.close()


if __name__ == "__main__":
    main()
