"""What to run: `LoadConfig`, checked up front so a mistake is one sentence."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from perfgate.load.coordinator import default_workers
from perfgate.load.http.checks import parse_expectations
from perfgate.load.http.scenario import RequestSpec, Scenario, load_scenario
from perfgate.load.stages import Stage, total_duration
from perfgate.load.target import parse_target

MODELS = ("closed", "open")
DEFAULT_OPEN_CONNECTIONS = 512


@dataclass
class LoadConfig:
    """One load run. `url` is the target, or the base URL of a scenario's paths.

    Closed model: stage targets are clients (virtual users).
    Open model: stage targets are arrival rates in requests per second.
    """

    url: str
    stages: Sequence[Stage]
    model: str = "closed"
    scenario: str | Path | Scenario | None = None  # file path or a loaded Scenario
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None
    expect_status: object = None  # e.g. "200,201" or [200, "2xx"]; default 200-399
    expect_json: Sequence[str] = ()  # e.g. ["$.id exists", 'status == "ok"']
    name: str = "default"  # request name in per-name stats when no scenario is given
    warmup_s: float = 0.0  # the first part of the stages; excluded from statistics
    workers: int | None = None  # default: one per usable core
    timeout_s: float = 10.0
    think_time_s: float = 0.0  # closed model: pause between a response and the next request
    max_connections: int | None = None  # open model: pool cap over all workers
    max_lag_s: float = 1.0  # open model: a request not sent this late is counted missed
    verify_tls: bool = True
    profile: str = ""  # profile name, carried into the result
    seed: int | None = None  # fixes the request mix and placeholders' random choices
    # A Dask cluster to run the workers on ("local" or a scheduler address), None: this
    # machine's worker processes (perfgate.load.cluster.shared).
    cluster: str | None = None

    @property
    def duration_s(self) -> float:
        return total_duration(self.stages)


def validate(cfg: LoadConfig) -> tuple[RequestSpec, ...]:
    """Check `cfg` and return the request specs to run; ValueError on any mistake."""
    parse_target(cfg.url)
    if cfg.model not in MODELS:
        raise ValueError(f"unknown load model {cfg.model!r}: use 'closed' or 'open'.")
    if not cfg.stages:
        raise ValueError("no stages given: give at least one, e.g. '10s:20'.")
    duration = cfg.duration_s
    if duration <= 0:
        raise ValueError("the stages last 0 seconds: give a stage with a duration, e.g. '10s:20'.")
    if max(s.target for s in cfg.stages) <= 0:
        raise ValueError("every stage target is 0: give a stage with a target above 0.")
    _positive("timeout_s", cfg.timeout_s)
    _positive("max_lag_s", cfg.max_lag_s)
    _non_negative("think_time_s", cfg.think_time_s)
    _non_negative("warmup_s", cfg.warmup_s)
    if cfg.warmup_s >= duration:
        raise ValueError(
            f"warm-up ({cfg.warmup_s:g} s) leaves nothing of the {duration:g} s run to "
            "measure: shorten it or lengthen the stages."
        )
    if cfg.workers is not None and (isinstance(cfg.workers, bool) or cfg.workers < 1):
        raise ValueError(f"workers must be a whole number >= 1, not {cfg.workers!r}.")
    if cfg.max_connections is not None and cfg.max_connections < 1:
        raise ValueError(f"max_connections must be >= 1, not {cfg.max_connections!r}.")
    if not re.fullmatch(r"[A-Za-z]+", str(cfg.method)):
        raise ValueError(f"invalid HTTP method {cfg.method!r}: use e.g. GET or POST.")
    if cfg.scenario is not None:
        scenario = (
            cfg.scenario if isinstance(cfg.scenario, Scenario) else load_scenario(cfg.scenario)
        )
        return scenario.requests
    body = cfg.body
    return (
        RequestSpec(
            name=cfg.name,
            method=str(cfg.method).upper(),
            path="",
            headers=tuple((str(k), str(v)) for k, v in dict(cfg.headers).items()),
            body=body,
            expect=parse_expectations(cfg.expect_status, list(cfg.expect_json) or None),
        ),
    )


def worker_count(cfg: LoadConfig, default: int | None = None) -> int:
    """`workers=`, else `default` (a cluster's slots), else one a core of this machine."""
    n = cfg.workers or default or default_workers()
    if cfg.model == "closed":
        # A worker without a single client would only cost start-up time.
        peak = max(s.target for s in cfg.stages)
        n = min(n, max(1, int(peak)))
    return n


def _positive(name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a number of seconds > 0, not {value!r}.")


def _non_negative(name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a number of seconds >= 0, not {value!r}.")
