"""Keyword arguments -> a checked `RunPlan`: every input mistake is one `ValueError` here,
before a single worker starts.

Order of overrides (see `perfgate.load.profiles.resolve`): ``stages`` replace the
profile's stages, ``duration`` stretches them, ``clients``/``rate`` rescale
the peak, ``warmup`` replaces the warm-up, and last ``time_scale`` multiplies
every duration (warm-up included). Without ``time_scale`` the Robot variable
``${PERF_TIME_SCALE}`` applies, then the environment variable of that name,
else 1. The request timeout is not a duration of the run and is not scaled.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from perfgate.load.arguments import given, parse_headers, parse_time_scale, time_scale_setting
from perfgate.load.cluster import shared
from perfgate.load.files import did_you_mean, locate, searched
from perfgate.load.gate import live_thresholds
from perfgate.load.http.config import LoadConfig, validate
from perfgate.load.http.result_metrics import KNOWN_METRICS
from perfgate.load.http.scenario import load_scenario
from perfgate.load.profiles import Profile, get_profile, resolve
from perfgate.load.thresholds import Threshold, parse_thresholds
from perfgate.measure.units import format_number, parse_duration, parse_rate

DurationLike = str | float | int | timedelta
DEFAULT_NAME = "default"  # the single request's name in per-name statistics


@dataclass(frozen=True)
class RunPlan:
    """Everything one `Run Load Profile` call will do, resolved and checked."""

    profile: Profile  # with every override and the time scale applied
    config: LoadConfig
    thresholds: tuple[Threshold, ...]
    abort_on_fail: bool
    time_scale: float
    request_names: tuple[str, ...]
    # The named profile's own warm-up, and what changed it into the one in
    # `profile` (duration=, the time scale); None when warmup= was given.
    profile_warmup_s: float | None = None
    warmup_changed_by: tuple[str, ...] = ()

    @property
    def stop_on_threshold(self) -> bool:
        return self.profile.stop_on_threshold

    def warmup_text(self) -> str:
        """``warm-up 1.25 s (the profile's 5 s, shortened by duration=)``: the one used, and why."""
        used = self.profile.warmup_s
        shown = f"warm-up {format_number(used)} s"
        if self.profile_warmup_s is None:
            return f"{shown} (warmup=)"
        if math.isclose(used, self.profile_warmup_s) or not self.warmup_changed_by:
            return shown
        way = "shortened" if used < self.profile_warmup_s else "stretched"
        by = " and ".join(self.warmup_changed_by)
        return f"{shown} (the profile's {format_number(self.profile_warmup_s)} s, {way} by {by})"


def parse_clients(value: int | float | str | None) -> float | None:
    if not given(value):
        return None
    try:
        clients = float(str(value).strip())
    except ValueError:
        clients = math.nan
    if isinstance(value, bool) or not (
        math.isfinite(clients) and clients >= 1 and clients.is_integer()
    ):
        raise ValueError(f"clients must be a whole number of at least 1, not {value!r}.")
    return clients


def encode_body(body: Any, headers: dict[str, str]) -> str | None:
    """A string body as is; a mapping or list as JSON (with a JSON Content-Type if none)."""
    if not given(body):
        return None
    if isinstance(body, (Mapping, list, tuple)):
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        return json.dumps(body, separators=(",", ":"))
    if isinstance(body, bytes):
        return body.decode("utf-8")
    return str(body)


def find_file(name: str | Path, search_dirs: Sequence[Path], what: str, folder: str) -> Path:
    """`name` as given, or relative to each search directory or its `folder`/ subfolder."""
    path = locate(name, search_dirs, folder)
    if path is None:
        hint = did_you_mean(name, search_dirs, folder)
        raise ValueError(
            f"{what} file {str(name)!r}{hint} not found; searched "
            f"{searched(name, search_dirs, folder)}."
        )
    return path


def _duration(value: DurationLike | None, what: str) -> float | None:
    if not given(value):
        return None
    try:
        return parse_duration(value)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(
            f"{what} must be a duration such as '30 s' or '2 min', not {value!r}."
        ) from None


def _warmup_changed_by(duration: DurationLike | None, scale: float) -> tuple[str, ...]:
    """What changed the profile's warm-up into the one used, for `RunPlan.warmup_text`."""
    return (("duration=",) if given(duration) else ()) + (
        (f"time scale {format_number(scale)}",) if scale != 1 else ()
    )


def _profile(name: str, search_dirs: Sequence[Path]) -> Profile:
    if not given(name):
        raise ValueError(
            "no load profile given; name a built-in one (e.g. smoke, load, stress) or a "
            "profile file, or give stages=..."
        )
    return get_profile(str(name), search_dirs)


def _timeout(value: DurationLike | None) -> float:
    timeout_s = _duration(value, "timeout")
    if timeout_s is not None and timeout_s <= 0:
        raise ValueError(f"timeout must be longer than 0 s, not {value!r}.")
    return timeout_s if timeout_s is not None else 10.0


def _workers(value: int | str | None) -> int | None:
    if not given(value):
        return None
    try:
        count = int(str(value).strip())
    except ValueError:
        count = 0
    if isinstance(value, bool) or count < 1:
        raise ValueError(f"workers must be a whole number of at least 1, not {value!r}.")
    return count


def _request(
    scenario: str | Path | None,
    method: str,
    headers: Mapping[str, Any] | str | Sequence[str] | None,
    body: Any,
    search_dirs: Sequence[Path],
) -> dict[str, Any]:
    """The `LoadConfig` fields of what is sent: one request, or a scenario file's."""
    header_map = parse_headers(headers)
    body_text = encode_body(body, header_map)
    scenario_path = (
        find_file(scenario, search_dirs, "scenario", "scenarios")  # type: ignore[arg-type]
        if given(scenario)
        else None
    )
    if scenario_path is not None and (given(body) or header_map or method.upper() != "GET"):
        raise ValueError(
            "method, headers and body describe the single request; with scenario=... each "
            "request of the scenario file sets its own."
        )
    return {
        "scenario": load_scenario(scenario_path) if scenario_path is not None else None,
        "method": str(method).strip() or "GET",
        "headers": header_map,
        "body": body_text,
    }


def plan_run(
    profile: str,
    url: str,
    *,
    clients: int | float | str | None = None,
    rate: float | str | None = None,
    duration: DurationLike | None = None,
    stages: str | Sequence[str] | None = None,
    warmup: DurationLike | None = None,
    time_scale: float | str | None = None,
    thresholds: str | Sequence[str] | None = None,
    abort_on_fail: bool = False,
    scenario: str | Path | None = None,
    method: str = "GET",
    headers: Mapping[str, Any] | str | Sequence[str] | None = None,
    body: Any = None,
    workers: int | str | None = None,
    timeout: DurationLike | None = None,
    verify_tls: bool = True,
    search_dirs: Sequence[Path] = (),
    cluster: str | None = None,
) -> RunPlan:
    """Resolve and check everything; ValueError (one sentence) on the first mistake.
    `cluster`: a Dask cluster, else the run-wide one (`perfgate.load.cluster.shared`)."""
    base = _profile(profile, search_dirs)
    scale = parse_time_scale(time_scale, time_scale_setting())
    resolved = resolve(
        base,
        clients=parse_clients(clients),
        rate=parse_rate(rate) if given(rate) else None,  # type: ignore[arg-type]
        duration_s=_duration(duration, "duration"),
        stages=stages if given(stages) else None,  # type: ignore[arg-type]
        warmup_s=_duration(warmup, "warmup"),
        time_scale=scale,
    )
    config = LoadConfig(
        url=str(url).strip() if isinstance(url, str) else url,
        stages=list(resolved.stages),
        model=resolved.model,
        **_request(scenario, method, headers, body, search_dirs),
        name=DEFAULT_NAME,
        warmup_s=resolved.warmup_s,
        timeout_s=_timeout(timeout),  # checked before workers=, as it always was
        workers=_workers(workers),
        verify_tls=bool(verify_tls),
        profile=resolved.name,
        cluster=shared.resolve(cluster),
    )
    names = tuple(spec.name for spec in validate(config))
    checks = _thresholds(thresholds, names)
    plan = RunPlan(resolved, config, checks, bool(abort_on_fail), scale, names,
                   profile_warmup_s=None if given(warmup) else base.warmup_s,
                   warmup_changed_by=_warmup_changed_by(duration, scale))  # fmt: skip
    _check_live(plan)
    return plan


def _thresholds(spec: str | Sequence[str] | None, names: Sequence[str]) -> tuple[Threshold, ...]:
    """The parsed thresholds; one for a request name the run does not have is a mistake."""
    checks = tuple(parse_thresholds(spec if given(spec) else None, KNOWN_METRICS))
    for check in checks:
        if check.scope is not None and check.scope not in names:
            raise ValueError(
                f"threshold {check.text!r} is for a request named {check.scope!r}, but this run's "
                f"requests are named {', '.join(names)}."
            )
    return checks


def _check_live(plan: RunPlan) -> None:
    """A gate that must act during the run needs a threshold it can judge then."""
    if not (plan.abort_on_fail or plan.stop_on_threshold):
        return
    what = (
        f"profile {plan.profile.name!r} stops when a threshold breaks"
        if plan.stop_on_threshold
        else "abort_on_fail=True stops the run when a threshold is lost"
    )
    if not plan.thresholds:
        raise ValueError(f"{what}, but no thresholds were given; add e.g. thresholds=p95 < 200 ms.")
    if not live_thresholds(plan.thresholds):
        raise ValueError(
            f"{what}, but none of the thresholds can be judged while it runs; add an overall "
            f"latency or error threshold such as 'p95 < 200 ms' or 'error_rate < 1%' "
            f"(per-name and rps thresholds are judged at the end only)."
        )
