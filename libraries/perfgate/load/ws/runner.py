"""One `Run WebSocket Load` from config to saved result: run, judge, save - in that order.

The result is saved as JSON before anything is asserted, so a failing test
keeps its data. The file is `WebSocketResult.to_dict()` (readable with
`WebSocketResult.from_dict`) plus `verdict` and `json_path`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfgate.artifacts.paths import artifact_path, write_json_atomic
from perfgate.load.gate import Verdict
from perfgate.load.thresholds import Threshold
from perfgate.load.ws.config import WsLoadConfig
from perfgate.load.ws.console import ProgressPrinter
from perfgate.load.ws.criteria import judge_result
from perfgate.load.ws.merge import WsProgress
from perfgate.load.ws.result import WebSocketResult
from perfgate.load.ws.run import run_websocket_load


@dataclass
class Outcome:
    result: WebSocketResult
    verdict: Verdict
    json_path: Path


def execute(
    config: WsLoadConfig,
    thresholds: Sequence[Threshold],
    *,
    gateway: Any = None,
    console: Callable[[str], None] | None = None,
    on_worker_started: Callable[[int], Any] | None = None,
    directory: str | Path | None = None,
) -> Outcome:
    """Run, judge, save; errors and interruptions propagate with every worker reaped."""
    label = config.name or config.mode
    printer = ProgressPrinter(console, label) if console is not None else None

    def on_progress(progress: WsProgress) -> None:
        if printer is not None:
            printer(progress)

    result = run_websocket_load(
        config, gateway=gateway, on_progress=on_progress, on_worker_started=on_worker_started
    )
    verdict = judge_result(result, thresholds)
    path = artifact_path("websocket", label, ".json", directory)
    result.json_path = str(path)
    data = result.to_dict()
    data["verdict"] = verdict.to_dict()
    write_json_atomic(path, data)
    return Outcome(result, verdict, path)


def read_saved(path: str | Path) -> WebSocketResult:
    """A result saved by `execute`, read back."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        result = WebSocketResult.from_dict(data)
    except OSError as exc:
        raise ValueError(
            f"cannot read a WebSocket result from {str(path)!r}: {exc.strerror}."
        ) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{str(path)!r} does not hold a saved WebSocket result ({exc}).") from None
    result.json_path = str(path)
    return result
