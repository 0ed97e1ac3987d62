"""One `Run WebSocket Load` from config to saved result: run, judge, save - in that order
(`perfgate.load.outcome`).

The result is saved as JSON before anything is asserted, so a failing test
keeps its data. The file is `WebSocketResult.to_dict()` (readable with
`WebSocketResult.from_dict`, ``json_path`` included) plus ``verdict``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from perfgate.load.outcome import Outcome, save
from perfgate.load.outcome import read_saved as read_saved_as
from perfgate.load.thresholds import Threshold
from perfgate.load.ws.config import WsLoadConfig
from perfgate.load.ws.console import progress_printer
from perfgate.load.ws.criteria import judge_result
from perfgate.load.ws.merge import WsProgress
from perfgate.load.ws.result import WebSocketResult
from perfgate.load.ws.run import run_websocket_load

__all__ = ["Outcome", "execute", "read_saved"]


def execute(
    config: WsLoadConfig,
    thresholds: Sequence[Threshold],
    *,
    gateway: Any = None,
    console: Callable[[str], None] | None = None,
    on_worker_started: Callable[[int], Any] | None = None,
    directory: str | Path | None = None,
) -> Outcome[WebSocketResult]:
    """Run, judge, save; errors and interruptions propagate with every worker reaped."""
    label = config.name or config.mode
    printer = progress_printer(console, label) if console is not None else None

    def on_progress(progress: WsProgress) -> None:
        if printer is not None:
            printer(progress)

    result = run_websocket_load(
        config, gateway=gateway, on_progress=on_progress, on_worker_started=on_worker_started
    )
    return save(result, judge_result(result, thresholds), label, directory)


def read_saved(path: str | Path) -> WebSocketResult:
    """A result saved by `execute`, read back."""
    return read_saved_as(path, "WebSocket result", WebSocketResult.from_dict)
