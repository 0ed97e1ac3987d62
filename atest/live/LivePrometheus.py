"""A real Prometheus for the live-metrics acceptance tests: Debian's `prometheus` started
by the suite's setup on a free 127.0.0.1 port with the remote-write receiver on and its
storage under the output directory, stopped (its whole process group) by the teardown;
queries go through its HTTP API. The process handling is tests/live/prometheus.py's."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from robot.api import logger

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "live"))
from prometheus import Prometheus, running


class LivePrometheus:
    """`Start Prometheus`, `Prometheus Value`, `Prometheus Query`, `Stop Prometheus`."""

    ROBOT_LIBRARY_SCOPE = "SUITE"

    def __init__(self) -> None:
        self._context: AbstractContextManager[Prometheus] | None = None
        self._prometheus: Prometheus | None = None

    def start_prometheus(self, directory: str) -> str:
        """Starts Prometheus with its storage under ``directory``; returns its base URL."""
        self._context = running(Path(directory))
        self._prometheus = self._context.__enter__()
        logger.info(f"Prometheus {self._prometheus.url} (PID {self._prometheus.process.pid}).")
        return self._prometheus.url

    def stop_prometheus(self) -> None:
        """Stops the Prometheus `Start Prometheus` started; nothing when none runs."""
        context, self._context, self._prometheus = self._context, None, None
        if context is not None:
            context.__exit__(None, None, None)

    def prometheus_value(self, expr: str) -> float:
        """The one value of the instant query ``expr`` (fails unless there is exactly one)."""
        value = self._running().value(expr)
        logger.info(f"{expr} = {value:g}")
        return value

    def prometheus_query(self, expr: str) -> list[dict[str, Any]]:
        """The instant query's result vector: each item's ``metric`` (labels) and ``value``."""
        return self._running().query(expr)

    def _running(self) -> Prometheus:
        if self._prometheus is None:
            raise RuntimeError("No Prometheus is running; call Start Prometheus first.")
        return self._prometheus
