"""Robot Framework keywords that start, check and stop the gateways under test."""

from __future__ import annotations

from datetime import timedelta
from enum import Enum
from typing import Any

from robot.api import logger
from robot.api.deco import keyword, library
from robot.utils import normalize

from perfgate import __version__, robotenv
from perfgate.artifacts import redact
from perfgate.artifacts.paths import link_html
from perfgate.errors import PerfGateError, sentence, user_errors
from perfgate.gateway.manager import (
    Gateway,
    GatewayError,
    GatewayManager,
    StopReport,
    how_it_ended,
    tail,
)
from perfgate.measure.units import parse_bytes, parse_duration
from perfgate.procs.reaper_client import ReaperError
from perfgate.procs.statedir import UnsafeStateDirError

# What the core raises for a problem the user can fix; parse errors are ValueError.
_STOP_KEYWORDS = {"stopallgateways", "stopgateway"}
_CORE_ERRORS = (GatewayError, ReaperError, UnsafeStateDirError, ValueError)


class AutoStop(Enum):
    """When the library stops gateways that nobody stopped.

    | = Value = | = Meaning = |
    | TEST  | A gateway started in a test is stopped when that test ends; one started in a suite setup when that suite ends. |
    | SUITE | A gateway started in a test lives until the end of its suite. |
    | RUN   | Gateways live until the end of the whole run. |
    """

    TEST = "TEST"
    SUITE = "SUITE"
    RUN = "RUN"


