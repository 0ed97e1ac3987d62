"""The inspector of a Node.js gateway started elsewhere: ``Use Running Gateway ... inspector=``.

Three ways, each ending in a loopback ``ws://`` URL:

- the URL Node printed (``Debugger listening on ws://127.0.0.1:9229/<id>``);
- the inspector's address (``127.0.0.1:9229``): its ``/json/list`` names the URL;
- ``SIGUSR1``: Node opens its inspector on that signal (on 127.0.0.1 and
  ``--inspect-port``, 9229 by default). A signal reaches whatever process
  has the PID, so PerfGate sends it only to a process it has proved to be
  the gateway: the user named it (``pid=``), it runs Node, and it listens on
  the port of the gateway's URL; the signal goes through a pidfd checked
  against that identity (`perfgate.procs.proctree`), so a PID reused in
  between is not hit. An inspector already open is found among the
  process's listening sockets and used without a signal.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from urllib.parse import urlsplit

import psutil

from perfgate.gateway.inspect import check_loopback, is_node
from perfgate.procs import proctree

SIGNAL_NAME = "SIGUSR1"
_POLL_S = 0.05


def reach_inspector(spec: str, url: str, pid: int | None, timeout_s: float = 5.0) -> str:
    """The ``ws://`` URL of the inspector `spec` names for the gateway at `url` (process `pid`)."""
    text = spec.strip()
    if text.startswith("ws://"):
        return check_loopback(text)
    if text.upper() == SIGNAL_NAME:
        return _by_signal(url, pid, timeout_s)
    address = text if "://" in text else f"http://{text}"
    check_loopback(address)
    found = _listed(address, timeout_s)
    if found is None:
        raise ValueError(
            f"No Node inspector answered at {address}: give the ws:// URL Node printed "
            "('Debugger listening on ws://...'), or the host:port it listens on."
        )
    return found


def prove_gateway(url: str, pid: int | None) -> proctree.Identity:
    """`pid`'s identity once it is shown to be the Node process serving `url`; ValueError if not."""
    if pid is None:
        raise ValueError(
            "inspector=SIGUSR1 signals the gateway's process, so give its pid= (PerfGate signals "
            "only a process it can prove is the gateway)."
        )
    identity = proctree.identify(pid)
    program = _program(pid)
    if identity is None or program is None:
        raise ValueError(f"No process with PID {pid} is running; check pid=.")
    if not is_node(program):
        raise ValueError(
            f"Process {pid} runs '{program}', not Node.js: SIGUSR1 opens only Node's inspector "
            "(a Python gateway needs none: memray attaches to it)."
        )
    port = _port(url)
    if port not in listening_ports(pid):
        raise ValueError(
            f"Process {pid} does not listen on port {port} of {url}, so PerfGate cannot prove "
            "it is the gateway and will not signal it: give the pid of the process that "
            "listens there."
        )
    return identity


def _by_signal(url: str, pid: int | None, timeout_s: float) -> str:
    identity = prove_gateway(url, pid)
    assert pid is not None
    before = listening_ports(pid) - {_port(url)}
    found = _among(before, timeout_s)
    if found is not None:
        return found  # started with --inspect: no signal needed
    if not proctree.send_signal(identity, signal.SIGUSR1):
        raise ValueError(f"Process {pid} ended before PerfGate could signal it.")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = _among(listening_ports(pid) - before - {_port(url)}, timeout_s)
        if found is not None:
            return found
        time.sleep(_POLL_S)
    raise ValueError(
        f"Node process {pid} opened no inspector within {timeout_s:g} s of SIGUSR1: its port "
        "(9229 unless --inspect-port says otherwise) may be taken, or it runs with "
        "--disable-sigusr1; start it with --inspect=127.0.0.1:0 and give inspector= the ws:// "
        "URL it prints."
    )


def _among(ports: set[int], timeout_s: float) -> str | None:
    """The inspector URL behind the first of `ports` that lists one (its own loopback check)."""
    for port in sorted(ports):
        found = _listed(f"http://127.0.0.1:{port}", min(timeout_s, 2.0))
        if found is not None:
            return found
    return None


def _listed(address: str, timeout_s: float) -> str | None:
    """The ``webSocketDebuggerUrl`` of the Node target an inspector lists, None if none answers."""
    try:
        with urllib.request.urlopen(f"{address.rstrip('/')}/json/list", timeout=timeout_s) as got:
            targets = json.load(got)
    except (OSError, ValueError):
        return None
    urls = [
        item.get("webSocketDebuggerUrl")
        for item in targets
        if isinstance(item, dict) and item.get("webSocketDebuggerUrl")
    ]
    return check_loopback(str(urls[0])) if urls else None


def listening_ports(pid: int) -> set[int]:
    """The TCP ports process `pid` listens on (empty when it cannot be read)."""
    try:
        connections = psutil.Process(pid).net_connections("inet")
    except psutil.Error:
        return set()
    return {c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN and c.laddr}


def _program(pid: int) -> str | None:
    try:
        process = psutil.Process(pid)
        return os.path.basename((process.cmdline() or [process.name()])[0])
    except psutil.Error:
        return None


def _port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)
