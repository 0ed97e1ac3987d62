"""The watchdog process that owns everything PerfGate starts.

Run as `python -m perfgate.reaper` by the test runner (see reaper_client).
It starts gateways on the runner's behalf, so it is their parent; it makes
itself a child subreaper, so processes that double-fork out of their group
are re-parented to it instead of init; and it kills everything it owns when
the runner goes away, however that happens: the runner closing the pipe,
exiting, or being killed with SIGKILL all look the same from here (end of
file on standard input).

Requests and answers are JSON lines on stdin/stdout:

    {"op": "spawn", "argv": [...], "env": {...}, "cwd": "...", "log": "...",
     "memory_limit": 268435456}          -> {"ok": true, "pid": 1234}
    {"op": "poll", "pid": 1234}           -> {"ok": true, "returncode": null, "reason": null}
    {"op": "stop", "pid": 1234, "timeout": 10}
        -> {"ok": true, "returncode": 0, "how": "terminated", "survivors": []}
    {"op": "watch", "pid": 5678}          -> {"ok": true}   (killed with the rest at the end)
    {"op": "members", "pid": 1234}        -> {"ok": true, "pids": [...]}
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import psutil

from perfgate import proctree, redact, registry

_PR_SET_CHILD_SUBREAPER = 36
_POLL_S = 0.05
_MEMORY_CHECK_S = 0.2
_KILL_WAIT_S = 5.0


@dataclass
class Spawned:
    pid: int
    tag: str
    argv: list[str]
    create_time: float
    memory_limit: int | None = None
    returncode: int | None = None
    reason: str | None = None
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)


class Reaper:
    """Owns the spawned processes; all methods run on the reaper's one thread."""

    def __init__(self, runner_pid: int, anchors: list[int], state_dir: str) -> None:
        self.runner_pid = runner_pid
        self.anchors = {pid: _create_time(pid) for pid in anchors}
        self.state_dir = state_dir
        self.me = psutil.Process()
        self.tag_prefix = registry.tag_prefix(os.getpid(), self.me.create_time())
        self.spawned: dict[int, Spawned] = {}
        self.watched: dict[int, float] = {}
        self.counter = 0
        self.stopping = False

    # -- requests ---------------------------------------------------------

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        try:
            if op == "spawn":
                return {"ok": True, "pid": self.spawn(request)}
            if op == "poll":
                self.reap()
                entry = self.spawned[int(request["pid"])]
                return {"ok": True, "returncode": entry.returncode, "reason": entry.reason}
            if op == "stop":
                return {"ok": True, **self.stop(int(request["pid"]), float(request["timeout"]))}
            if op == "watch":
                pid = int(request["pid"])
                self.watched[pid] = _create_time(pid)
                self.save()
                return {"ok": True}
            if op == "members":
                entry = self.spawned[int(request["pid"])]
                return {"ok": True, "pids": sorted(self.members(entry))}
            return {"ok": False, "error": f"unknown request {op!r}"}
        except KeyError as exc:
            return {"ok": False, "error": f"no process {exc} was started by this reaper"}
        except OSError as exc:
            return {"ok": False, "error": str(exc), "errno": exc.errno, "kind": type(exc).__name__}

    def spawn(self, request: dict[str, Any]) -> int:
        self.counter += 1
        tag = f"{self.tag_prefix}.{self.counter}"
        env = dict(request.get("env") or os.environ)
        env[proctree.TAG_VARIABLE] = tag
        log_path = request.get("log")
        with open(log_path or os.devnull, "ab") as log:
            popen = subprocess.Popen(
                request["argv"],
                cwd=request.get("cwd") or None,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
            )
        entry = Spawned(
            pid=popen.pid,
            tag=tag,
            argv=list(request["argv"]),
            create_time=_create_time(popen.pid),
            memory_limit=request.get("memory_limit"),
            popen=popen,  # kept so Popen never reaps behind our back (see reap)
        )
        self.spawned[popen.pid] = entry
        self.save()
        return popen.pid

    def stop(self, pid: int, timeout: float) -> dict[str, Any]:
        entry = self.spawned[pid]
        self.reap()
        before = self.members(entry)
        how = "already exited" if entry.returncode is not None else "terminated"
        if entry.returncode is None:
            proctree.signal_group(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while entry.returncode is None and time.monotonic() < deadline:
                time.sleep(0.01)
                self.reap()
            if entry.returncode is None:
                how = "killed"
        # Whatever is left of the tree (the root that ignored TERM, children
        # that left the group, grandchildren) gets KILL: a stopped gateway
        # leaves nothing behind.
        left = (before | self.members(entry)) - {os.getpid()}
        left = {p for p in left if proctree.alive(p)}
        if left:
            proctree.signal_group(pid, signal.SIGKILL)
            proctree.signal_pids(left, signal.SIGKILL)
        survivors = proctree.wait_gone(left | {pid}, _KILL_WAIT_S, reap=self.reap)
        # A process can look gone to /proc a moment before its exit status
        # can be collected; the caller wants the status.
        deadline = time.monotonic() + _KILL_WAIT_S
        while entry.returncode is None and pid not in survivors and time.monotonic() < deadline:
            self.reap()
            time.sleep(0.005)
        self.save()
        return {
            "returncode": entry.returncode,
            "how": how,
            "killed": sorted(left - {pid}),
            "survivors": [proctree.describe_pid(p) for p in sorted(survivors)],
            "reason": entry.reason,
        }

    # -- bookkeeping ------------------------------------------------------

    def members(self, entry: Spawned) -> set[int]:
        try:
            adopted = self.me.children(recursive=True)
        except psutil.Error:
            adopted = []
        return proctree.members(entry.pid, entry.tag, adopted, root_alive=entry.returncode is None)

    def reap(self) -> None:
        """Collect the exit status of every child, ours or adopted.

        As a subreaper this process inherits orphans; not waiting for them
        would leave zombies. Popen objects are kept alive so that their
        own lazy `waitpid(pid)` never runs and steals a status from here.
        """
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            entry = self.spawned.get(pid)
            if entry is not None and entry.returncode is None:
                entry.returncode = os.waitstatus_to_exitcode(status)

    def check_memory(self) -> None:
        for entry in self.spawned.values():
            if entry.memory_limit is None or entry.returncode is not None:
                continue
            rss = _tree_rss(entry.pid)
            if rss > entry.memory_limit:
                entry.reason = (
                    f"exceeded its memory limit of {entry.memory_limit / 2**20:.0f} MiB "
                    f"(resident memory reached {rss / 2**20:.0f} MiB)"
                )
                pids = self.members(entry)
                proctree.signal_group(entry.pid, signal.SIGKILL)
                proctree.signal_pids(pids, signal.SIGKILL)

    def runner_gone(self) -> bool:
        return any(_create_time(pid) != created for pid, created in self.anchors.items())

    def end_orphaned_runner(self) -> None:
        """If an anchor (pabot) died but the runner lives on, stop the runner too.

        A robot process whose pabot is gone runs tests nobody will read;
        SIGTERM lets it stop gracefully, as if Ctrl-C had reached it.
        """
        if _create_time(self.runner_pid) == self.anchors[self.runner_pid]:
            proctree.signal_pids([self.runner_pid], signal.SIGTERM)

    def kill_everything(self, grace_s: float = 2.0) -> None:
        """End every process we started or were told about, then the orphans.

        All trees get SIGTERM at once and share one grace period, so ten
        stubborn gateways take `grace_s`, not ten times that.
        """
        self.stopping = True
        for pid, created in self.watched.items():
            if _create_time(pid) == created:
                proctree.signal_pids([pid], signal.SIGKILL)
        self.reap()
        live = [e for e in self.spawned.values() if e.returncode is None or self.members(e)]
        for entry in live:
            proctree.signal_group(entry.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while any(e.returncode is None for e in live) and time.monotonic() < deadline:
            time.sleep(0.01)
            self.reap()
        for entry in live:
            pids = self.members(entry)
            proctree.signal_group(entry.pid, signal.SIGKILL)
            proctree.signal_pids(pids, signal.SIGKILL)
        # Anything else re-parented to us belongs to something we started.
        try:
            rest = [p.pid for p in self.me.children(recursive=True)]
        except psutil.Error:
            rest = []
        proctree.signal_pids(rest, signal.SIGKILL)
        proctree.wait_gone(rest, _KILL_WAIT_S, reap=self.reap)
        self.reap()
        registry.remove(self.state_dir, os.getpid())

    def save(self) -> None:
        registry.write(
            self.state_dir,
            os.getpid(),
            {
                "reaper": {"pid": os.getpid(), "create_time": self.me.create_time()},
                "runner": {"pid": self.runner_pid, "create_time": self.anchors[self.runner_pid]},
                "tag_prefix": self.tag_prefix,
                "processes": [
                    {
                        "pid": e.pid,
                        "create_time": e.create_time,
                        "tag": e.tag,
                        "argv": redact.argv(e.argv),
                    }
                    for e in self.spawned.values()
                    if e.returncode is None
                ]
                + [
                    {"pid": p, "create_time": c, "tag": None, "argv": []}
                    for p, c in self.watched.items()
                ],
            },
        )


def _create_time(pid: int) -> float:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return -1.0


def _tree_rss(pid: int) -> int:
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
    return total


def become_subreaper() -> bool:
    """Make orphaned descendants re-parent to this process (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def serve(reaper: Reaper) -> None:
    stop_signal: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stop_signal.append(signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    # Ctrl-C in the runner's terminal is the runner's business; the runner
    # tells us (or disappears) when it is time to go.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    stdin = sys.stdin.buffer
    out = sys.stdout
    os.set_blocking(stdin.fileno(), False)
    selector = selectors.DefaultSelector()
    selector.register(stdin, selectors.EVENT_READ)
    buffer = b""
    next_memory_check = 0.0
    out.write(json.dumps({"ok": True, "ready": True, "pid": os.getpid()}) + "\n")
    out.flush()
    while not stop_signal:
        eof = False
        if selector.select(_POLL_S):
            chunk = os.read(stdin.fileno(), 65536)
            eof = not chunk
            buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line.strip():
                answer = _answer(reaper, line)
                out.write(json.dumps(answer) + "\n")
                out.flush()
        reaper.reap()
        now = time.monotonic()
        if now >= next_memory_check:
            reaper.check_memory()
            next_memory_check = now + _MEMORY_CHECK_S
        if eof:
            break
        if reaper.runner_gone():
            reaper.kill_everything()
            reaper.end_orphaned_runner()
            return
    reaper.kill_everything()


def _answer(reaper: Reaper, line: bytes) -> dict[str, Any]:
    try:
        request = json.loads(line)
    except ValueError:
        # A request cut off by a signal in the runner; the runner ends it
        # with a newline and has long stopped waiting for it.
        return {"ok": False, "error": "malformed request", "id": None}
    answer = reaper.handle(request)
    answer["id"] = request.get("id")
    return answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="perfgate-reaper")
    parser.add_argument("--runner", type=int, required=True)
    parser.add_argument("--anchor", type=int, action="append", default=[])
    parser.add_argument("--state-dir", required=True)
    args = parser.parse_args(argv)
    become_subreaper()
    reaper = Reaper(args.runner, [args.runner, *args.anchor], args.state_dir)
    reaper.save()
    try:
        serve(reaper)
    except BrokenPipeError:
        reaper.kill_everything()
    return 0


if __name__ == "__main__":
    sys.exit(main())
