"""Is the gateway under test still there? Asked once a second of every run, whatever its
protocol (`perfgate.load.outcome.Watch`), so that a dead gateway stops the run within about
a second instead of loading a dead port to its end (in a soak, an hour of nothing).

Two signs:

- the gateway PerfGate started (given as ``gateway=``, or the one GatewayLibrary started on
  the port of the run's URL) has exited: its exit code or signal and its last output lines
  are the message (`perfgate.gateway.lookup.exit_report`);
- otherwise, a full second without one answer (`TargetSigns.silent_second`: every request
  failed, or no stream was connected) after which a new TCP connection to the URL's host
  and port fails too: nothing listens there any more.

`TargetSigns.answers` counts what a finished run got back: a load that never got one
answer fails, whatever its thresholds (`perfgate.load.outcome.conclude`).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import urlsplit

from perfgate.gateway.lookup import exit_report, gateway_on_port

PROBE_TIMEOUT_S = 0.5
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}

P_contra = TypeVar("P_contra", contravariant=True)
R_contra = TypeVar("R_contra", contravariant=True)


class RunClock(Protocol):
    elapsed_s: float
    duration_s: float


@dataclass(frozen=True)
class TargetSigns(Generic[P_contra, R_contra]):
    """How a protocol's figures show that its target stopped answering."""

    # The second just closed got no answer at all (every try failed, nothing connected).
    silent_second: Callable[[P_contra], bool]
    # Answers a finished run got: responses, connections opened, events.
    answers: Callable[[R_contra], int]


def _event_silent(progress: Any) -> bool:
    row = progress.row
    return bool(row.connected == 0 and row.connects == 0 and row.events == 0)


def _event_answers(result: Any) -> int:
    opened = int(result.connect_attempts) - int(result.connect_failures)
    return max(0, opened) + int(result.events_received)


# WebSocket and Server-Sent Events: their rows and results share `perfgate.load.events.figures`.
EVENT_SIGNS: TargetSigns[Any, Any] = TargetSigns(_event_silent, _event_answers)


def address(url: str) -> tuple[str, int] | None:
    """(host, port) of a run's URL (``{channel}`` templates and all), None if it has none."""
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None
    return (parts.hostname, port) if parts.hostname and port else None


def connect_error(host: str, port: int, timeout_s: float = PROBE_TIMEOUT_S) -> str | None:
    """Why a new TCP connection to `host`:`port` failed, or None when it opened. A connection
    that only takes long is not taken for a dead target: a busy gateway's backlog does that."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return None
    except TimeoutError:
        return None
    except OSError as exc:
        return exc.strerror or type(exc).__name__


class TargetWatch:
    """One run's watch on its target: `check` once a second; `down` says why it is dead."""

    def __init__(self, url: str, gateway: Any = None, signs: TargetSigns[Any, Any] | None = None):
        self.address = address(url)
        port = self.address[1] if self.address else None
        self.gateway = gateway if gateway is not None else gateway_on_port(port)
        self.signs = signs
        self.down: str | None = None  # the failure message, once the gateway is found dead
        self.summary = ""  # its first sentence, for the console: how it died

    def check(self, progress: RunClock) -> bool:
        """True the first time the gateway is found dead (`down` then says how)."""
        if self.down is not None:
            return False
        why = exit_report(self.gateway) if self.gateway is not None else None
        if why is None and self.signs is not None and self.signs.silent_second(progress):
            why = self._refused()
        if why is None:
            return False
        self.summary = why.split(". ")[0].rstrip(".")
        self.down = (
            f"The gateway under test died during the load, at {progress.elapsed_s:,.1f} s of "
            f"{progress.duration_s:,.4g} s; the run was stopped. {why}"
        )
        return True

    def _refused(self) -> str | None:
        if self.address is None:
            return None
        host, port = self.address
        error = connect_error(host, port)
        if error is None:
            return None
        return (
            f"Nothing answers on {host}:{port} any more: a full second went without one "
            f"answer, and a new connection failed ({error})."
        )