@library(scope="GLOBAL", version=__version__, auto_keywords=False)
class GatewayLibrary:
    """Start the gateway under test, check it and stop it, leaving no process behind.

    `Start Gateway` with no command starts PerfGate's reference gateway on a
    free port; give a command to start your own, with ``{port}`` where the
    free port goes. `Use Running Gateway` attaches to one that something else
    manages. Each keyword returns or takes a `Gateway` object with the
    attributes ``url``, ``port``, ``pid``, ``alias`` and ``log_path``:

    | ${gw}=    `Start Gateway`
    | `Run Load Profile`    smoke    ${gw.url}/api/echo

    = No process outlives its run =

    Every process is started by a small watchdog (the reaper) that is the
    parent and subreaper of everything PerfGate starts. `Stop Gateway` sends
    SIGTERM to the gateway's process group, waits, then SIGKILLs every
    process left of its tree, including children that left the group by
    double-forking. What a test or suite forgets to stop is stopped, with a
    warning, when it ends (see ``auto_stop``). If the test run itself dies,
    even by SIGKILL, the reaper ends everything within a few seconds; a pabot
    run killed outright takes its gateways with it too. If the reaper itself
    is killed, its gateways die with it (parent-death signal), PerfGate ends
    whatever escaped them at once, and the next keyword fails saying so.
    Leftovers from a crashed machine are removed by the next run or by
    ``perfgate cleanup``.

    PerfGate signals only processes it can prove it started: each is known
    by its PID *and* its start time in clock ticks (immune to clock steps),
    and signalled through a pidfd. Its registry and locks live in a private
    directory (``$PERFGATE_STATE_DIR``, else ``$XDG_RUNTIME_DIR/perfgate``,
    else ``~/.cache/perfgate``), created 0700 and refused if another user
    could have planted or changed it.

    Each gateway's stdout and stderr go to a log file under
    ``${OUTPUT DIR}/perfgate/``, linked from log.html; failures quote its
    last lines.

    = Secrets =

    The gateway gets its real command line and environment; the log (at every
    level) and the registry files show ``***`` instead of the value of any
    environment variable, ``--flag=value`` or ``--flag value`` argument, or
    query parameter or password in a URL, whose name contains ``token``,
    ``secret``, ``password``, ``passwd``, ``key``, ``auth`` or ``session``
    (case-insensitive), and of ``Authorization``, ``Proxy-Authorization``,
    ``Cookie`` and ``Set-Cookie`` given as ``Name: value`` arguments. The
    ``secret_names`` import argument adds names, for every PerfGate library
    in the robot (or pabot) process:

    | Library    GatewayLibrary    secret_names=tenant,x-signature

    The gateway's own output, in its log file, is its own: PerfGate leaves
    it as it is. Robot logs keyword arguments at TRACE level, and the values
    of assignments at INFO: pass secrets inline (``env=API_TOKEN=%{API_TOKEN}``).
    """

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(
        self, auto_stop: AutoStop = AutoStop.TEST, *, secret_names: str | list[str] | None = None
    ) -> None:
        """``auto_stop`` chooses when gateways that nobody stopped are stopped: see `AutoStop`.

        ``secret_names`` adds names whose values are shown as ``***``, separated by commas or
        as a list: see `Secrets`.

        | Library    GatewayLibrary    auto_stop=SUITE    secret_names=tenant,x-signature
        """
        redact.add_names(secret_names)
        self.ROBOT_LIBRARY_LISTENER = self
        self.auto_stop = auto_stop
        self.manager = GatewayManager()
        self._scopes: list[str] = []
        # Per open suite: whether its Suite Teardown stops gateways (then a test's
        # leftovers are stopped without a warning: the teardown would have done it).
        self._teardown_stops: list[bool] = []

    # -- keywords ---------------------------------------------------------------

    @keyword
    @user_errors(*_CORE_ERRORS)
    def start_gateway(
        self,
        command: str | None = None,
        *arguments: str,
        health: str = "/health",
        port: int | None = None,
        timeout: timedelta | str = timedelta(seconds=30),
        env: dict[str, str] | str | None = None,
        cwd: str | None = None,
        alias: str | None = None,
        memory_limit: str | None = None,
        inspect: bool = False,
    ) -> Gateway:
        """Starts a gateway and waits until its health URL answers 2xx.

        With no ``command``, starts PerfGate's reference gateway. Otherwise
        ``command`` and ``arguments`` are the program and its arguments; a
        ``command`` alone that contains spaces is split like a shell would
        split it, but no shell ever runs it. ``{port}`` anywhere in the
        command, in ``env`` values or in ``health`` is replaced by a free port.

        - ``health``: path (or full URL) polled every 10 ms until it answers 2xx.
        - ``port``: a fixed port instead of ``{port}``; fails if it is taken.
        - ``timeout``: how long to wait for health, e.g. ``30 s`` or ``1 min``.
        - ``env``: extra environment variables, e.g. ``&{env}`` or ``env=${{{'PORT': '{port}'}}}``.
        - ``cwd``: the working directory.
        - ``alias``: a name for the gateway (default ``gateway``, ``gateway-2``, ...).
        - ``memory_limit``: e.g. ``256 MB``; the whole gateway is killed, and reported as such,
          if the proportional set size (PSS) of all its processes together goes above it: its
          children and daemons that left its group count too; pages forked workers share once.
        - ``inspect``: ``True`` runs ``node`` with its inspector on a free loopback port (``${gw.inspector_url}``),
          for `Take Heap Snapshot`; no other address: whoever reaches an inspector can run code.

        Fails at once if the process exits, naming its exit code and quoting
        its last output lines; fails at the timeout with the last health
        error. The exact command is logged at INFO level.

        | ${gw}=    Start Gateway
        | ${gw}=    Start Gateway    python3 -m http.server {port}    health=/
        | ${gw}=    Start Gateway    ./my-gateway    --listen    127.0.0.1:{port}    alias=mine    timeout=1 min
        """
        gateway = self.manager.start(
            command,
            arguments,
            health=health,
            port=port,
            timeout_s=parse_duration(timeout),
            env=_env_dict(env),
            cwd=cwd,
            alias=alias,
            memory_limit=parse_bytes(memory_limit) if memory_limit else None,
            output_dir=str(robotenv.output_dir()),
            scope=self._scopes[-1] if self._scopes else "",
            log=_log,
            inspect=inspect,
        )
        self._link_log(gateway)
        self._report_cleaned()
        return gateway

    @keyword
    @user_errors(*_CORE_ERRORS)
    def stop_gateway(
        self,
        gateway: Gateway | str | None = None,
        timeout: timedelta | str = timedelta(seconds=10),
    ) -> int | None:
        """Stops a gateway (default: the last one started) and returns its exit code.

        ``gateway`` is the `Gateway` object or its alias; not given, the
        gateway started last. Sends SIGTERM to the gateway's whole process group and waits up to
        ``timeout``; then sends SIGKILL to every process left of its tree.
        Logs which of the two happened. A gateway that had already crashed is
        reported with a warning. A gateway attached with `Use Running Gateway`
        is left running.

        | ${rc}=    Stop Gateway    ${gw}
        | Stop Gateway    mine    timeout=30 s
        """
        report = self.manager.stop(gateway, parse_duration(timeout))
        self._log_stop(report)
        return report.returncode

    @keyword
    @user_errors(*_CORE_ERRORS)
    def stop_all_gateways(self, timeout: timedelta | str = timedelta(seconds=10)) -> None:
        """Stops every gateway PerfGate started; use it in teardowns.

        Safe to call when nothing was started or everything is already
        stopped. Fails only if some process could not be killed, naming it.
        ``timeout`` is how long each gateway gets after SIGTERM before
        SIGKILL, as for `Stop Gateway`. A gateway a test leaves running is
        stopped by the library when the test ends, with a warning unless a
        Suite Teardown stops gateways.

        | Suite Teardown    Stop All Gateways
        | Stop All Gateways    timeout=30 s
        """
        reports = self.manager.stop_scope(None, parse_duration(timeout))
        for report in reports:
            self._log_stop(report)
        if not reports:
            logger.info("No gateway was running.")

    @keyword
    @user_errors(*_CORE_ERRORS)
    def use_running_gateway(
        self,
        url: str,
        health: str = "/health",
        pid: int | None = None,
        alias: str | None = None,
        inspector: str | None = None,
    ) -> Gateway:
        """Attaches to a gateway that something else started and manages.

        Checks once that ``health`` answers 2xx. PerfGate never stops it.
        Give ``pid`` so that memory keywords can watch the process.
        ``alias`` names it for the other keywords (default ``gateway``,
        ``gateway2``, ... as for `Start Gateway`).

        ``inspector`` reaches the inspector of a Node.js gateway, for `Take
        Heap Snapshot` and `Start Allocation Tracking` (``${gw.inspector_url}``):

        - the ``ws://127.0.0.1:...`` URL Node printed when started with
          ``--inspect=127.0.0.1:0`` ("Debugger listening on ws://...");
        - the inspector's ``127.0.0.1:9229``: its ``/json/list`` names the URL;
        - ``SIGUSR1``: Node opens its inspector on that signal (on
          127.0.0.1, port 9229 or ``--inspect-port``). PerfGate signals only
          a process it can prove is the gateway: ``pid`` must be given, run
          node and listen on the port of ``url``; the signal is sent through
          a pidfd bound to that very process. An inspector already open is
          used without a signal.

        Only loopback inspectors are accepted: whoever reaches one can run
        code in the gateway.

        | ${gw}=    Use Running Gateway    http://127.0.0.1:8080    pid=${PID}
        | ${gw}=    Use Running Gateway    http://127.0.0.1:8080    pid=${PID}    inspector=SIGUSR1
        | ${gw}=    Use Running Gateway    http://127.0.0.1:8080    inspector=127.0.0.1:9229
        """
        gateway = self.manager.attach(url, health=health, pid=pid, alias=alias)
        if inspector:
            found = self.manager.reach_inspector(gateway, inspector)
            logger.info(f"Gateway '{gateway.alias}' inspector: {found}")
        logger.info(f"Using running gateway '{gateway.alias}' at {redact.url(gateway.url)}.")
        return gateway

    @keyword
    @user_errors(*_CORE_ERRORS)
    def gateway_should_be_healthy(self, gateway: Gateway | str | None = None) -> None:
        """Fails unless the gateway is running and its health URL answers 2xx.

        ``gateway`` is the `Gateway` object or its alias; not given, the
        gateway started last. A gateway that crashed is reported with its
        exit code (or the signal that killed it, or that PerfGate killed it
        for its memory limit) and the last lines of its output.

        | Gateway Should Be Healthy
        | Gateway Should Be Healthy    ${gw}
        """
        found = self.manager.get(gateway)
        try:
            detail = self.manager.check_health(found)
        except GatewayError as exc:
            # An unhealthy gateway is a failed check, not a usage error.
            raise AssertionError(sentence(exc)) from exc
        health = redact.url(found.health_url)
        logger.info(f"Gateway '{found.alias}' is healthy: {health} answered {detail}.")

    @keyword
    @user_errors(*_CORE_ERRORS)
    def get_gateway_log(self, gateway: Gateway | str | None = None, lines: int = 50) -> str:
        """Returns the last ``lines`` lines of the gateway's stdout and stderr.

        ``gateway`` is the `Gateway` object or its alias; not given, the
        gateway started last. A gateway attached with `Use Running Gateway`
        has no log here.

        | ${output}=    Get Gateway Log    ${gw}    lines=20
        | Should Not Contain    ${output}    Traceback
        """
        found = self.manager.get(gateway)
        if found.log_path is None:
            raise PerfGateError(
                f"Gateway '{found.alias}' is not managed by PerfGate, so it has no log here."
            )
        return tail(found.log_path, lines)

    @keyword
    @user_errors(*_CORE_ERRORS)
    def get_gateway(self, alias: str | None = None) -> Gateway:
        """Returns the `Gateway` object with ``alias`` (default: the last one started).

        | ${gw}=    Get Gateway    mine
        | Log    ${gw.url} (PID ${gw.pid})
        """
        return self.manager.get(alias)

    # -- listener: stop what a scope forgot --------------------------------------

    def _start_suite(self, data, result) -> None:
        self._scopes.append(f"suite:{data.id}")
        self._teardown_stops.append(_stops_gateways(data.teardown, data.resource.keywords))

    def _end_suite(self, data, result) -> None:
        scope = self._scopes.pop() if self._scopes else None
        if self._teardown_stops:
            self._teardown_stops.pop()
        self._report_reaper_death()
        self._report_crashes(f"suite '{data.name}'")
        if self.auto_stop is not AutoStop.RUN:
            self._auto_stop(scope, f"suite '{data.name}'")
            if self.auto_stop is AutoStop.SUITE:
                self._auto_stop(f"test-in:{scope}", f"suite '{data.name}'")

    def _start_test(self, data, result) -> None:
        parent = self._scopes[-1] if self._scopes else ""
        scope = f"test:{data.id}" if self.auto_stop is AutoStop.TEST else f"test-in:{parent}"
        self._scopes.append(scope)

    def _end_test(self, data, result) -> None:
        scope = self._scopes.pop() if self._scopes else None
        # First: a dead reaper's gateways then read as killed, not as errors.
        crashed = self._report_reaper_death()
        crashed += self._report_crashes(f"test '{data.name}'")
        if crashed and result.passed:
            result.passed = False
            result.message = " ".join(crashed)
        if self.auto_stop is AutoStop.TEST:
            self._auto_stop(scope, f"test '{data.name}'", covered=any(self._teardown_stops))

    def _close(self) -> None:
        try:
            self.manager.stop_scope(None, 5.0)
        finally:
            self.manager.reaper.close()

    def _auto_stop(self, scope: str | None, where: str, covered: bool = False) -> None:
        """Stop what `scope` left running; warn only when no teardown would have stopped it
        (`covered`: an enclosing Suite Teardown stops gateways)."""
        if scope is None:
            return
        for report in self.manager.stop_scope(scope, 10.0):
            alias = report.gateway.alias
            if report.how == "already exited":
                logger.info(f"When {where} ended: {report.message()}")
            elif covered:
                logger.info(
                    f"Gateway '{alias}' stopped when {where} ended, as the suite's teardown "
                    f"would have: {report.message()}"
                )
            else:
                logger.warn(
                    f"Gateway '{alias}' was still running when {where} ended and no teardown "
                    "stops it; PerfGate stopped it. Add 'Stop All Gateways' to the Test or "
                    f"Suite Teardown. {report.message()}"
                )

    def _report_reaper_death(self) -> list[str]:
        notice = self.manager.reaper.take_death_notice()
        if notice is None:
            return []
        logger.warn(notice)
        return [notice]

    def _report_crashes(self, where: str) -> list[str]:
        messages = []
        for gateway, returncode, reason in self.manager.crashed():
            message = (
                f"Gateway '{gateway.alias}' crashed during {where}: it exited with "
                f"{how_it_ended(returncode, reason)}"
            )
            output = tail(gateway.log_path, 10)
            logger.warn(message + (f" Last lines of its output:\n{output}" if output else ""))
            messages.append(message)
        return messages

    # -- helpers ------------------------------------------------------------------

    def _log_stop(self, report: StopReport) -> None:
        crashed = report.how == "already exited" and report.returncode not in (0, None)
        if crashed and not report.gateway.crash_reported:
            report.gateway.crash_reported = True
            output = tail(report.gateway.log_path, 10)
            logger.warn(
                report.message() + (f" Last lines of its output:\n{output}" if output else "")
            )
        else:
            logger.info(report.message())

    def _link_log(self, gateway: Gateway) -> None:
        if gateway.log_path:
            logger.info(f"Gateway output: {link_html(gateway.log_path)}", html=True)

    def _report_cleaned(self) -> None:
        for warning in self.manager.reaper.warnings:
            logger.warn(warning)
        self.manager.reaper.warnings.clear()
        cleaned = self.manager.reaper.cleaned
        if cleaned:
            names = ", ".join(item.description for item in cleaned)
            logger.warn(
                f"Removed {len(cleaned)} process(es) left behind by a crashed run: {names}."
            )
            cleaned.clear()


