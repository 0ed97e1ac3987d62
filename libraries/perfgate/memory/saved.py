"""A memory result read back from the JSON file it was saved as, and judged again."""

from __future__ import annotations

import math
from dataclasses import fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from perfgate.artifacts.paths import read_json_artifact
from perfgate.memory.display import BYTES_PER_MB
from perfgate.memory.leak import LeakAnalysis
from perfgate.memory.mapping import MappingGrowth
from perfgate.memory.report import write_json
from perfgate.memory.result import MemoryResult
from perfgate.memory.sample import MemorySample

# Rebuilt from other parts of the file, not copied field by field.
_REBUILT = ("leak", "points", "mapping_growth", "json_path")


def read_saved(path: str | Path) -> MemoryResult:
    """The result saved at `path` by `Stop Memory Monitor` or `Monitor Memory`.

    ValueError in one sentence when the file cannot be read or holds no
    memory result.
    """
    return read_json_artifact(
        path, "memory result", lambda data: result_from_dict(data, json_path=str(path))
    )


def rejudge(memory: MemoryResult, **changes: Any) -> MemoryResult:
    """`memory` judged again with `changes` to its criteria (`LeakCriteria` fields).

    The JSON file it was saved as, if any, is rewritten to match, so the file
    on record always holds the last verdict given.
    """
    judged = memory.with_criteria(replace(memory.criteria, **changes))
    if judged.json_path:
        write_json(judged, judged.json_path)
    return judged


def result_from_dict(data: Any, json_path: str | None = None) -> MemoryResult:
    """Rebuild a result from `MemoryResult.to_dict()` output.

    The points come back from the saved series at its precision (1 KB); their
    open files and threads were not saved, the run's maxima were.
    """
    if not isinstance(data, dict) or data.get("kind") != "memory":
        raise ValueError("expected an object with kind 'memory'")
    values: dict[str, Any] = {}
    for f in fields(MemoryResult):
        if f.name in _REBUILT or f.name not in data:
            continue
        value = data[f.name]
        # NaN was written as null; fields that may be None stay None.
        values[f.name] = math.nan if value is None and f.type == "float" else value
    return MemoryResult(
        **values,
        leak=LeakAnalysis.from_dict(data["leak"]),
        points=_points(data),
        mapping_growth=[
            MappingGrowth(g["name"], int(g["before"]), int(g["after"]))
            for g in data.get("mapping_growth", [])
        ],
        json_path=json_path,
    )


def _points(data: dict[str, Any]) -> tuple[MemorySample, ...]:
    series = data["series"]
    started = datetime.fromisoformat(data["started_at"]).timestamp()
    stride = int(data.get("stride", 1))
    points = []
    for t_s, rss_mb, high_mb, uss_mb in zip(
        series["t_s"], series["rss_mb"], series["rss_high_mb"], series["uss_mb"], strict=True
    ):
        points.append(
            MemorySample(
                mono_ns=round(t_s * 1e9),
                wall=started + t_s,
                rss=round(rss_mb * BYTES_PER_MB),
                rss_high=round(high_mb * BYTES_PER_MB),
                uss=None if uss_mb is None else round(uss_mb * BYTES_PER_MB),
                count=stride,
            )
        )
    return tuple(points)
