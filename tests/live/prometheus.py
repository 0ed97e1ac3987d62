"""A real Prometheus for the tests: Debian's `prometheus` on a free 127.0.0.1 port, with
the remote-write receiver on, storage in a temporary directory, stopped (its whole
process group) at the end. No mock stands in for it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

BINARY = shutil.which("prometheus") or "/usr/bin/prometheus"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Prometheus:
    url: str  # http://127.0.0.1:PORT
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def write_url(self) -> str:
        return f"{self.url}/api/v1/write"

    def query(self, expr: str, at: float | None = None) -> list[dict[str, Any]]:
        """An instant query's result vector (at `at`, epoch seconds; now by default)."""
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        reply = requests.get(f"{self.url}/api/v1/query", params=params, timeout=10).json()
        assert reply["status"] == "success", reply
        return list(reply["data"]["result"])

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[dict[str, Any]]:
        params = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
        reply = requests.get(f"{self.url}/api/v1/query_range", params=params, timeout=10).json()
        assert reply["status"] == "success", reply
        return list(reply["data"]["result"])

    def value(self, expr: str, at: float | None = None) -> float:
        """The one value of an instant query (an error when there is not exactly one)."""
        result = self.query(expr, at)
        assert len(result) == 1, (expr, result)
        return float(result[0]["value"][1])


def _ready(url: str, process: subprocess.Popen[bytes], log: Path, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prometheus exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"{url}/-/ready", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"prometheus was not ready within {within_s:g} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """TERM to its group, then KILL; it is gone when this returns."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


@contextmanager
def running(directory: Path) -> Iterator[Prometheus]:
    """Prometheus on a free port with storage under `directory`, stopped at the end."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1m\n")  # scrapes nothing: remote write only
    log = directory / "prometheus.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [BINARY, f"--config.file={config}", f"--storage.tsdb.path={directory / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--web.enable-remote-write-receiver",
             "--storage.tsdb.retention.time=1d", "--log.level=warn"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        _ready(url, process, log, 30.0)
        yield Prometheus(url, process, log)
    finally:
        stop(process)
