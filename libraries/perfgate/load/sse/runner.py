"""One `Run Event Stream Load` from config to saved result: run, judge, save - in that
order (`perfgate.load.outcome.Runner`). The file is `SseResult.to_dict()` plus ``verdict``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from perfgate.live.eventseries import SSE_LIVE
from perfgate.load.gate import Verdict, judge
from perfgate.load.outcome import Outcome, Runner
from perfgate.load.outcome import read_saved as read_saved_as
from perfgate.load.sse.config import SseLoadConfig
from perfgate.load.sse.console import progress_printer
from perfgate.load.sse.result import SseResult
from perfgate.load.sse.run import run_event_stream_load
from perfgate.load.thresholds import Threshold

__all__ = ["SSE_RUNNER", "Outcome", "execute", "read_saved"]


def _judge(result: SseResult, thresholds: Sequence[Threshold]) -> Verdict:
    return judge(thresholds, result.metric, warnings=result.warnings)


def _label(config: SseLoadConfig) -> str:
    return config.name or "sse"


SSE_RUNNER = Runner(run_event_stream_load, progress_printer, _judge, _label, SSE_LIVE)
execute = SSE_RUNNER.execute


def read_saved(path: str | Path) -> SseResult:
    """A result saved by `execute`, read back."""
    return read_saved_as(path, "SSE result", SseResult.from_dict)
