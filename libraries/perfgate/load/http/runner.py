"""One `Run Load Profile` from plan to saved result: run, judge, save - in that order.

The result is saved as JSON before the keyword layer asserts anything, so a
failing test keeps its data. The saved file is the engine's result
(``LoadResult.to_dict``, readable with ``LoadResult.from_dict``) plus two
keys of this layer: ``verdict`` (thresholds, breaches, early stop, breaking
point, the refusal of its capacity figures) and ``plan`` (the resolved
profile and arguments). The result gets three attributes: ``breaking_point``,
``error_limit`` (`perfgate.load.errorlimit`, from the thresholds) and ``json_path``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfgate.artifacts.paths import artifact_path, write_json_atomic
from perfgate.load.errorlimit import error_limit
from perfgate.load.gate import BreakingPoint, LiveGate, Verdict, judge
from perfgate.load.http import LoadResult, Progress, run_load
from perfgate.load.http.capacity import run_refusal
from perfgate.load.http.console import ProgressPrinter
from perfgate.load.http.plan import RunPlan
from perfgate.load.http.result_metrics import KNOWN_METRICS, LoadMetrics
from perfgate.load.stages import format_stages
from perfgate.load.thresholds import parse_thresholds


@dataclass
class Outcome:
    result: LoadResult
    verdict: Verdict
    json_path: Path


def plan_dict(plan: RunPlan) -> dict[str, Any]:
    profile = plan.profile
    return {
        "profile": profile.name,
        "model": profile.model,
        "stages": format_stages(profile.stages),
        "warmup_s": profile.warmup_s,
        "duration_s": profile.duration_s,
        "time_scale": plan.time_scale,
        "thresholds": [t.text for t in plan.thresholds],
        "abort_on_fail": plan.abort_on_fail,
        "stop_on_threshold": plan.stop_on_threshold,
        "requests": list(plan.request_names),
        "method": plan.config.method,
        "timeout_s": plan.config.timeout_s,
        "workers": plan.config.workers,
    }


def make_gate(plan: RunPlan) -> LiveGate | None:
    if not (plan.abort_on_fail or plan.stop_on_threshold):
        return None
    return LiveGate(
        plan.thresholds,
        per_second=plan.stop_on_threshold,
        open_model=plan.profile.model == "open",
        stages=plan.profile.stages,
    )


def execute(
    plan: RunPlan,
    *,
    console: Callable[[str], None] | None = None,
    on_worker_started: Callable[[int], Any] | None = None,
    label: str = "",
    directory: str | Path | None = None,
) -> Outcome:
    """Run `plan`, judge it, save it; the engine's errors (ValueError, ConnectionError,
    WorkerError) and interruptions propagate, with every worker already reaped."""
    gate = make_gate(plan)
    open_model = plan.profile.model == "open"
    name = label or plan.profile.name
    printer = (
        ProgressPrinter(console, name, "connections" if open_model else "clients", open_model)
        if console is not None
        else None
    )

    if console is not None and plan.profile.warmup_s > 0:
        console(f"[{name}] {plan.warmup_text()} of {plan.profile.duration_s:g} s in all")

    def on_progress(progress: Progress) -> str | None:
        if printer is not None:
            printer(progress)
        if gate is not None and gate.check(progress):
            if console is not None and gate.stop is not None:
                console(f"[{name}] stopping: {gate.stop.describe()}")
            return "stop"
        return None

    result = run_load(plan.config, on_progress=on_progress, on_worker_started=on_worker_started)
    point = gate.breaking_point(result) if gate is not None and plan.stop_on_threshold else None
    # The engine's LoadResult has no field for these; as attributes they are
    # reachable from Robot (${result.breaking_point.target}, ${result.json_path}).
    setattr(result, "breaking_point", point)  # noqa: B010
    setattr(result, "error_limit", error_limit(plan.thresholds))  # noqa: B010
    verdict = judge(
        plan.thresholds,
        LoadMetrics(result).metric,
        stop=gate.stop if gate is not None else None,
        breaking_point=point,
        warnings=result.health.warnings,
        refusal=run_refusal(result, plan.thresholds),
    )
    data = result.to_dict()
    data["verdict"] = verdict.to_dict()
    data["plan"] = plan_dict(plan)
    path = artifact_path("load", name, ".json", directory)
    data["json_path"] = str(path)
    write_json_atomic(path, data)
    setattr(result, "json_path", str(path))  # noqa: B010
    return Outcome(result, verdict, path)


def read_saved(path: str | Path) -> LoadResult:
    """A result saved by `execute`, read back (breaking point and path included)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        result = LoadResult.from_dict(data)
        verdict = data.get("verdict") or {}
        point = verdict.get("breaking_point")
        breaking_point = BreakingPoint.from_dict(point) if point else None
        limit = error_limit(parse_thresholds(verdict.get("thresholds") or [], KNOWN_METRICS))
    except OSError as exc:
        raise ValueError(f"cannot read a load result from {str(path)!r}: {exc.strerror}.") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{str(path)!r} does not hold a saved load result ({exc}).") from None
    setattr(result, "breaking_point", breaking_point)  # noqa: B010
    setattr(result, "error_limit", limit)  # noqa: B010
    setattr(result, "json_path", str(path))  # noqa: B010
    return result
