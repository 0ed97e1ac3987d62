"""The watchdog process that owns everything PerfGate starts.

Run as `python -m perfgate.procs.reaper` by the test runner (see reaper_client).
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

from perfgate.artifacts import redact
from perfgate.procs import lifeline, proctree, registry
from perfgate.procs.proctree import Identity

_POLL_S = 0.05
# How often the trees are walked: memory limits, and every descendant
# attributed to its gateway while it is still inside the tree (a daemon that
# scrubs its environment and leaves its session is known only this way).
_TRACK_S = 0.2
_TRACK_ON_POLL_S = 0.02
_KILL_WAIT_S = 5.0


@dataclass
class Spawned:
    identity: Identity
    tag: str
    argv: list[str]  # as it may be shown: secrets masked (see redact)
    memory_limit: int | None = None
    returncode: int | None = None
    reason: str | None = None
    # Every process ever seen in this gateway's tree: how an escapee that
    # scrubbed its environment is still known as this gateway's.
    known: set[Identity] = field(default_factory=set)
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.identity.pid

    @property
    def reaped(self) -> bool:
        """True once its exit status was collected: from then on its PID may be reused."""
        return self.returncode is not None


class Reaper:
    """Owns the spawned processes; all methods run on the reaper's one thread."""

    def __init__(self, runner_pid: int, anchors: list[int], state_dir: str) -> None:
        self.me = psutil.Process()
        self.identity = _identity(os.getpid())
        self.runner = _identity(runner_pid)
        self.anchors = [_identity(pid) for pid in anchors]
        self.state_dir = state_dir
        self.tag_prefix = registry.tag_prefix(state_dir, self.identity)
        self.spawned: dict[int, Spawned] = {}
        self.watched: set[Identity] = set()
        self.unattributed: set[Identity] = set()
        self.counter = 0
        self.stopping = False
        self.last_track = -_TRACK_S

    # -- requests ---------------------------------------------------------

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        try:
            if op == "spawn":
                return {"ok": True, "pid": self.spawn(request)}
            if op == "poll":
                # Start Gateway polls until healthy: daemons forked during start-up
                # are known (and in the registry) by the time it returns.
                self.track_due(_TRACK_ON_POLL_S)
                self.reap()
                entry = self.spawned[int(request["pid"])]
                return {"ok": True, "returncode": entry.returncode, "reason": entry.reason}
            if op == "stop":
                return {"ok": True, **self.stop(int(request["pid"]), float(request["timeout"]))}
            if op == "watch":
                self.watch(int(request["pid"]))
                return {"ok": True}
            if op == "members":
                entry = self.spawned[int(request["pid"])]
                return {"ok": True, "pids": sorted(i.pid for i in self.members(entry))}
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
        me = os.getpid()
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
                preexec_fn=lambda: _prepare_child(me),
            )
        entry = Spawned(
            identity=_identity(popen.pid),
            tag=tag,
            argv=list(request.get("shown_argv") or redact.argv(request["argv"])),
            memory_limit=request.get("memory_limit"),
            popen=popen,  # kept so Popen never reaps behind our back (see reap)
        )
        self.spawned[popen.pid] = entry
        self.save()
        return popen.pid

    def watch(self, pid: int) -> None:
        identity = proctree.identify(pid)
        if identity is None:
            raise OSError(3, f"process {pid} is not running")
        self.watched.add(identity)
        self.save()

    def stop(self, pid: int, timeout: float) -> dict[str, Any]:
        entry = self.spawned[pid]
        self.reap()
        before = self.members(entry)
        how = "already exited" if entry.reaped else "terminated"
        if not entry.reaped:
            proctree.signal_group(entry.identity, signal.SIGTERM, leader_is_ours=True)
            deadline = time.monotonic() + timeout
            while not entry.reaped and time.monotonic() < deadline:
                time.sleep(0.01)
                self.reap()
                self.track_due()  # memory limits hold during a slow stop too
            if not entry.reaped:
                how = "killed"
        # Whatever is left of the tree (the root that ignored TERM, children
        # that left the group, escapees) gets KILL: a stopped gateway leaves
        # nothing behind.
        left = {i for i in before | self.members(entry) if proctree.is_running(i)}
        if left:
            self.kill_tree(entry, left)
        survivors = proctree.wait_gone(left, _KILL_WAIT_S, reap=self.reap)
        # A process can look gone to /proc a moment before its exit status
        # can be collected; the caller wants the status.
        deadline = time.monotonic() + _KILL_WAIT_S
        while not entry.reaped and entry.identity not in survivors:
            if time.monotonic() >= deadline:
                break
            self.reap()
            time.sleep(0.005)
        self.save()
        return {
            "returncode": entry.returncode,
            "how": how,
            "killed": sorted(i.pid for i in left if i != entry.identity),
            "survivors": [proctree.describe_pid(i.pid) for i in sorted(survivors)],
            "reason": entry.reason,
        }

    # -- bookkeeping ------------------------------------------------------

    def descendants(self) -> list[psutil.Process]:
        try:
            return list(self.me.children(recursive=True))
        except psutil.Error:
            return []

    def members(self, entry: Spawned, adopted: list[psutil.Process] | None = None) -> set[Identity]:
        """Every live process of `entry`'s gateway; remembers them in `entry.known`."""
        found = proctree.members(
            entry.identity,
            entry.tag,
            self.descendants() if adopted is None else adopted,
            root_is_ours=not entry.reaped,
            known=entry.known,
        )
        if found - entry.known:
            entry.known |= found
            self.save()  # so that a cleanup after our death knows them too
        return found

    def kill_tree(self, entry: Spawned, members: set[Identity] | None = None) -> None:
        pids = self.members(entry) if members is None else members
        proctree.signal_group(entry.identity, signal.SIGKILL, leader_is_ours=not entry.reaped)
        proctree.signal_all(pids, signal.SIGKILL)

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

    def track_due(self, interval: float = _TRACK_S) -> None:
        now = time.monotonic()
        if now >= self.last_track + interval:
            self.last_track = now
            self.track()

    def track(self) -> None:
        """Walk every live tree: attribute descendants, enforce memory limits."""
        adopted = self.descendants()
        live = [e for e in self.spawned.values() if not e.reaped or e.known]
        if not live and not adopted:
            return
        claimed: set[Identity] = set()
        for entry in live:
            members = self.members(entry, adopted)
            claimed |= members
            if entry.memory_limit is not None and not entry.reaped and members:
                self.check_memory(entry, members)
        if self.attribute_orphans(adopted, claimed, live):
            self.save()

    def attribute_orphans(
        self, adopted: list[psutil.Process], claimed: set[Identity], live: list[Spawned]
    ) -> bool:
        """Descendants no tree claims: one running gateway owns them, else nobody can tell.

        True when one was attributed or set aside that was not before.
        """
        changed = False
        for proc in adopted:
            identity = proctree.identify(proc.pid)
            if identity is None or identity in claimed or not proctree.is_running(identity):
                continue
            running = [e for e in live if not e.reaped]
            owner = running[0].known if len(running) == 1 else self.unattributed
            changed = changed or identity not in owner
            owner.add(identity)
        self.unattributed = {i for i in self.unattributed if proctree.is_running(i)}
        return changed

    def check_memory(self, entry: Spawned, members: set[Identity]) -> None:
        assert entry.memory_limit is not None
        pss = sum(_pss(identity) for identity in members)
        if pss > entry.memory_limit:
            entry.reason = (
                f"exceeded its memory limit of {entry.memory_limit / 2**20:.0f} MiB "
                f"(the proportional set size, PSS, of its {len(members)} process(es) "
                f"reached {pss / 2**20:.0f} MiB)"
            )
            self.kill_tree(entry, members)

    def runner_gone(self) -> bool:
        return not all(proctree.is_running(anchor) for anchor in self.anchors)

    def end_orphaned_runner(self) -> None:
        """If an anchor (pabot) died but the runner lives on, stop the runner too.

        A robot process whose pabot is gone runs tests nobody will read;
        SIGTERM lets it stop gracefully, as if Ctrl-C had reached it.
        """
        proctree.send_signal(self.runner, signal.SIGTERM)

    def kill_everything(self, grace_s: float = 1.0) -> None:
        """End every process we started or were told about, then the orphans.

        All trees get SIGTERM at once and share one grace period, so ten
        stubborn gateways take `grace_s`, not ten times that: a well-behaved
        gateway exits in milliseconds, and nothing outlives a dead runner by
        more than about a second.
        """
        self.stopping = True
        proctree.signal_all(self.watched, signal.SIGKILL)
        self.reap()
        live = [e for e in self.spawned.values() if not e.reaped or self.members(e)]
        for entry in live:
            proctree.signal_group(entry.identity, signal.SIGTERM, leader_is_ours=not entry.reaped)
        deadline = time.monotonic() + grace_s
        while any(not e.reaped for e in live) and time.monotonic() < deadline:
            time.sleep(0.01)
            self.reap()
        for entry in live:
            self.kill_tree(entry)
        # Anything else re-parented to us belongs to something we started.
        rest = {i for i in map(proctree.identify, (p.pid for p in self.descendants())) if i}
        proctree.signal_all(rest | self.unattributed, signal.SIGKILL)
        proctree.wait_gone(rest | self.unattributed, _KILL_WAIT_S, reap=self.reap)
        self.reap()
        registry.remove(self.state_dir, self.identity)

    def save(self) -> None:
        processes: list[dict[str, Any]] = []
        for entry in self.spawned.values():
            if not entry.reaped:
                processes.append({**entry.identity.to_dict(), "tag": entry.tag, "argv": entry.argv})
            processes += [
                {**i.to_dict(), "tag": entry.tag, "argv": []}
                for i in sorted(entry.known - {entry.identity})
                if proctree.is_running(i)
            ]
        for identity in sorted(self.watched | self.unattributed):
            processes.append({**identity.to_dict(), "tag": None, "argv": []})
        registry.write(
            self.state_dir,
            self.identity,
            {
                "reaper": self.identity.to_dict(),
                "runner": self.runner.to_dict(),
                "tag_prefix": self.tag_prefix,
                "processes": processes,
            },
        )


