"""The on-disk registry of processes PerfGate started, for cleaning up after crashes.

Each reaper keeps one small JSON file, `<state dir>/<reaper pid>.json`,
naming the runner it serves and the processes it owns. A file whose reaper
and runner are both gone describes leftovers of a crashed run: the next run,
or `perfgate cleanup`, ends those processes (checking each PID's start time,
so that a reused PID is never killed) and removes the file.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from perfgate import proctree
from perfgate.artifacts import write_json_atomic

STATE_DIR_VARIABLE = "PERFGATE_STATE_DIR"


def state_dir() -> str:
    """Where registries live: $PERFGATE_STATE_DIR, else a per-user folder in the temp dir."""
    configured = os.environ.get(STATE_DIR_VARIABLE)
    if configured:
        return configured
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return os.path.join(base, f"perfgate-{os.getuid()}", "registry")


def tag_prefix(reaper_pid: int, reaper_create_time: float) -> str:
    """A reaper's tag prefix; it names the reaper so a tag tells whose process it is."""
    return f"{reaper_pid}.{int(reaper_create_time * 1000)}"


def write(directory: str, reaper_pid: int, content: dict[str, Any]) -> None:
    os.makedirs(directory, exist_ok=True)
    write_json_atomic(os.path.join(directory, f"{reaper_pid}.json"), content, indent=None)


def remove(directory: str, reaper_pid: int) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(os.path.join(directory, f"{reaper_pid}.json"))


@dataclass
class Leftover:
    pid: int
    description: str
    registry_file: str


def _matches(pid: int, create_time: float) -> bool:
    try:
        return abs(psutil.Process(pid).create_time() - create_time) < 0.01
    except psutil.Error:
        return False


def _owner_alive(content: dict[str, Any]) -> bool:
    reaper = content.get("reaper", {})
    runner = content.get("runner", {})
    return _matches(reaper.get("pid", -1), reaper.get("create_time", -1)) or _matches(
        runner.get("pid", -1), runner.get("create_time", -1)
    )


def _live_prefixes(directory: str) -> set[str]:
    """Tag prefixes of reapers whose registry says they, or their runner, still run."""
    prefixes = set()
    for path in Path(directory).glob("*.json"):
        with contextlib.suppress(OSError, ValueError):
            content = json.loads(path.read_text())
            if _owner_alive(content):
                prefixes.add(content["tag_prefix"])
    return prefixes


def find_leftovers(directory: str | None = None) -> list[Leftover]:
    """Processes started by PerfGate runs that are no longer running.

    Two sources: registry files whose owner is gone, and any process whose
    environment carries a PerfGate tag from a reaper that is gone (this finds
    leftovers even when a registry file was lost).
    """
    directory = directory or state_dir()
    found: dict[int, Leftover] = {}
    for path in Path(directory).glob("*.json"):
        try:
            content = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if _owner_alive(content):
            continue
        for proc in content.get("processes", []):
            if _matches(proc["pid"], proc["create_time"]):
                found[proc["pid"]] = Leftover(
                    proc["pid"], proctree.describe_pid(proc["pid"]), str(path)
                )
    live = _live_prefixes(directory)
    me = os.getpid()
    for proc in psutil.process_iter():
        if proc.pid == me or proc.pid in found:
            continue
        tag = proctree.tag_of(proc)
        if tag is None:
            continue
        prefix = tag.rsplit(".", 1)[0]
        reaper_pid, _, millis = prefix.partition(".")
        if prefix in live or _reaper_matches(int(reaper_pid), millis):
            continue
        found[proc.pid] = Leftover(proc.pid, proctree.describe_pid(proc.pid), "")
    return sorted(found.values(), key=lambda leftover: leftover.pid)


def _reaper_matches(pid: int, millis: str) -> bool:
    try:
        return str(int(psutil.Process(pid).create_time() * 1000)) == millis
    except psutil.Error:
        return False


def clean(directory: str | None = None) -> list[Leftover]:
    """Kill every leftover and remove stale registry files; return what was killed."""
    directory = directory or state_dir()
    leftovers = find_leftovers(directory)
    proctree.signal_pids([item.pid for item in leftovers], signal.SIGKILL)
    proctree.wait_gone([item.pid for item in leftovers], 5.0)
    for path in Path(directory).glob("*.json"):
        with contextlib.suppress(OSError, ValueError):
            if not _owner_alive(json.loads(path.read_text())):
                path.unlink()
    return leftovers
