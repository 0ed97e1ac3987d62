"""What every run keyword does once its plan is made: run it with the console and the
reaper watching each worker, log the outcome, fail the test on a failed verdict and
return the result. The run itself is the core's (`perfgate.load.<protocol>.runner`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, TypeVar

from robot.api import logger

from perfgate.gateway.lookup import gateway_target
from perfgate.live.settings import LiveSettings, from_robot, write_url
from perfgate.load.outcome import Outcome, Runner, SavedResult
from perfgate.load.thresholds import Threshold
from perfgate.procs.reaper_client import watch_worker

R = TypeVar("R", bound=SavedResult)
C = TypeVar("C")
C_co = TypeVar("C_co", covariant=True)


class EventPlan(Protocol[C_co]):
    """What `run_event_load` needs of a plan (`WsPlan`, `SsePlan`)."""

    @property
    def config(self) -> C_co: ...

    @property
    def thresholds(self) -> Sequence[Threshold]: ...


@dataclass(frozen=True)
class LiveExport:
    """The library's ``prometheus_url=`` (None: ``${PERFGATE_PROMETHEUS_URL}`` decides, at
    each run): what a run keyword gives its run as `LiveSettings`."""

    prometheus_url: str | None = None

    def __post_init__(self) -> None:
        write_url(self.prometheus_url or "")  # a malformed URL fails the import, not a run

    def settings(self, gateway: Any = None) -> LiveSettings:
        alias = str(getattr(gateway, "alias", "") or "")
        return from_robot(self.prometheus_url, gateway=alias, warn=logger.warn, info=logger.info)


class LoadKeywordGroup:
    """One group of LoadLibrary's keywords (HTTP, WebSocket, SSE): methods decorated with
    `robotlibcore.keyword`, sharing the library's live export."""

    def __init__(self, live: LiveExport | None = None) -> None:
        self.live = live or LiveExport()


def run_logged(
    execute: Callable[..., Outcome[R]],
    log_outcome: Callable[[Outcome[R]], None],
    live: LiveSettings | None = None,
) -> R:
    """`execute(console=, on_worker_started=, live=)` (a runner's execute with its plan
    given), its outcome logged by `log_outcome`; an AssertionError with the verdict if it
    failed. `live`: where its seconds go live (`perfgate.live`)."""
    outcome = execute(console=logger.console, on_worker_started=watch_worker, live=live)
    log_outcome(outcome)
    if outcome.verdict.failed:
        raise AssertionError(outcome.verdict.message())
    return outcome.result


def run_event_load(
    runner: Runner[C, R],
    planner: Callable[..., EventPlan[C]],
    arguments: dict[str, Any],
    log_plan: Callable[[Any], None],
    log_outcome: Callable[[Outcome[R]], None],
    live: LiveExport | None = None,
) -> R:
    """An event protocol's run keyword: its `arguments` (the keyword's ``locals()``) planned
    by `planner`, which takes every one but ``self`` and ``gateway`` under the same name, so
    that the two lists cannot drift apart; `gateway` (a Gateway, alias, PID or metrics URL)
    looked up, the plan logged, then as `run_logged`."""
    plan = planner(**{k: v for k, v in arguments.items() if k not in ("self", "gateway")})
    target = gateway_target(arguments.get("gateway"))
    log_plan(plan)
    execute = partial(runner.execute, plan.config, plan.thresholds, gateway=target)
    return run_logged(execute, log_outcome, (live or LiveExport()).settings(target))
