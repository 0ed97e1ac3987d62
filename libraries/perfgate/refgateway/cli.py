"""Command-line parsing: argv -> GatewayOptions, or a one-sentence ValueError."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NoReturn, TypeVar

from .options import BACKEND_PROFILES, DEFAULT_ROUTE_BACKENDS, GatewayOptions

T = TypeVar("T")


class _RaisingParser(argparse.ArgumentParser):
    # argparse prints usage and exits on its own; the gateway reports every bad
    # option the same way (one sentence on stderr), so parsing errors are raised.
    def error(self, message: str) -> NoReturn:
        raise ValueError(message[:1].upper() + message[1:].rstrip(".") + "; see --help.")


def build_parser() -> argparse.ArgumentParser:
    d = GatewayOptions()
    p = _RaisingParser(
        prog="perfgate-gateway",
        description="PerfGate reference gateway (HTTP + WebSocket system under test).",
    )
    p.add_argument("--host", default=d.host, help="address to bind (default %(default)s)")
    p.add_argument("--port", type=int, default=d.port, help="port; 0 picks a free one")
    p.add_argument("--workers", type=int, default=d.workers, help="processes sharing the port")
    p.add_argument("--backends", type=int, default=d.backends, help="simulated RPC backends")
    p.add_argument("--token", default=None, help="require 'Authorization: Bearer TOKEN' on /api")
    p.add_argument("--admin", action="store_true", help="enable the /admin endpoints")
    p.add_argument("--max-body-bytes", type=int, default=d.max_body_bytes)
    p.add_argument("--max-response-bytes", type=int, default=d.max_response_bytes)
    p.add_argument("--max-store-items", type=int, default=d.max_store_items)
    p.add_argument("--max-store-bytes", type=int, default=d.max_store_bytes)
    p.add_argument("--max-connections", type=int, default=d.max_connections, help="0 = no limit")
    p.add_argument("--max-channels", type=int, default=d.max_channels)
    p.add_argument("--ws-queue", type=int, default=d.ws_queue, help="events queued per socket")
    p.add_argument(
        "--sse-keepalive", type=float, default=d.sse_keepalive, help="idle SSE seconds per comment"
    )
    p.add_argument("--error-rate", type=float, default=d.error_rate, help="fraction answered 5xx")
    p.add_argument("--leak-kb-per-request", type=float, default=d.leak_kb_per_request)
    p.add_argument("--leak-mb-per-min", type=float, default=d.leak_mb_per_min)
    p.add_argument(
        "--sawtooth-mb",
        type=float,
        default=d.sawtooth_mb,
        help="MiB of garbage built up and dropped every --sawtooth-period, like a GC cycle",
    )
    p.add_argument("--sawtooth-period", type=float, default=d.sawtooth_period, help="seconds")
    p.add_argument("--stall-every", type=float, default=d.stall_every, help="seconds")
    p.add_argument("--stall-for", type=float, default=d.stall_for, help="seconds")
    p.add_argument("--drop-events", type=float, default=d.drop_events, help="fraction dropped")
    p.add_argument("--event-rate", type=float, default=d.event_rate, help="events/s per channel")
    p.add_argument(
        "--channel-rate",
        action="append",
        default=[],
        metavar="CHANNEL=RATE",
        help="events/s for one channel (repeatable)",
    )
    p.add_argument("--event-bytes", type=int, default=d.event_bytes, help="event payload size")
    p.add_argument("--slow-ms", type=float, default=d.slow_ms)
    p.add_argument("--mixed-slow-fraction", type=float, default=d.mixed_slow_fraction)
    p.add_argument(
        "--route-backend",
        action="append",
        default=[],
        metavar="ROUTE=PROFILE",
        help=f"profile ({'|'.join(BACKEND_PROFILES)}) for one of "
        + ", ".join(DEFAULT_ROUTE_BACKENDS),
    )
    p.add_argument("--seed", type=int, default=None, help="seed for injected randomness")
    p.add_argument("--shutdown-timeout", type=float, default=d.shutdown_timeout)
    return p


def parse_options(argv: list[str]) -> GatewayOptions:
    flags = vars(build_parser().parse_args(argv))
    route_backends = dict(DEFAULT_ROUTE_BACKENDS)
    route_backends.update(_pairs(flags.pop("route_backend"), "--route-backend", str))
    channel_rates = _pairs(flags.pop("channel_rate"), "--channel-rate", float)
    # Every other flag is spelled as its field: --max-body-bytes is max_body_bytes.
    opts = GatewayOptions(**flags, channel_rates=channel_rates, route_backends=route_backends)
    opts.validate()
    return opts


def _pairs(items: list[str], flag: str, convert: Callable[[str], T]) -> dict[str, T]:
    out: dict[str, T] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"{flag} {item!r} must look like NAME=VALUE.")
        try:
            out[key] = convert(value)
        except ValueError:
            raise ValueError(f"{flag} {item!r} has a bad value {value!r}.") from None
    return out