def _stops_gateways(step: Any, keywords: Any, depth: int = 0) -> bool:
    """Whether the teardown `step` stops gateways: it, a `Run Keywords` argument or (a few
    levels down) a keyword of the suite file itself calls Stop All Gateways or Stop Gateway."""
    name = normalize(str(getattr(step, "name", None) or "").rsplit(".", 1)[-1])
    words = [name, *(normalize(str(arg)) for arg in getattr(step, "args", ()))]
    if any(word in _STOP_KEYWORDS for word in words):
        return True
    if depth >= 3:
        return False
    own = [kw for kw in keywords if normalize(kw.name) == name]
    return any(_stops_gateways(item, keywords, depth + 1) for kw in own for item in kw.body)


def _log(level: str, message: str) -> None:
    logger.write(message, level)  # type: ignore[arg-type]


def _env_dict(env: dict[str, str] | str | None) -> dict[str, str] | None:
    if env is None or isinstance(env, dict):
        return {str(k): str(v) for k, v in env.items()} if env else None
    pairs = [item.strip() for item in env.replace(";", ",").split(",") if item.strip()]
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise PerfGateError(
                f"Environment entry '{pair}' is not NAME=value; write e.g. PORT={{port}}."
            )
        result[key.strip()] = value.strip()
    return result