def _prepare_child(reaper_pid: int) -> None:
    """Runs in a gateway between fork and exec; both settings survive the exec.

    It dies with us even when we are SIGKILLed; and it becomes the
    subreaper of its own descendants, so that a daemon it double-forks is
    re-parented to it, not to us, and so stays in its tree, known as its
    own even after scrubbing its environment and leaving its session.
    """
    lifeline.bind_to_parent(reaper_pid)
    lifeline.become_subreaper()


def _identity(pid: int) -> Identity:
    identity = proctree.identify(pid)
    if identity is None:
        # The runner (or pabot) died before we looked: an identity that no
        # process has, so that runner_gone() is true at once.
        return Identity(pid, 0)
    return identity


def _pss(identity: Identity) -> int:
    """Proportional set size: pages shared by forked workers are counted once in all."""
    try:
        proc = psutil.Process(identity.pid)
        if proctree.identify(identity.pid) != identity:
            return 0
        return int(proc.memory_full_info().pss)
    except (psutil.Error, AttributeError):
        return 0


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
        reaper.track_due()
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
    lifeline.become_subreaper()
    reaper = Reaper(args.runner, [args.runner, *args.anchor], args.state_dir)
    reaper.save()
    try:
        serve(reaper)
    except BrokenPipeError:
        reaper.kill_everything()
    return 0


if __name__ == "__main__":
    sys.exit(main())
