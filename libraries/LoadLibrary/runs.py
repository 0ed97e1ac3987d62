"""What every run keyword does once its plan is made: run it with the console and the
reaper watching each worker, log the outcome, fail the test on a failed verdict and
return the result. The run itself is the core's (`perfgate.load.<protocol>.runner`)."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, Protocol, TypeVar

from robot.api import logger
from robot.utils import pad_console_length

from perfgate import robotenv
from perfgate.gateway.lookup import gateway_on_port, gateway_target
from perfgate.live.settings import LibraryExport, LiveSettings
from perfgate.load.outcome import Outcome, Runner, SavedResult
from perfgate.load.targetwatch import address
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


def live_settings(export: LibraryExport, gateway: Any = None, url: str = "") -> LiveSettings:
    """A run's live side: `gateway` labels its series; without one, the gateway
    GatewayLibrary started on the port of the run's `url`, if any."""
    if gateway is None and url:
        where = address(url)
        gateway = gateway_on_port(where[1] if where else None)
    return export.run_settings(str(getattr(gateway, "alias", "") or ""))


class LoadKeywordGroup:
    """One group of LoadLibrary's keywords (HTTP, WebSocket, SSE): methods decorated with
    `robotlibcore.keyword`, sharing the library's live export."""

    def __init__(self, live: LibraryExport | None = None) -> None:
        self.live = live or LibraryExport(None, logger.warn, logger.info)


class RunConsole:
    """Robot's console for a run's lines. Robot wrote the test's name and waits to write its
    status on that line: the run's first line starts a new one, and when the run is over
    the name is written again, so that ``| PASS |`` lands after it and not alone."""

    def __init__(self, write: Callable[..., None] = logger.console, width: int = 78) -> None:
        self.write = write
        self.width = width  # Robot's --consolewidth default
        self.wrote = False
        # Outside a test (a suite setup) Robot has no name on the line waiting for a status.
        self.test = robotenv.test_and_suite()[0]

    def __call__(self, text: str) -> None:
        first, self.wrote = not self.wrote, True  # set first: Ctrl-C may stop the write
        self.write(f"\n{text}" if first and self.test else text)

    def close(self) -> None:
        if self.wrote and self.test:
            # Robot's own layout: the name padded to the width less "| PASS |" and a space.
            self.write(pad_console_length(self.test, self.width - 9) + " ", newline=False)


def run_logged(
    execute: Callable[..., Outcome[R]],
    log_outcome: Callable[[Outcome[R]], None],
    live: LiveSettings | None = None,
) -> R:
    """`execute(console=, on_worker_started=, live=, on_partial=)` (a runner's execute with
    its plan given), its outcome logged by `log_outcome` (a partial one marked so, and an
    interrupted run's before the interruption goes on); an AssertionError with the verdict
    if it failed. `live`: where its seconds go live (`perfgate.live`)."""
    console = RunConsole()
    logged = partial(_log_outcome, log_outcome)
    try:
        outcome = execute(
            console=console, on_worker_started=watch_worker, live=live, on_partial=logged
        )
        logged(outcome)
    finally:
        console.close()  # after the outcome's warnings, which Robot writes on their own lines
    if outcome.verdict.failed:
        raise AssertionError(outcome.verdict.message())
    return outcome.result


def _log_outcome(log_outcome: Callable[[Outcome[R]], None], outcome: Outcome[R]) -> None:
    """The outcome logged, after a line marking it partial when the run stopped early."""
    if outcome.verdict.partial:
        logger.info(
            f"<b>PARTIAL RESULT</b> - {html.escape(outcome.verdict.partial)} The figures, "
            f"table and charts below are of what was measured until then.",
            html=True,
        )
    log_outcome(outcome)


def run_event_load(
    runner: Runner[C, R],
    planner: Callable[..., EventPlan[C]],
    arguments: dict[str, Any],
    log_plan: Callable[[Any], None],
    log_outcome: Callable[[Outcome[R]], None],
    live: LibraryExport | None = None,
) -> R:
    """An event protocol's run keyword: its `arguments` (the keyword's ``locals()``) planned
    by `planner`, which takes every one but ``self`` and ``gateway`` under the same name, so
    that the two lists cannot drift apart; `gateway` (a Gateway, alias, PID or metrics URL)
    looked up, the plan logged, then as `run_logged`."""
    plan = planner(**{k: v for k, v in arguments.items() if k not in ("self", "gateway")})
    target = gateway_target(arguments.get("gateway"))
    log_plan(plan)
    execute = partial(runner.execute, plan.config, plan.thresholds, gateway=target)
    export = live or LibraryExport(None, logger.warn, logger.info)
    settings = live_settings(export, target, str(arguments.get("url") or ""))
    return run_logged(execute, log_outcome, settings)
