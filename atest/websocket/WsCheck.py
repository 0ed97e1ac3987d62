"""Helpers for the WebSocket acceptance tests: gateway counts, saved results, load workers.

WebSocket load workers are `python -m perfgate.load.ws.worker` processes. Inner
robot runs put PERFGATE_ATEST_MARKER=<marker> in their environment and the
workers inherit it, so the workers of one inner run are those with its marker.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.libraries.BuiltIn import BuiltIn

from perfgate.gateway.ports import free_port  # noqa: F401 - a keyword of this library
from perfgate.load.ws.result import WebSocketResult
from perfgate.load.ws.runner import read_saved

MARKER = "PERFGATE_ATEST_MARKER"
WORKER_MODULE = "perfgate.load.ws.worker"


def gateway_stats(gateway: Any) -> dict[str, Any]:
    """The reference gateway's ``/admin/stats`` (it must run with ``--admin``)."""
    with urllib.request.urlopen(f"{gateway.url}/admin/stats", timeout=5) as answer:
        stats: dict[str, Any] = json.loads(answer.read())
    return stats


def channel_stats(gateway: Any, channel: str) -> dict[str, int]:
    """One channel's counts: published, subscribers, enqueued, dropped, overflowed."""
    counts: dict[str, int] = gateway_stats(gateway)["channels"][channel]
    logger.info(f"Channel {channel}: {counts}")
    return counts


def send_signal_once_clients_connect(
    gateway: Any,
    websockets: int,
    signal_name: str,
    after: timedelta = timedelta(seconds=0.5),
    timeout: timedelta = timedelta(seconds=60),
) -> None:
    """In the background: once the gateway (run with ``--admin``) holds ``websockets``
    WebSockets, waits ``after`` and sends it ``signal_name``; returns at once."""
    number = getattr(signal, signal_name)
    deadline = time.monotonic() + timeout.total_seconds()

    def watch() -> None:
        while time.monotonic() < deadline:
            try:
                if gateway_stats(gateway)["websockets"] >= int(websockets):
                    time.sleep(after.total_seconds())
                    break
            except OSError:
                pass  # not up yet, or already gone
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(gateway.pid), number)

    threading.Thread(target=watch, daemon=True).start()


def _saved() -> list[Path]:
    folder = Path(BuiltIn().get_variable_value("${OUTPUT DIR}")) / "perfgate"
    return sorted(folder.glob("websocket-*.json"), key=lambda p: p.stat().st_mtime_ns)


def count_saved_websocket_results() -> int:
    """How many WebSocket results this run saved so far."""
    return len(_saved())


def newest_websocket_result() -> WebSocketResult:
    """The WebSocket result saved last, read back from its JSON file."""
    files = _saved()
    if not files:
        raise AssertionError("No WebSocket result was saved under ${OUTPUT DIR}/perfgate.")
    logger.info(f"Reading {files[-1]}")
    return read_saved(files[-1])
