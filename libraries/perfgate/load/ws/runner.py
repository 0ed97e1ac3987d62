"""One `Run WebSocket Load` from config to saved result: run, judge, save - in that order
(`perfgate.load.outcome.Runner`).

The result is saved as JSON before anything is asserted, so a failing test
keeps its data. The file is `WebSocketResult.to_dict()` (readable with
`WebSocketResult.from_dict`, ``json_path`` included) plus ``verdict``.
"""

from __future__ import annotations

from pathlib import Path

from perfgate.live.eventseries import WEBSOCKET_LIVE
from perfgate.load.outcome import Outcome, Runner
from perfgate.load.outcome import read_saved as read_saved_as
from perfgate.load.ws.config import WsLoadConfig
from perfgate.load.ws.console import progress_printer
from perfgate.load.ws.criteria import judge_result
from perfgate.load.ws.result import WebSocketResult
from perfgate.load.ws.run import run_websocket_load

__all__ = ["WS_RUNNER", "Outcome", "execute", "read_saved"]


def _label(config: WsLoadConfig) -> str:
    return config.name or config.mode


WS_RUNNER = Runner(run_websocket_load, progress_printer, judge_result, _label, WEBSOCKET_LIVE)
execute = WS_RUNNER.execute


def read_saved(path: str | Path) -> WebSocketResult:
    """A result saved by `execute`, read back."""
    return read_saved_as(path, "WebSocket result", WebSocketResult.from_dict)
