"""What a test names for a heap snapshot - a Gateway, an alias, an inspector URL - as an inspector.

PerfGate looks into two runtimes: Node.js through its inspector (started
with ``inspect=True``, or ``node --inspect=127.0.0.1:0`` by whoever starts
it, whose ``ws://`` URL a test can give), and Python through memray. A
gateway on any other runtime, or a Node gateway without an inspector, gets
one sentence saying what to do.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psutil

from perfgate.gateway.inspect import check_loopback, is_node
from perfgate.gateway.reach import listening_ports
from perfgate.procs.proctree import alive

GatewayFinder = Callable[[str], Any]
ExitStatus = Callable[[Any], str | None]
_GONE = "it is no longer running."


@dataclass(frozen=True)
class PythonTarget:
    """A Python gateway whose allocations memray records by attaching to its processes."""

    label: str
    pid: int
    exit_status: Callable[[], str | None]
    health_url: str | None = None
    port: int | None = None

    def pids(self) -> list[int]:
        """The gateway's Python processes that serve its port, else all of them, alive now.

        A master that forks workers and waits for them (``os.waitpid``)
        serves nothing and runs no bytecode to take memray's tracker in.
        """
        try:
            root = psutil.Process(self.pid)
            found = [root, *root.children(recursive=True)]
        except psutil.Error:
            return []
        python = [proc.pid for proc in found if runtime_of(proc.pid) == "python"]
        serving = [pid for pid in python if self.port in listening_ports(pid)]
        return serving or python


@dataclass(frozen=True)
class NodeTarget:
    """A Node.js heap reachable through its inspector."""

    label: str
    inspector_url: str
    health_url: str | None
    exit_status: Callable[[], str | None]


def node_target(
    target: Any, find_gateway: GatewayFinder, exit_status: ExitStatus | None = None
) -> NodeTarget:
    """The inspector of `target`; ValueError in one sentence when it has none."""
    if isinstance(target, str) and target.strip().startswith("ws://"):
        url = check_loopback(target.strip())
        return NodeTarget(f"the inspector at {url}", url, None, lambda: None)
    gateway = find_gateway(target.strip()) if isinstance(target, str) else target
    label = f"gateway '{getattr(gateway, 'alias', gateway)}'"
    inspector = getattr(gateway, "inspector_url", None)
    if not inspector:
        raise ValueError(_no_inspector(label, getattr(gateway, "pid", None)))

    def ended() -> str | None:
        return exit_status(gateway) if exit_status is not None else None

    health = getattr(gateway, "health_url", None)
    return NodeTarget(label, check_loopback(str(inspector)), health, ended)


def heap_target(
    target: Any, find_gateway: GatewayFinder, exit_status: ExitStatus | None = None
) -> NodeTarget | PythonTarget:
    """`target`'s inspector, or its Python processes for memray; ValueError for anything else.

    A PID names a Python process started elsewhere: the user names it, so it
    is the user's target.
    """
    if isinstance(target, int) or (isinstance(target, str) and target.strip().isdigit()):
        number = int(target)
        if runtime_of(number) != "python":
            raise ValueError(_no_inspector(f"process {number}", number))
        return PythonTarget(f"process {number}", number, lambda: None if alive(number) else _GONE)
    gateway = (
        None if isinstance(target, str) and "://" in target else _gateway(target, find_gateway)
    )
    pid = getattr(gateway, "pid", None)
    if (
        gateway is not None
        and not getattr(gateway, "inspector_url", None)
        and (runtime_of(pid) == "python")
    ):
        assert pid is not None

        def ended() -> str | None:
            return exit_status(gateway) if exit_status is not None else None

        label = f"gateway '{getattr(gateway, 'alias', gateway)}'"
        health, port = getattr(gateway, "health_url", None), getattr(gateway, "port", None)
        return PythonTarget(label, pid, ended, health, port)
    return node_target(gateway if gateway is not None else target, find_gateway, exit_status)


def _gateway(target: Any, find_gateway: GatewayFinder) -> Any:
    return find_gateway(target.strip()) if isinstance(target, str) else target


def runtime_of(pid: int | None) -> str | None:
    """``node``, ``python`` or the name of the process `pid` runs (None when unknown or gone)."""
    if pid is None:
        return None
    try:
        process = psutil.Process(pid)
        program = os.path.basename((process.cmdline() or [process.name()])[0])
    except psutil.Error:
        return None
    if is_node(program):
        return "node"
    return "python" if program.startswith("python") else program


def _no_inspector(label: str, pid: int | None) -> str:
    label = label[:1].upper() + label[1:]
    runtime = runtime_of(pid)
    if runtime == "node":
        return (
            f"{label} runs Node.js without its inspector: start it with inspect=True (or "
            "node --inspect=127.0.0.1:0 and give the ws:// URL it prints)."
        )
    if runtime == "python":
        # Python keeps no object ids across snapshots to compare; memray's
        # allocation records name what was kept, and where (docs/memory.md).
        return (
            f"{label} runs Python, which has no heap snapshot to compare object by object: use "
            "Start Allocation Tracking and Stop Allocation Tracking, which name the allocation "
            "sites still holding memory (through memray)."
        )
    if runtime is None:
        return (
            f"{label} has no inspector and PerfGate cannot see its process: start it with "
            "Start Gateway ... inspect=True, or give the ws:// URL of its inspector."
        )
    return (
        f"{label} runs '{runtime}', which is neither Node.js with an inspector nor Python: "
        "PerfGate looks into the heaps of those two only."
    )
