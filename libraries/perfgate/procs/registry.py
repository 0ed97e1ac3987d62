"""The on-disk registry of processes PerfGate started, for cleaning up after crashes.

Each reaper keeps one small JSON file, ``<state dir>/registry/<reaper pid>.json``
(mode 0600, in a directory only this user can write; see statedir), naming
the runner it serves and the processes it owns. A file whose reaper is gone
describes leftovers: the next run, `perfgate cleanup`, or the runner that
sees its reaper die ends those processes and removes the file.

Nothing read here is trusted blindly. A file is parsed against the schema
below, and a malformed one is skipped with a warning naming it: never a
crash, never a kill. A process is killed only when it is still the one the
file names (PID and start time in clock ticks, see proctree.Identity) and
belongs to this user. The sweep for processes that lost their registry
file (tag in the environment) likewise touches only this user's processes
whose tag names this very state directory and a reaper that is gone.

    {"version": 2, "state_id": "3f2a…", "tag_prefix": "3f2a….4242.9121",
     "reaper": {"pid": 4242, "start": 9121}, "runner": {"pid": 4200, "start": 9001},
     "processes": [{"pid": 4250, "start": 9130, "tag": "3f2a….4242.9121.1", "argv": [...]}]}
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from perfgate.artifacts.paths import write_json_atomic
from perfgate.procs import proctree, statedir
from perfgate.procs.proctree import Identity

SCHEMA_VERSION = 2
_KILL_WAIT_S = 5.0


def state_dir() -> str:
    """The state directory of this user (see statedir.base_dir)."""
    return str(statedir.base_dir())


def registry_dir(state: str | os.PathLike[str]) -> Path:
    """``<state>/registry``, created 0700 and verified; raises UnsafeStateDirError."""
    return statedir.private_dir("registry", base=state)


def tag_prefix(state: str | os.PathLike[str], reaper: Identity) -> str:
    """A reaper's tag prefix: names the state directory and the reaper, so a tag says whose."""
    return f"{statedir.state_id(state)}.{reaper.pid}.{reaper.start}"


def write(state: str | os.PathLike[str], reaper: Identity, content: dict[str, Any]) -> None:
    path = registry_dir(state) / f"{reaper.pid}.json"
    write_json_atomic(path, {"version": SCHEMA_VERSION, **content}, indent=None, mode=0o600)


def remove(state: str | os.PathLike[str], reaper: Identity) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(registry_dir(state) / f"{reaper.pid}.json")


@dataclass
class Entry:
    """One process a registry file names."""

    identity: Identity
    tag: str | None
    argv: list[str]


@dataclass
class RegistryFile:
    path: Path
    reaper: Identity
    runner: Identity
    tag_prefix: str
    processes: list[Entry] = field(default_factory=list)


@dataclass
class Leftover:
    pid: int
    description: str
    registry_file: str
    identity: Identity | None = None


class SchemaError(ValueError):
    """A registry file does not have the shape PerfGate writes."""


def _identity(value: Any, what: str) -> Identity:
    if not isinstance(value, dict):
        raise SchemaError(f"{what} is not an object")
    pid, start = value.get("pid"), value.get("start")
    if type(pid) is not int or type(start) is not int or pid <= 1 or start < 0:
        raise SchemaError(f"{what} needs an integer pid above 1 and start time")
    return Identity(pid, start)


def _entry(value: Any, prefix: str) -> Entry:
    identity = _identity(value, "a process")
    tag, argv = value.get("tag"), value.get("argv", [])
    if tag is not None and (not isinstance(tag, str) or not tag.startswith(prefix + ".")):
        raise SchemaError("a process's tag is not one of this reaper's")
    if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
        raise SchemaError("a process's argv is not a list of strings")
    return Entry(identity, tag, argv)


