"""One `Run Load Profile` from plan to saved result: run, judge, save - in that order
(`perfgate.load.outcome`).

The saved file is the engine's result (``LoadResult.to_dict``, readable with
``LoadResult.from_dict``) plus three keys: ``verdict`` (thresholds, breaches,
early stop, breaking point, the refusal of its capacity figures), ``plan``
(the resolved profile and arguments) and ``json_path``. The result's fields
``breaking_point``, ``error_limit`` (`perfgate.load.errorlimit`, from the
thresholds) and ``json_path`` are set here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from perfgate.live.httpseries import http_live
from perfgate.live.settings import LiveSettings
from perfgate.load.errorlimit import error_limit
from perfgate.load.gate import BreakingPoint, LiveGate, Verdict, judge
from perfgate.load.http import LoadResult, run_load
from perfgate.load.http.capacity import run_refusal
from perfgate.load.http.console import progress_line, progress_printer
from perfgate.load.http.errors import NO_RESPONSE
from perfgate.load.http.plan import RunPlan
from perfgate.load.http.result import Progress
from perfgate.load.http.result_metrics import KNOWN_METRICS, LoadMetrics
from perfgate.load.outcome import Ending, Outcome, Watch, live_run, run_judged
from perfgate.load.outcome import read_saved as read_saved_as
from perfgate.load.stages import format_stages
from perfgate.load.targetwatch import TargetSigns, TargetWatch
from perfgate.load.thresholds import parse_thresholds

__all__ = ["Outcome", "execute", "make_gate", "plan_dict", "read_saved"]


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
    live: LiveSettings | None = None,
    gateway: Any = None,
    on_partial: Callable[[Outcome[LoadResult]], None] | None = None,
) -> Outcome[LoadResult]:
    """Run `plan`, judge it, save it; the engine's errors (ValueError, ConnectionError,
    WorkerError) and interruptions propagate, with every worker already reaped and an
    interrupted run's partial result saved and given to `on_partial` first. `live` sends
    its seconds to Prometheus and its live progress file (`perfgate.live`); `gateway` (else
    the one GatewayLibrary started on the URL's port) is watched for its death."""
    gate = make_gate(plan)
    open_model = plan.profile.model == "open"
    name = label or plan.profile.name
    unit = "connections" if open_model else "clients"
    printer = progress_printer(console, name, unit, open_model) if console is not None else None
    if console is not None and plan.profile.warmup_s > 0:
        console(f"[{name}] {plan.warmup_text()} of {plan.profile.duration_s:g} s in all")
    line = partial(progress_line, name, unit=unit, open_model=open_model)
    side = live_run(live, name, http_live(open_model), plan.thresholds, line, plan.config.cluster)
    target = TargetWatch(plan.config.url, gateway, HTTP_SIGNS)
    watcher = Watch(name, console, printer, gate, side, target)
    ending = Ending(
        partial(_judge, plan, gate=gate), HTTP_SIGNS, name, directory, {"plan": plan_dict(plan)}
    )
    ending.on_partial = on_partial
    run = partial(run_load, plan.config, on_worker_started=on_worker_started)
    return run_judged(run, watcher, ending, side)


def _silent_second(progress: Progress) -> bool:
    """Every request of the second failed (the target watch then tries a connection)."""
    return progress.row.requests > 0 and progress.row.errors >= progress.row.requests


def _answers(result: LoadResult) -> int:
    """Responses the run got, an unexpected status included (an answer all the same)."""
    unanswered = sum(result.errors_by_kind.get(kind, 0) for kind in NO_RESPONSE)
    return max(0, result.requests - unanswered)


HTTP_SIGNS: TargetSigns[Progress, LoadResult] = TargetSigns(_silent_second, _answers)


def _judge(plan: RunPlan, result: LoadResult, gate: LiveGate | None) -> Verdict:
    """The verdict of a run, its breaking point and error limit set on the result first."""
    if gate is not None and plan.stop_on_threshold:
        result.breaking_point = gate.breaking_point(result)
    result.error_limit = error_limit(plan.thresholds)
    return judge(
        plan.thresholds,
        LoadMetrics(result).metric,
        stop=gate.stop if gate is not None else None,
        breaking_point=result.breaking_point,
        warnings=result.health.warnings,
        refusal=run_refusal(result, plan.thresholds),
    )


def _from_saved(data: dict[str, Any]) -> LoadResult:
    result = LoadResult.from_dict(data)
    verdict = data.get("verdict") or {}
    point = verdict.get("breaking_point")
    result.breaking_point = BreakingPoint.from_dict(point) if point else None
    # A result saved before limits needed their unit may hold "p95 < 100" (then ms):
    # what was accepted when it ran is read back as it was meant.
    saved = parse_thresholds(verdict.get("thresholds") or [], KNOWN_METRICS, units_required=False)
    result.error_limit = error_limit(saved)
    return result


def read_saved(path: str | Path) -> LoadResult:
    """A result saved by `execute`, read back (breaking point and path included)."""
    return read_saved_as(path, "load result", _from_saved)
