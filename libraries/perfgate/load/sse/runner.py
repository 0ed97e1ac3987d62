"""One `Run Event Stream Load` from config to saved result: run, judge, save - in that
order (`perfgate.load.outcome`). The file is `SseResult.to_dict()` plus ``verdict``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from perfgate.load.gate import judge
from perfgate.load.outcome import Outcome, save
from perfgate.load.outcome import read_saved as read_saved_as
from perfgate.load.sse.config import SseLoadConfig
from perfgate.load.sse.console import progress_printer
from perfgate.load.sse.result import SseResult
from perfgate.load.sse.run import run_event_stream_load
from perfgate.load.thresholds import Threshold

__all__ = ["Outcome", "execute", "read_saved"]


def execute(
    config: SseLoadConfig,
    thresholds: Sequence[Threshold],
    *,
    gateway: Any = None,
    console: Callable[[str], None] | None = None,
    on_worker_started: Callable[[int], Any] | None = None,
    directory: str | Path | None = None,
) -> Outcome[SseResult]:
    """Run, judge, save; errors and interruptions propagate with every worker reaped.
    `gateway` (a Gateway, PID or metrics URL) has its memory sampled during the run."""
    label = config.name or "sse"
    printer = progress_printer(console, label) if console is not None else None
    result = run_event_stream_load(
        config, gateway=gateway, on_progress=printer, on_worker_started=on_worker_started
    )
    verdict = judge(thresholds, result.metric, warnings=result.warnings)
    return save(result, verdict, label, directory)


def read_saved(path: str | Path) -> SseResult:
    """A result saved by `execute`, read back."""
    return read_saved_as(path, "SSE result", SseResult.from_dict)
