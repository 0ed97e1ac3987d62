"""Helper keywords for the BaselineLibrary acceptance tests: synthetic results and file surgery."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from robot.api.deco import keyword, library

INNER_SUITE = """\
*** Settings ***
Library    BaselineLibrary
Library    BaselineHelpers.py

*** Test Cases ***
Slower Result Becomes The Baseline
    ${slow}=    Synthetic Load Result    p95=90
    ${outcome}=    Compare To Baseline    ${slow}    update-flow    environment=atest
    Should Be Equal    ${outcome}[action]    updated
"""


@library(scope="GLOBAL")
class BaselineHelpers:
    def __init__(self) -> None:
        self._rng = random.Random(20240611)

    @keyword
    def synthetic_load_result(
        self, p95: float = 40.0, rps: float = 1000.0, error_rate: float = 0.0, noise: float = 0.0
    ) -> dict[str, Any]:
        """A load result dict; ``noise`` is the relative spread of each value (0.02 = 2 %)."""
        wobble = self._wobble(noise)
        return {
            "kind": "load",
            "p50": p95 / 4 * wobble(),
            "p75": p95 / 2 * wobble(),
            "p90": p95 * 0.9 * wobble(),
            "p95": p95 * wobble(),
            "p99": p95 * 1.5 * wobble(),
            "p99_9": p95 * 2 * wobble(),
            "mean": p95 / 3 * wobble(),
            "max": p95 * 3 * wobble(),
            "rps": rps * wobble(),
            "error_rate": error_rate,
            "requests": 10000,
        }

    @keyword
    def synthetic_websocket_result(self, event_p95: float = 12.0) -> dict[str, Any]:
        return {
            "kind": "websocket",
            "connect_p95": 8.0,
            "connect_p99": 11.0,
            "event_latency_p50": event_p95 / 3,
            "event_latency_p95": event_p95,
            "event_latency_p99": event_p95 * 1.4,
            "event_latency_max": event_p95 * 3,
            "event_loss_rate": 0.0,
            "connection_success_rate": 1.0,
            "disconnections": 0,
        }

    @keyword
    def synthetic_memory_result(self, leak_mb_per_hour: float = 0.0) -> dict[str, Any]:
        return {
            "kind": "memory",
            "leak_rate_mb_per_hour": leak_mb_per_hour,
            "growth_mb": leak_mb_per_hour / 2,
            "peak_mb": 120.0 + leak_mb_per_hour / 2,
        }

    @keyword
    def pretend_baseline_comes_from_another_machine(self, path: str) -> None:
        """Rewrites the stored fingerprint as if the baseline was recorded on a 64-core host."""
        file = Path(path)
        data = json.loads(file.read_text(encoding="utf-8"))
        data["fingerprint"]["cores"] = 64
        data["fingerprint"]["cpu_model"] = "Some Other CPU"
        file.write_text(json.dumps(data, sort_keys=True, indent=2) + "\n", encoding="utf-8")

    @keyword
    def history_events(self, path: str, baseline: str) -> list[str]:
        """The ``event`` of every history line for ``baseline``, oldest first."""
        events = []
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry["baseline"] == baseline:
                events.append(entry["event"])
        return events

    @keyword
    def run_inner_update_suite(self, output_dir: str, baselines_dir: str, history: str) -> str:
        """Runs a small suite with ``--variable PERFGATE_UPDATE_BASELINES:True``; returns its log."""
        directory = Path(output_dir) / "inner"
        directory.mkdir(parents=True, exist_ok=True)
        suite = directory / "update_flow.robot"
        suite.write_text(INNER_SUITE, encoding="utf-8")
        command = [
            sys.executable, "-m", "robot", "--outputdir", str(directory),
            "--pythonpath", str(Path(__file__).parent),
            "--variable", "PERFGATE_UPDATE_BASELINES:True",
            "--variable", "PERFGATE_UPDATE_REASON:accepted slower TLS handshake",
            "--variable", f"PERFGATE_BASELINES_DIR:{baselines_dir}",
            "--variable", f"PERFGATE_HISTORY_FILE:{history}",
            "--console", "quiet", str(suite),
        ]  # fmt: skip
        completed = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if completed.returncode != 0:
            raise AssertionError(
                f"Inner suite failed (rc {completed.returncode}): {completed.stdout[-1500:]}"
                f"{completed.stderr[-1500:]}"
            )
        return str(directory / "log.html")

    def _wobble(self, noise: float) -> Any:
        return lambda: 1.0 + self._rng.uniform(-noise, noise) if noise else 1.0
