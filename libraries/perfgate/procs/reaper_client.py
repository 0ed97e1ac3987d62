"""The runner's side of the reaper: start it once, then ask it to spawn and stop.

One reaper serves one runner process (a `robot` run, or one pabot worker).
It is started lazily on the first spawn. Before starting it, leftovers of
earlier crashed runs are cleaned up (see registry), so a machine heals
itself on the next run even if nobody ran `perfgate cleanup`.

A thread watches the reaper. Should it die (someone SIGKILLs it), its
gateways die with it (parent-death signal), and the thread at once ends
what escaped them, from the registry and the tags; the next request fails
with one sentence saying so, and the gateways it owned read as killed.

The pipe protocol is robust to interruption: Robot Framework's timeouts and
Ctrl-C raise inside whatever the runner is doing, possibly halfway through a
request. Every request carries an id and answers to older ids are skipped,
and a request cut off mid-line is terminated before the next one is sent.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import selectors
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import perfgate
from perfgate import robotenv
from perfgate.artifacts import redact
from perfgate.procs import proctree, registry, statedir

_START_TIMEOUT_S = 30.0
_ANSWER_MARGIN_S = 30.0


class ReaperError(RuntimeError):
    """The reaper could not do what was asked (its message says why)."""


@dataclass
class StopOutcome:
    returncode: int | None
    how: str  # "terminated", "killed" or "already exited"
    killed: list[int] = field(default_factory=list)
    survivors: list[str] = field(default_factory=list)
    reason: str | None = None


class ReaperClient:
    def __init__(self, state_dir: str | None = None, anchors: list[int] | None = None) -> None:
        """`anchors`: further processes whose death ends everything, as the runner's does.

        By default, under pabot, that is pabot itself (the runner's parent).
        """
        self.state_dir = state_dir or registry.state_dir()
        self.anchors = anchors
        self.cleaned: list[registry.Leftover] = []
        self.warnings: list[str] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner = -1
        self._lock = threading.RLock()
        self._next_id = 0
        self._buffer = b""
        self._dirty = False
        self._closing = False
        self._spawned: set[int] = set()
        # PIDs of a reaper that died under us -> why they are gone.
        self._lost: dict[int, str] = {}
        self._death: str | None = None
        self._death_lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None and self._owner == os.getpid()

    # -- requests -----------------------------------------------------------

    def spawn(
        self,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        log: str | None = None,
        memory_limit: int | None = None,
    ) -> int:
        answer = self._call(
            {
                "op": "spawn",
                "argv": argv,
                # Masked here, where every secret name added by import is known.
                "shown_argv": redact.argv(argv),
                "env": env,
                "cwd": cwd,
                "log": log,
                "memory_limit": memory_limit,
            },
            timeout=_ANSWER_MARGIN_S,
        )
        self._spawned.add(int(answer["pid"]))
        return int(answer["pid"])

    def poll(self, pid: int) -> tuple[int | None, str | None]:
        """(returncode or None while running, reason it was killed by us or None)."""
        self._raise_if_died()
        if pid in self._lost:
            return -signal.SIGKILL, self._lost[pid]
        answer = self._call({"op": "poll", "pid": pid}, timeout=_ANSWER_MARGIN_S)
        return answer["returncode"], answer.get("reason")

    def stop(self, pid: int, timeout: float) -> StopOutcome:
        self._raise_if_died()
        if pid in self._lost:
            return StopOutcome(-signal.SIGKILL, "already exited", reason=self._lost[pid])
        answer = self._call(
            {"op": "stop", "pid": pid, "timeout": timeout}, timeout=timeout + _ANSWER_MARGIN_S
        )
        return StopOutcome(
            returncode=answer["returncode"],
            how=answer["how"],
            killed=answer.get("killed", []),
            survivors=answer.get("survivors", []),
            reason=answer.get("reason"),
        )

    def watch(self, pid: int) -> None:
        """Have the reaper kill `pid` when this runner goes away (e.g. load workers)."""
        self._call({"op": "watch", "pid": pid}, timeout=_ANSWER_MARGIN_S)

    def members(self, pid: int) -> list[int]:
        return list(self._call({"op": "members", "pid": pid}, timeout=_ANSWER_MARGIN_S)["pids"])

    def _raise_if_died(self) -> None:
        notice = self.take_death_notice()
        if notice is not None:
            raise ReaperError(notice)

    def take_death_notice(self) -> str | None:
        """The sentence about a reaper that died unasked, once; None if it lives or was told."""
        with self._lock:
            proc = self._proc
            if proc is None or self._owner != os.getpid() or proc.poll() is None or self._closing:
                return None
            self._proc = None
            return self._reaper_died(proc)

    def close(self, timeout: float = 15.0) -> None:
        """Ask the reaper to end everything it owns, and wait until it has."""
        with self._lock:
            proc, self._proc = self._proc, None
            if proc is None or self._owner != os.getpid():
                return
            self._closing = True
            if proc.stdin is not None:
                proc.stdin.close()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()

    # -- plumbing -----------------------------------------------------------

    def _ensure_started(self) -> subprocess.Popen[bytes]:
        if self.running():
            assert self._proc is not None
            return self._proc
        if self._proc is not None and self._owner == os.getpid():
            # It died since the last request: say so once, then start afresh.
            message = self._reaper_died(self._proc)
            self._proc = None
            raise ReaperError(message)
        sweep = registry.clean(self.state_dir)
        self.cleaned, self.warnings = sweep.leftovers, sweep.warnings
        command = [
            sys.executable,
            "-m",
            "perfgate.procs.reaper",
            "--runner",
            str(os.getpid()),
            "--state-dir",
            self.state_dir,
        ]
        anchors = self.anchors if self.anchors is not None else _default_anchors()
        for anchor in anchors:
            command += ["--anchor", str(anchor)]
        env = dict(os.environ)
        package_root = os.path.dirname(os.path.dirname(os.path.abspath(perfgate.__file__)))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        self._proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        self._owner = os.getpid()
        self._buffer = b""
        self._dirty = False
        self._closing = False
        self._death = None
        self._spawned = set()
        self._read_answer(None, _START_TIMEOUT_S)
        threading.Thread(
            target=self._watch, args=(self._proc,), name="perfgate-reaper-watch", daemon=True
        ).start()
        return self._proc

    def _watch(self, proc: subprocess.Popen[bytes]) -> None:
        """Wait for the reaper to exit; if nobody asked it to, clean up after it at once."""
        try:
            fd = os.pidfd_open(proc.pid)
        except OSError:
            return  # no pidfd (old kernel): the next request notices instead
        try:
            select.select([fd], [], [])
        finally:
            os.close(fd)
        if not self._closing and self._proc is proc:
            self._reaper_died(proc)

    def _reaper_died(self, proc: subprocess.Popen[bytes]) -> str:
        """End what the dead reaper owned (once); the sentence that explains it."""
        with self._death_lock:
            if self._death is None:
                code = proc.wait()
                how = proctree.describe_exit(code)
                for pid in self._spawned:
                    self._lost[pid] = (
                        f"lost its process reaper (pid {proc.pid}), which died with {how}"
                    )
                try:
                    ended = f"{len(registry.clean(self.state_dir).leftovers)} process(es)"
                except (OSError, statedir.UnsafeStateDirError) as exc:
                    # Gateways died with the reaper all the same; only escapees may remain.
                    ended = f"no escaped process (the registry could not be read: {exc})"
                self._death = (
                    f"PerfGate's process reaper (pid {proc.pid}) died with {how}; PerfGate ended "
                    f"the {len(self._spawned)} gateway(s) it owned and {ended} left of them: "
                    "start them again."
                )
            return self._death

    def _call(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        with self._lock:
            proc = self._ensure_started()
            assert proc.stdin is not None
            self._next_id += 1
            request["id"] = self._next_id
            line = json.dumps(request).encode() + b"\n"
            if self._dirty:
                line = b"\n" + line
            self._dirty = True
            written = 0
            while written < len(line):
                written += os.write(proc.stdin.fileno(), line[written:])
            self._dirty = False
            answer = self._read_answer(request["id"], timeout)
        if not answer.get("ok"):
            raise _error_from(answer)
        return answer

    def _read_answer(self, wanted: int | None, timeout: float) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while True:
                while b"\n" in self._buffer:
                    line, self._buffer = self._buffer.split(b"\n", 1)
                    answer = json.loads(line)
                    if answer.get("id") == wanted:
                        return dict(answer)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ReaperError(
                        f"PerfGate's process reaper did not answer within {timeout:.0f} s."
                    )
                if selector.select(min(remaining, 0.5)):
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        proc, self._proc = self._proc, None
                        raise ReaperError(self._reaper_died(proc))
                    self._buffer += chunk


def _default_anchors() -> list[int]:
    """Under pabot, pabot itself (this runner's parent); otherwise none.

    A killed pabot leaves its robot processes orphaned but running: their
    gateways must go with pabot all the same. pabot tells its robot
    processes who they are through Robot variables, not the environment.
    """
    return [os.getppid()] if robotenv.pabot_queue_index() is not None else []


def _error_from(answer: dict[str, Any]) -> Exception:
    kind = answer.get("kind")
    message = answer.get("error", "unknown error")
    if kind == "FileNotFoundError":
        return FileNotFoundError(answer.get("errno"), message)
    if kind == "PermissionError":
        return PermissionError(answer.get("errno"), message)
    if kind is not None:
        return OSError(answer.get("errno"), message)
    return ReaperError(message)


_client: ReaperClient | None = None
_client_lock = threading.Lock()


def get_reaper() -> ReaperClient:
    """This process's reaper client (a forked child gets its own)."""
    global _client
    with _client_lock:
        if _client is None or (_client._proc is not None and _client._owner != os.getpid()):
            _client = ReaperClient()
            atexit.register(_client.close)
        return _client


def watch_worker(pid: int) -> None:
    """Has the reaper kill load worker `pid` should this process be killed outright.

    A load run reaps its workers on every exception; the reaper covers the
    one way out it cannot see: this process being killed.
    """
    get_reaper().watch(pid)
