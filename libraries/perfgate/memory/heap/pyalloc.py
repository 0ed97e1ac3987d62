"""Allocation sites of a Python gateway, through ``memray attach`` (issue 18).

``memray attach PID`` has gdb stop the process for about a second and load
memray's tracker into it; from then on every allocation and free is
recorded in the gateway's own process, and ``memray detach PID`` stops the
tracker, which writes its file. With ``--aggregate`` the file holds, per
stack, what is still allocated at the end: the sites that kept memory over
the window, which is what a leak is. ``--trace-python-allocators`` sees each
Python object, not the 256 KiB pymalloc arenas they live in (an arena is
charged to whichever object happened to open it).

Python keeps no object ids across time for a snapshot comparison as V8
does, so for Python the window between Start and Stop Allocation Tracking
is the comparison: what it allocated and still holds, by site.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from perfgate.memory.heap.debugger import gdb_refusal, last_line
from perfgate.memory.heap.pause import PauseProbe
from perfgate.memory.heap.sampling import AllocationProfile, AllocationSite
from perfgate.memory.heap.targets import PythonTarget

ATTACH_TIMEOUT_S = 30.0
_ATTACH_OPTIONS = ("-f", "--aggregate", "--trace-python-allocators", "--no-compress")
# memray's own command names and messages, matched to say in one sentence what went wrong.
_PTRACE = ("Failed to attach a debugger", "permission to trace", "ptrace:")
_NO_MEMRAY = "No module named 'memray'"
_NOT_PYTHON = ("does not seem to be running Python", "Failed to execute our gdb script")
_GONE = "does not exist"


class PythonTracker:
    """memray attached to every Python process of `target`, from `start` to `stop`."""

    interval_bytes = 0  # memray records every allocation; it does not sample

    def __init__(self, target: PythonTarget, alias: str, output: Path) -> None:
        self.target = target
        self.alias = alias
        self._output = output  # one file per process: <stem>-<pid>.bin
        self._files: dict[int, Path] = {}
        self._began = 0.0
        self.attach_s = 0.0
        self.pause_s: float | None = None  # the longest wait of the health URL while attaching

    def start(self, timeout_s: float = ATTACH_TIMEOUT_S) -> None:
        """Attach to each process; ValueError or ConnectionError in one sentence when impossible."""
        if shutil.which("gdb") is None:
            raise ValueError(
                "memray attaches to a running Python gateway through gdb, which is not "
                "installed: apt-get install gdb (.ci/run does), or start the gateway under "
                "memray run yourself."
            )
        pids = self.target.pids()
        if not pids:
            raise ConnectionError(f"{_capital(self.target.label)} is not running.")
        refusal = gdb_refusal()
        if refusal is not None:
            raise ValueError(
                f"PerfGate did not attach memray to {self.target.label}: this machine's "
                f"{refusal}; install gdb 14 or newer, or start the gateway under memray run "
                "yourself."
            )
        self._began = time.monotonic()
        try:
            # gdb stops the process while it loads the tracker: the gateway's wait, measured.
            with PauseProbe(self.target.health_url, timeout_s) as pause:
                for pid in pids:
                    path = self._output.with_name(f"{self._output.stem}-{pid}.bin")
                    self._memray("attach", pid, timeout_s, "-o", str(path), *_ATTACH_OPTIONS)
                    self._files[pid] = path
        except BaseException:
            self.abandon()
            raise
        self.attach_s = time.monotonic() - self._began
        self.pause_s = pause.longest_s

    def stop(self, timeout_s: float = 60.0) -> AllocationProfile:
        """Detach from every process and read what each kept, by site."""
        if not self._files:
            raise ValueError(f"allocation tracking '{self.alias}' is not running.")
        files, self._files = self._files, {}
        for pid in files:
            self._memray("detach", pid, timeout_s)
        sites = read_sites([files[pid] for pid in files])
        duration = time.monotonic() - self._began
        kept = sum(site.bytes for site in sites)
        label = self.target.label + (f" ({len(files)} processes)" if len(files) > 1 else "")
        return AllocationProfile(
            label, duration, 0, kept, sites, files=[str(path) for path in files.values()]
        )

    def abandon(self) -> None:
        """Detach wherever still attached, ignoring failures: a test forgot to stop, or start failed."""
        files, self._files = self._files, {}
        for pid in files:
            with contextlib.suppress(ValueError, ConnectionError, TimeoutError):
                self._memray("detach", pid, ATTACH_TIMEOUT_S)

    def _memray(self, command: str, pid: int, timeout_s: float, *options: str) -> None:
        argv = [sys.executable, "-m", "memray", command, str(pid), *options, "--method", "gdb"]
        # A session of its own: on a timeout gdb goes with memray, and a gdb
        # left behind would keep the gateway traced.
        with subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        ) as running:
            try:
                output, _ = running.communicate(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                _kill_session(running)
                raise TimeoutError(
                    f"memray {command} did not finish within {timeout_s:g} s for "
                    f"{self.target.label} (pid {pid}): its Python runs injected code between "
                    "bytecodes, so a main thread blocked in one long call delays it."
                ) from None
            except BaseException:  # Robot's timeout, Ctrl-C: gdb must not outlive it either
                _kill_session(running)
                raise
        if running.returncode != 0:
            raise self._failure(command, pid, output)

    def _failure(self, command: str, pid: int, output: str) -> Exception:
        """memray's failure as one sentence saying why and what to do."""
        who = f"{self.target.label} (pid {pid})"
        if _GONE in output or self.target.exit_status() is not None:
            status = self.target.exit_status() or "it is no longer running."
            return ConnectionError(f"{_capital(who)} exited during allocation tracking: {status}")
        if any(mark in output for mark in _PTRACE):
            return ValueError(
                f"The kernel refused to let gdb trace {who} (ptrace: Yama's "
                "kernel.yama.ptrace_scope, a container without CAP_SYS_PTRACE, another user's "
                "process, or a debugger already attached): allow ptrace (sysctl "
                "kernel.yama.ptrace_scope=0, docker run --cap-add=SYS_PTRACE) or start the "
                "gateway under memray run yourself."
            )
        if _NO_MEMRAY in output:
            return ValueError(
                f"The Python of {who} cannot import memray: install memray {_version()} in the "
                "gateway's environment (pip install memray), or run the gateway on the Python "
                "PerfGate runs on."
            )
        if any(mark in output for mark in _NOT_PYTHON):
            return ValueError(
                f"memray cannot attach to the interpreter of {who} (gdb finds no CPython 3.7+ "
                "symbols in it, as in a statically linked or stripped build): run the gateway "
                "on a CPython with memray installed, or under memray run yourself."
            )
        return ConnectionError(f"memray {command} failed for {who}: {last_line(output, '')}")


def read_sites(paths: list[Path]) -> list[AllocationSite]:
    """What the files' allocations still held at the end, summed per innermost Python frame."""
    import memray  # only here: reading is the one use in PerfGate's own process

    kept: Counter[tuple[str, str, int]] = Counter()
    for path in paths:
        try:
            records = memray.FileReader(os.fspath(path)).get_leaked_allocation_records(
                merge_threads=True
            )
        except (OSError, RuntimeError) as exc:
            raise ValueError(
                f"memray's file {path} cannot be read ({exc}): the gateway's memray must be "
                f"the version PerfGate has ({_version()})."
            ) from None
        for record in records:
            stack = record.stack_trace(1)
            function, file, line = stack[0] if stack else ("", "", 0)
            kept[(function, file, int(line))] += int(record.size)
    return [
        AllocationSite(function, file, line, size)
        for (function, file, line), size in kept.most_common()
        if size > 0
    ]


def _kill_session(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    # gdb, memray's child, holds the target traced until it has exited, which SIGKILL
    # does a moment later on a busy machine: wait (bounded) for the group to be gone.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def _version() -> str:
    from importlib.metadata import version

    return version("memray")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
