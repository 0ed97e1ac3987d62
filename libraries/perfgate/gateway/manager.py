"""Starting, watching and stopping gateways: the logic behind GatewayLibrary.

Every process is started by the reaper (see reaper.py), never by this
process directly, so that it is cleaned up even if this process dies.
Gateways belong to the scope (suite or test) that started them, so that
whatever a test forgets to stop is stopped when that scope ends.
"""

from __future__ import annotations

import collections
import itertools
import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from perfgate.artifacts import redact
from perfgate.artifacts.paths import artifact_path
from perfgate.gateway import ports
from perfgate.gateway.health import Probe, probe
from perfgate.gateway.inspect import inspect_argv, wait_for_inspector
from perfgate.gateway.reach import reach_inspector
from perfgate.procs import proctree
from perfgate.procs.reaper_client import ReaperClient, StopOutcome, get_reaper

Log = Callable[[str, str], None]  # (level, message): "INFO", "DEBUG", "WARN", "CONSOLE"

_POLL_INTERVAL_S = 0.01
# A health path answered 404 this long does not exist (a server that listens
# before its routes are in place answers 404 for a moment at most).
_NOT_FOUND_S = 1.0
# Starts slower than this say on the console what they wait for.
_QUIET_WAIT_S = 2.0
_HOST = "127.0.0.1"


class GatewayError(RuntimeError):
    """A gateway could not be started, found or stopped; the message says what to do."""


@dataclass
class Gateway:
    """A gateway PerfGate started (or attached to). Robot sees `${gw.url}` etc."""

    alias: str
    url: str
    port: int | None
    pid: int | None
    log_path: str | None
    health_url: str
    command: list[str] = field(default_factory=list)
    managed: bool = True
    scope: str = ""
    returncode: int | None = None
    kill_reason: str | None = None  # set when PerfGate killed it, e.g. for its memory limit
    stopped: bool = False
    crash_reported: bool = False
    # The DevTools WebSocket of a Node gateway started with inspect=True (loopback only).
    inspector_url: str | None = None

    def __str__(self) -> str:
        return f"{self.alias} ({self.url})"


@dataclass
class StopReport:
    gateway: Gateway
    returncode: int | None
    how: str  # "terminated", "killed", "already exited", "not managed"
    killed: list[int]
    survivors: list[str]
    reason: str | None

    def message(self) -> str:
        name = f"Gateway '{self.gateway.alias}'"
        pids = ", ".join(str(pid) for pid in self.killed)
        extra = f" and {len(self.killed)} leftover process(es) (PID {pids})" if self.killed else ""
        if self.how == "terminated":
            text = (
                f"{name} terminated gracefully ({proctree.describe_exit(self.returncode)}){extra}."
            )
        elif self.how == "killed":
            text = (
                f"{name} did not stop after SIGTERM and was forcefully killed "
                f"({proctree.describe_exit(self.returncode)}){extra}."
            )
        elif self.how == "already exited":
            text = (
                f"{name} had already exited ({proctree.describe_exit(self.returncode)}) "
                f"before it was stopped{extra}."
            )
        else:
            text = f"{name} is not managed by PerfGate and was left running."
        if self.reason:
            text += f" PerfGate killed it because it {self.reason}."
        return text


def reference_gateway_command() -> list[str]:
    """The embedded default system under test, on a free port."""
    return [sys.executable, "-m", "perfgate.refgateway", "--port", "{port}"]


def split_command(command: str | Sequence[str] | None, arguments: Sequence[str]) -> list[str]:
    """The argv to run: the reference gateway, a list, or a string split like a shell would."""
    if command is None or command == "":
        if arguments:
            raise GatewayError("Arguments were given without a command; give the command first.")
        return reference_gateway_command()
    if not isinstance(command, str):
        return [str(part) for part in (*command, *arguments)]
    if arguments:
        return [command, *[str(a) for a in arguments]]
    try:
        return shlex.split(command)
    except ValueError as exc:
        raise GatewayError(f"Cannot split the command {command!r} into arguments: {exc}.") from exc