def parse(path: Path, content: Any, state_id: str) -> RegistryFile:
    """The registry file `content` as read from `path`; raises SchemaError."""
    if not isinstance(content, dict) or content.get("version") != SCHEMA_VERSION:
        raise SchemaError(f"it is not a version {SCHEMA_VERSION} registry object")
    reaper = _identity(content.get("reaper"), "the reaper")
    runner = _identity(content.get("runner"), "the runner")
    prefix = content.get("tag_prefix")
    if prefix != f"{state_id}.{reaper.pid}.{reaper.start}":
        raise SchemaError("its tag prefix does not name this state directory and its reaper")
    if path.name != f"{reaper.pid}.json":
        raise SchemaError("its name is not its reaper's PID")
    processes = content.get("processes")
    if not isinstance(processes, list):
        raise SchemaError("its processes are not a list")
    return RegistryFile(path, reaper, runner, prefix, [_entry(p, prefix) for p in processes])


def _read_own_file(path: Path) -> Any:
    """The JSON in `path`, refusing links and files that are not this user's."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise SchemaError("it is not a regular file")
        if info.st_uid != os.geteuid():
            raise SchemaError(f"it belongs to uid {info.st_uid}, not to you")
        if info.st_mode & 0o022:
            raise SchemaError("others may write it")
        return json.loads(handle.read(1 << 20))


def read_all(state: str | os.PathLike[str]) -> tuple[list[RegistryFile], list[str]]:
    """Every well-formed registry file, and one warning per file skipped."""
    directory = registry_dir(state)
    state_id = statedir.state_id(state)
    files, warnings = [], []
    for path in sorted(directory.glob("*.json")):
        try:
            files.append(parse(path, _read_own_file(path), state_id))
        except FileNotFoundError:
            continue  # its reaper removed it while we looked
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            warnings.append(
                f"PerfGate skipped the registry file '{path}' because {reason}; "
                "nothing it names was touched (delete it if you did not put it there)."
            )
    return files, warnings


@dataclass
class Sweep:
    """What a look at the registry found: leftovers to end and files skipped."""

    leftovers: list[Leftover]
    warnings: list[str]
    stale_files: list[Path]


def find_leftovers(state: str | os.PathLike[str] | None = None) -> Sweep:
    """This user's processes started through `state` whose reaper is gone.

    Two sources: registry files whose reaper is gone, and processes whose
    environment carries a tag of this state directory from a reaper that
    is gone (this finds leftovers even when a registry file was lost).
    """
    state = state or state_dir()
    files, warnings = read_all(state)
    found: dict[Identity, Leftover] = {}
    stale = [f for f in files if not proctree.is_running(f.reaper)]
    for item in stale:
        for entry in item.processes:
            if proctree.is_running(entry.identity) and proctree.owned_by_me(entry.identity.pid):
                found[entry.identity] = _leftover(entry.identity, str(item.path))
    state_id = statedir.state_id(state)
    me = os.getpid()
    for proc in psutil.process_iter():
        if proc.pid == me or not proctree.owned_by_me(proc.pid):
            continue
        reaper = _reaper_of(proctree.tag_of(proc), state_id)
        if reaper is None or proctree.is_running(reaper):
            continue
        identity = proctree.identify(proc.pid)
        if identity is not None and identity not in found:
            found[identity] = _leftover(identity, "")
    leftovers = sorted(found.values(), key=lambda leftover: leftover.pid)
    return Sweep(leftovers, warnings, [f.path for f in stale])


def _leftover(identity: Identity, source: str) -> Leftover:
    return Leftover(identity.pid, proctree.describe_pid(identity.pid), source, identity)


def _reaper_of(tag: str | None, state_id: str) -> Identity | None:
    """The reaper a tag of this state directory names, or None for any other tag."""
    if tag is None:
        return None
    parts = tag.split(".")
    if len(parts) != 4 or parts[0] != state_id or not all(p.isdigit() for p in parts[1:]):
        return None
    return Identity(int(parts[1]), int(parts[2]))


def clean(state: str | os.PathLike[str] | None = None) -> Sweep:
    """Kill every leftover and remove the registry files of dead reapers."""
    sweep = find_leftovers(state)
    targets = [item.identity for item in sweep.leftovers if item.identity is not None]
    proctree.signal_all(targets, signal.SIGKILL)
    proctree.wait_gone(targets, _KILL_WAIT_S)
    for path in sweep.stale_files:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return sweep
