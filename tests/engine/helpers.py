from __future__ import annotations

from typing import Any

from perfgate.load.http import LoadConfig, LoadResult, run_load
from perfgate.load.stages import Stage


def steady(target: float, seconds: float) -> list[Stage]:
    return [Stage(0, target), Stage(seconds, target)]


def run(url: str, target: float = 2, seconds: float = 1.0, **kw: Any) -> LoadResult:
    kw.setdefault("workers", 1)
    kw.setdefault("stages", steady(target, seconds))
    on_progress = kw.pop("on_progress", None)
    on_worker_started = kw.pop("on_worker_started", None)
    return run_load(
        LoadConfig(url=url, **kw), on_progress=on_progress, on_worker_started=on_worker_started
    )