def resolve_executable(argv: list[str], cwd: str | None) -> str:
    program = argv[0]
    if os.sep in program:
        path = program if os.path.isabs(program) else os.path.join(cwd or os.getcwd(), program)
        if not os.path.exists(path):
            raise GatewayError(f"Command '{program}' was not found; check the path.")
        if not os.access(path, os.X_OK):
            raise GatewayError(f"Command '{program}' is not executable; run `chmod +x` on it.")
        return path
    found = shutil.which(program)
    if found is None:
        raise GatewayError(
            f"Command '{program}' was not found on PATH; install it or give its full path."
        )
    return found


def tail(path: str | None, lines: int) -> str:
    """The last `lines` lines of a log file, or '' when there is none."""
    if not path or lines <= 0 or not os.path.exists(path):
        return ""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 64 * 1024 * max(1, lines // 100)))
        data = handle.read()
    text = data.decode("utf-8", errors="replace")
    return "\n".join(collections.deque(text.splitlines(), maxlen=lines))


def how_it_ended(returncode: int | None, reason: str | None) -> str:
    """'exit code 3.' or 'signal SIGKILL (9). PerfGate killed it because it …' for messages."""
    why = f" PerfGate killed it because it {reason}." if reason else ""
    return f"{proctree.describe_exit(returncode)}.{why}"


def _with_output(message: str, log_path: str | None, lines: int = 20) -> str:
    output = tail(log_path, lines)
    if output:
        return f"{message} Last lines of its output:\n{output}"
    return f"{message} It wrote no output."


class GatewayManager:
    """All gateways of one runner process, by alias and by scope."""

    def __init__(self, reaper: ReaperClient | None = None) -> None:
        self._reaper = reaper
        self.gateways: dict[str, Gateway] = {}  # running (or crashed, not yet stopped)
        self.stopped: dict[str, Gateway] = {}

    @property
    def reaper(self) -> ReaperClient:
        if self._reaper is None:
            self._reaper = get_reaper()
        return self._reaper

    # -- start / attach -------------------------------------------------------

    def start(
        self,
        command: str | Sequence[str] | None = None,
        arguments: Sequence[str] = (),
        *,
        health: str = "/health",
        port: int | None = None,
        timeout_s: float = 30.0,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        alias: str | None = None,
        memory_limit: int | None = None,
        output_dir: str = ".",
        scope: str = "",
        log: Log | None = None,
        inspect: bool = False,
    ) -> Gateway:
        say = log or (lambda level, message: None)
        alias = self._check_start(timeout_s, memory_limit, alias)
        argv = split_command(command, arguments)
        argv = inspect_argv(argv) if inspect else argv
        env = dict(env or {})
        port = _pick_port(port, [*argv, health, *env.values()], health)
        fill = (lambda text: text.replace("{port}", str(port))) if port is not None else str
        argv = [fill(part) for part in argv]
        env = {key: fill(value) for key, value in env.items()}
        health_url = _full_url(fill(health), port)
        url = "/".join(health_url.split("/", 3)[:3])
        if cwd is not None and not os.path.isdir(cwd):
            raise GatewayError(f"Working directory '{cwd}' does not exist; create it or fix cwd=.")
        argv[0] = resolve_executable(argv, cwd) if argv[0] != sys.executable else argv[0]
        log_path = self._log_path(output_dir, alias)
        # The gateway gets the real values; the log gets them redacted.
        say("INFO", f"Starting gateway '{alias}': {shlex.join(redact.argv(argv))}")
        say(
            "DEBUG",
            f"Health URL {redact.url(health_url)}, timeout {timeout_s:g} s, "
            f"cwd {cwd or os.getcwd()}",
        )
        if env:
            say("DEBUG", f"Environment additions: {redact.env(env)}")
        pid = self._spawn(argv, env, cwd, log_path, memory_limit)
        gateway = Gateway(alias, url, port, pid, log_path, health_url, argv, scope=scope)
        self.stopped.pop(alias, None)
        self.gateways[alias] = gateway
        try:
            self._wait_healthy(gateway, timeout_s, say)
            if inspect:
                self._find_inspector(gateway, timeout_s, say)
        except BaseException:
            # Also on Robot's TimeoutExceeded and on Ctrl-C: a gateway that
            # never became healthy must not outlive the keyword that started it.
            self._stop_quietly(gateway)
            raise
        # The reaper records every process of the tree now, daemons forked during
        # start-up included: a cleanup after its death will know them.
        processes = len(self.reaper.members(pid))
        say("INFO", f"Gateway '{alias}' is healthy at {url} (pid {pid}, {processes} process(es)).")
        return gateway

    def _find_inspector(self, gateway: Gateway, timeout_s: float, say: Log) -> None:
        """Read the inspector URL Node announced; healthy, it has announced it already."""
        assert gateway.log_path is not None and gateway.pid is not None
        pid = gateway.pid
        gateway.inspector_url = wait_for_inspector(
            gateway.log_path, max(1.0, timeout_s), lambda: self.reaper.poll(pid)[0] is not None
        )
        say("INFO", f"Gateway '{gateway.alias}' inspector: {gateway.inspector_url}")

    def _check_start(self, timeout_s: float, memory_limit: int | None, alias: str | None) -> str:
        """The alias to start under, after the checks that need no process."""
        if timeout_s < 0:
            raise GatewayError(f"Timeout must not be negative, got {timeout_s:g} seconds.")
        if memory_limit is not None and memory_limit <= 0:
            raise GatewayError(f"Memory limit must be positive, got {memory_limit} bytes.")
        alias = alias or self._default_alias()
        if alias in self.gateways:
            raise GatewayError(
                f"A gateway with alias '{alias}' is already running; stop it first or "
                "give another alias."
            )
        return alias

    def _spawn(
        self,
        argv: list[str],
        env: dict[str, str],
        cwd: str | None,
        log_path: str,
        memory_limit: int | None,
    ) -> int:
        """The PID of `argv` started by the reaper; GatewayError when it cannot be run."""
        try:
            return self.reaper.spawn(
                argv, env={**os.environ, **env}, cwd=cwd, log=log_path, memory_limit=memory_limit
            )
        except FileNotFoundError as exc:
            raise GatewayError(
                f"Command '{argv[0]}' was not found; install it or give its full path."
            ) from exc
        except PermissionError as exc:
            raise GatewayError(f"Command '{argv[0]}' could not be run: {exc.strerror}.") from exc

    def _wait_healthy(self, gateway: Gateway, timeout_s: float, say: Log) -> None:
        assert gateway.pid is not None
        started = time.monotonic()
        deadline = started + timeout_s
        wait = _HealthWait(gateway, timeout_s, say)
        while True:
            returncode, reason = self.reaper.poll(gateway.pid)
            if returncode is not None:
                gateway.returncode = returncode
                raise GatewayError(
                    _with_output(
                        f"Gateway '{gateway.alias}' did not become healthy: it exited with "
                        f"{how_it_ended(returncode, reason)}",
                        gateway.log_path,
                    )
                )
            result = probe(gateway.health_url, timeout=min(1.0, max(0.05, timeout_s)))
            if result.ok:
                return
            wait.saw(result, time.monotonic() - started)
            if time.monotonic() >= deadline:
                raise GatewayError(
                    _with_output(
                        f"Gateway '{gateway.alias}' did not become healthy at "
                        f"{redact.url(gateway.health_url)} within {timeout_s:g} s "
                        f"(last check: {result.detail}); "
                        "check the health path and the gateway's output, or raise timeout=.",
                        gateway.log_path,
                    )
                )
            time.sleep(_POLL_INTERVAL_S)

    def attach(
        self, url: str, *, health: str = "/health", pid: int | None = None, alias: str | None = None
    ) -> Gateway:
        if not url.startswith(("http://", "https://")):
            raise GatewayError(
                f"Gateway URL must start with http:// or https://, got '{redact.url(url)}'."
            )
        if pid is not None and not proctree.alive(pid):
            raise GatewayError(f"No process with PID {pid} is running; check pid=.")
        url = url.rstrip("/")
        health_url = (
            health
            if health.startswith(("http://", "https://"))
            else (f"{url}/{health.lstrip('/')}")
        )
        result = probe(health_url, timeout=5.0)
        if not result.ok:
            raise GatewayError(
                f"Gateway at {redact.url(url)} is not healthy ({redact.url(health_url)}: "
                f"{result.detail}); start it "
                "first or check the URL."
            )
        alias = alias or self._default_alias()
        port = _port_of(url)
        if alias in self.gateways:
            raise GatewayError(
                f"A gateway with alias '{alias}' is already running; give another alias."
            )
        gateway = Gateway(alias, url, port, pid, None, health_url, managed=False)
        self.stopped.pop(alias, None)
        self.gateways[alias] = gateway
        return gateway

    def reach_inspector(self, gateway: Gateway, spec: str) -> str:
        """Sets the inspector of an attached Node gateway (`perfgate.gateway.reach`);
        a gateway whose inspector cannot be reached is not kept."""
        try:
            gateway.inspector_url = reach_inspector(spec, gateway.url, gateway.pid)
        except BaseException:
            self.gateways.pop(gateway.alias, None)
            raise
        return gateway.inspector_url

    # -- queries --------------------------------------------------------------

    def get(self, alias: str | Gateway | None = None) -> Gateway:
        """The gateway with `alias` (or the gateway itself, or the latest running one)."""
        if isinstance(alias, Gateway):
            return alias
        if alias is None or alias == "":
            if self.gateways:
                return list(self.gateways.values())[-1]
            if self.stopped:
                raise GatewayError("No gateway is running; use Start Gateway first.")
            raise GatewayError("No gateway has been started; use Start Gateway first.")
        if alias in self.gateways:
            return self.gateways[alias]
        if alias in self.stopped:
            return self.stopped[alias]
        known = ", ".join(self.gateways) or "none running"
        raise GatewayError(f"No gateway with alias '{alias}'; known aliases: {known}.")

    def _forget(self, gateway: Gateway) -> None:
        """Move a stopped gateway out of the running set (kept for messages)."""
        gateway.stopped = True
        if self.gateways.get(gateway.alias) is gateway:
            del self.gateways[gateway.alias]
            self.stopped[gateway.alias] = gateway

    def exit_status(self, gateway: Gateway) -> tuple[int | None, str | None]:
        """(returncode, reason) of a managed gateway; (None, None) while it runs."""
        if not gateway.managed or gateway.pid is None:
            return None, None
        if gateway.returncode is None:
            gateway.returncode, gateway.kill_reason = self.reaper.poll(gateway.pid)
        return gateway.returncode, gateway.kill_reason

    def check_health(self, gateway: Gateway) -> str:
        """Raise GatewayError unless the gateway runs and answers 2xx; return the answer."""
        returncode, reason = self.exit_status(gateway)
        if gateway.stopped:
            raise GatewayError(f"Gateway '{gateway.alias}' was stopped; start it again first.")
        if returncode is not None:
            gateway.crash_reported = True
            raise GatewayError(
                _with_output(
                    f"Gateway '{gateway.alias}' is not running: it exited with "
                    f"{how_it_ended(returncode, reason)}",
                    gateway.log_path,
                )
            )
        result = probe(gateway.health_url, timeout=5.0)
        if not result.ok:
            raise GatewayError(
                f"Gateway '{gateway.alias}' is running but not healthy: "
                f"{redact.url(gateway.health_url)} "
                f"answered {result.detail}."
            )
        return result.detail

    def crashed(self) -> list[tuple[Gateway, int, str | None]]:
        """Running-but-exited gateways not yet reported: (gateway, returncode, reason)."""
        found = []
        for gateway in self.gateways.values():
            if gateway.managed and not gateway.stopped and not gateway.crash_reported:
                returncode, reason = self.exit_status(gateway)
                if returncode is not None:
                    gateway.crash_reported = True
                    found.append((gateway, returncode, reason))
        return found

    # -- stop -----------------------------------------------------------------

    def stop(self, alias: str | Gateway | None = None, timeout_s: float = 10.0) -> StopReport:
        if timeout_s < 0:
            raise GatewayError(f"Timeout must not be negative, got {timeout_s:g} seconds.")
        gateway = self.get(alias)
        if not gateway.managed or gateway.pid is None:
            self._forget(gateway)
            return StopReport(gateway, None, "not managed", [], [], None)
        if gateway.stopped:
            return StopReport(gateway, gateway.returncode, "already exited", [], [], None)
        outcome: StopOutcome = self.reaper.stop(gateway.pid, timeout_s)
        self._forget(gateway)
        gateway.returncode = outcome.returncode
        gateway.kill_reason = outcome.reason or gateway.kill_reason
        report = StopReport(
            gateway,
            outcome.returncode,
            outcome.how,
            outcome.killed,
            outcome.survivors,
            gateway.kill_reason,
        )
        if outcome.survivors:
            raise GatewayError(
                f"Could not kill every process of gateway '{gateway.alias}': "
                f"{', '.join(outcome.survivors)} survived SIGKILL; end them by hand."
            )
        return report

    def stop_scope(self, scope: str | None, timeout_s: float = 10.0) -> list[StopReport]:
        """Stop every running managed gateway started in `scope` (None: every scope)."""
        reports: list[StopReport] = []
        problems: list[str] = []
        for gateway in list(self.gateways.values()):
            if gateway.stopped or not gateway.managed:
                continue
            if scope is not None and gateway.scope != scope:
                continue
            try:
                reports.append(self.stop(gateway, timeout_s))
            except GatewayError as exc:
                problems.append(str(exc))
        if problems:
            raise GatewayError(" ".join(problems))
        return reports

    def _stop_quietly(self, gateway: Gateway) -> None:
        if gateway.pid is not None and not gateway.stopped:
            try:
                outcome = self.reaper.stop(gateway.pid, 2.0)
                gateway.returncode = outcome.returncode
            finally:
                self._forget(gateway)

    # -- helpers --------------------------------------------------------------

    def _default_alias(self) -> str:
        for n in itertools.count(1):
            alias = "gateway" if n == 1 else f"gateway-{n}"
            if alias not in self.gateways:
                return alias
        raise AssertionError("unreachable")

    def _log_path(self, output_dir: str, alias: str) -> str:
        # Keyed by pabot queue, PID and a counter: parallel pabot processes
        # sharing one output directory, and restarts of one alias, never
        # write into each other's log.
        return str(artifact_path("gateway", alias, ".log", Path(output_dir) / "perfgate"))


def _pick_port(port: int | None, templates: list[str], health: str) -> int | None:
    """The port to fill in for ``{port}``: `port` checked, or a free one when a template asks.

    None when nothing asks for a port and the health URL is a full URL.
    """
    needs_port = any("{port}" in text for text in templates)
    if port is None:
        if not needs_port and not health.startswith(("http://", "https://")):
            raise GatewayError(
                "Cannot tell which port the gateway listens on: put {port} in the command "
                "(PerfGate fills in a free one) or give port=."
            )
        return ports.free_port(_HOST) if needs_port else None
    if not 0 < port < 65536:
        raise GatewayError(f"Port must be between 1 and 65535, got {port}.")
    if ports.port_in_use(_HOST, port):
        raise GatewayError(
            f"Port {port} on {_HOST} is already in use; stop what is using it, or put "
            "{port} in the command to get a free port."
        )
    return port


def _full_url(health: str, port: int | None) -> str:
    """The health URL: as given when it is a URL, else the path on the gateway's port."""
    if health.startswith(("http://", "https://")):
        return health
    return f"http://{_HOST}:{port}/{health.lstrip('/')}"


def _port_of(url: str) -> int | None:
    parts = urlsplit(url)
    if parts.port is not None:
        return parts.port
    return 443 if parts.scheme == "https" else 80


@dataclass
class _HealthWait:
    """What the wait for health has seen: a path that keeps answering 404 fails it at
    once, and a wait longer than `_QUIET_WAIT_S` is told on the console, once."""

    gateway: Gateway
    timeout_s: float
    say: Log
    not_found_since: float | None = None
    told: bool = False

    def saw(self, result: Probe, elapsed_s: float) -> None:
        if result.status != 404:
            self.not_found_since = None
        elif self.not_found_since is None:
            self.not_found_since = elapsed_s
        elif elapsed_s - self.not_found_since >= _NOT_FOUND_S:
            url = redact.url(self.gateway.health_url)
            raise GatewayError(
                f"Gateway '{self.gateway.alias}' has no health path {urlsplit(url).path}: "
                f"{url} answered 404 Not Found for {_NOT_FOUND_S:g} s; pass health= a path "
                "it serves with 2xx (health=/ for its root)."
            )
        if not self.told and elapsed_s >= _QUIET_WAIT_S:
            self.told = True
            self.say(
                "CONSOLE",
                f"Waiting up to {self.timeout_s:g} s for gateway '{self.gateway.alias}' to "
                f"answer 2xx at {redact.url(self.gateway.health_url)} (now: {result.detail}).",
            )
