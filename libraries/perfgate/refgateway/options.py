"""Every knob of the reference gateway in one dataclass, validated once."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

BACKEND_PROFILES = ("none", "fast", "slow", "mixed")

# Routes whose simulated backend can be chosen with --route-backend; the value
# is the profile used when neither the command line nor `?backend=` says otherwise.
DEFAULT_ROUTE_BACKENDS: dict[str, str] = {
    "/api/echo": "none",
    "/api/missions": "fast",
    "/api/specs/{id}": "fast",
    "/api/specs/search": "mixed",
}

# The simulated faults of the gateway process (memory growth, garbage cycles,
# whole-process stalls): amounts and periods, never negative, all changeable
# at run time through /admin.
FAULT_KNOBS = (
    "leak_kb_per_request",
    "leak_mb_per_min",
    "sawtooth_mb",
    "sawtooth_period",
    "stall_every",
    "stall_for",
)


@dataclass
class GatewayOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    backends: int = 1
    token: str | None = None
    admin: bool = False
    max_body_bytes: int = 1024 * 1024
    max_response_bytes: int = 16 * 1024 * 1024
    max_store_items: int = 10_000
    max_store_bytes: int = 64 * 1024 * 1024
    max_connections: int = 0
    max_channels: int = 1_000
    ws_queue: int = 1_000
    sse_keepalive: float = 15.0  # seconds an SSE stream may be idle before a comment line
    error_rate: float = 0.0
    leak_kb_per_request: float = 0.0
    leak_mb_per_min: float = 0.0
    sawtooth_mb: float = 0.0
    sawtooth_period: float = 0.0
    stall_every: float = 0.0
    stall_for: float = 0.0
    drop_events: float = 0.0
    event_rate: float = 0.0
    channel_rates: dict[str, float] = field(default_factory=dict)
    event_bytes: int = 0
    slow_ms: float = 500.0
    mixed_slow_fraction: float = 0.1
    route_backends: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ROUTE_BACKENDS))
    seed: int | None = None
    shutdown_timeout: float = 10.0

    def validate(self) -> None:
        """Raise ValueError with one sentence naming the first bad option."""
        _check(0 <= self.port <= 65535, f"--port {self.port} is out of range; use 0..65535")
        _check(1 <= self.workers <= 64, f"--workers {self.workers} must be between 1 and 64")
        _check(1 <= self.backends <= 64, f"--backends {self.backends} must be between 1 and 64")
        _check(self.token != "", "--token must not be empty; omit it to turn auth off")
        for name in (
            "max_body_bytes",
            "max_response_bytes",
            "max_store_items",
            "max_store_bytes",
        ):
            _check(getattr(self, name) >= 1, f"--{_flag(name)} must be at least 1")
        _check(self.max_channels >= 1, "--max-channels must be at least 1")
        _check(self.ws_queue >= 1, "--ws-queue must be at least 1")
        _check(self.sse_keepalive > 0, "--sse-keepalive must be a positive number of seconds")
        _check(self.max_connections >= 0, "--max-connections must be 0 (no limit) or positive")
        for name in ("error_rate", "drop_events", "mixed_slow_fraction"):
            value = getattr(self, name)
            _check(0.0 <= value <= 1.0, f"--{_flag(name)} {value} must be between 0 and 1")
        for name in (*FAULT_KNOBS, "event_rate", "event_bytes", "slow_ms", "shutdown_timeout"):
            value = getattr(self, name)
            _check(value >= 0, f"--{_flag(name)} {value} must not be negative")
        _check(
            (self.sawtooth_mb > 0) == (self.sawtooth_period > 0),
            "--sawtooth-mb and --sawtooth-period must be given together (both positive)",
        )
        _check(
            (self.stall_every > 0) == (self.stall_for > 0),
            "--stall-every and --stall-for must be given together (both positive)",
        )
        _check(
            self.stall_for < self.stall_every or self.stall_every == 0,
            "--stall-for must be shorter than --stall-every or the gateway never runs",
        )
        _check(self.event_rate <= 100_000, "--event-rate must be at most 100000 per second")
        for channel, rate in self.channel_rates.items():
            _check(
                0 <= rate <= 100_000,
                f"--channel-rate {channel}={rate} must be between 0 and 100000 per second",
            )
        for route, profile in self.route_backends.items():
            _check(
                route in DEFAULT_ROUTE_BACKENDS,
                f"--route-backend route {route!r} is unknown; use one of "
                + ", ".join(DEFAULT_ROUTE_BACKENDS),
            )
            _check(
                profile in BACKEND_PROFILES,
                f"--route-backend profile {profile!r} is unknown; use one of "
                + ", ".join(BACKEND_PROFILES),
            )

    def describe(self) -> str:
        """The options as `key=value` words for the start line: the main ones
        always, the rest only when they differ from the default; the token stays secret."""
        default = GatewayOptions()
        words = [f"backends={self.backends}", f"auth={'on' if self.token else 'off'}"]
        words.append(f"admin={'on' if self.admin else 'off'}")
        for f in dataclasses.fields(self):
            if f.name in ("host", "port", "workers", "backends", "token", "admin"):
                continue
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            if isinstance(value, dict):
                value = ",".join(f"{k}={v}" for k, v in value.items()) or "-"
            words.append(f"{f.name}={value}")
        return " ".join(words)


def _flag(name: str) -> str:
    return name.replace("_", "-")


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message + ".")
