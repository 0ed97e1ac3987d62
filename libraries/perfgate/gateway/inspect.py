"""Starting a Node.js gateway with its inspector open, and finding the inspector's WebSocket.

``Start Gateway ... inspect=True`` runs ``node --inspect=127.0.0.1:0 ...``:
port 0 lets the kernel choose a free port, so parallel pabot processes
never fight over 9229, and the address is loopback because whoever can
reach an inspector can run any code in the gateway. Node announces the
port on stderr (``Debugger listening on ws://127.0.0.1:40381/<uuid>``),
which the reaper writes to the gateway's log file: the URL is read there.
"""

from __future__ import annotations

import ipaddress
import os
import re
import time
from collections.abc import Callable
from urllib.parse import urlsplit

INSPECT_FLAG = "--inspect=127.0.0.1:0"
NODE_NAMES = ("node", "nodejs")
_LISTENING = re.compile(r"Debugger listening on (ws://\S+)")
# Node keeps running when its inspector cannot bind, and says so on stderr.
_FAILED = re.compile(r"Starting inspector on (\S+) failed: (.+)")
_POLL_S = 0.02


def is_node(program: str) -> bool:
    """Whether `program` (a path or a name) is the Node.js executable."""
    return os.path.basename(program) in NODE_NAMES


def inspect_argv(argv: list[str]) -> list[str]:
    """`argv` with Node's inspector flag after the program; ValueError when it is not node."""
    if not is_node(argv[0]):
        raise ValueError(
            f"inspect=True opens the inspector of Node.js, and '{os.path.basename(argv[0])}' "
            "is not node: start the gateway with node (a Python gateway needs no inspector)."
        )
    if any(part.startswith("--inspect") for part in argv[1:]):
        # The user chose the inspector's address; it is checked once announced.
        return list(argv)
    return [argv[0], INSPECT_FLAG, *argv[1:]]


def check_loopback(url: str) -> str:
    """`url` when its host is a loopback address; ValueError in one sentence otherwise."""
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"The inspector listens on {host or url}, not on loopback, so anyone who can reach "
            "it can run code in the gateway: start node with --inspect=127.0.0.1:0 "
            "(inspect=True does)."
        )
    return url


def announced_url(log_text: str) -> str | None:
    """The inspector URL Node announced in `log_text`; ValueError if it said it could not open it."""
    failed = _FAILED.search(log_text)
    if failed:
        address, why = failed.group(1), failed.group(2).strip().rstrip(".")
        raise ValueError(
            f"Node could not open its inspector on {address}: {why}; use "
            "--inspect=127.0.0.1:0 (inspect=True does) so that it takes a free port."
        )
    found = _LISTENING.search(log_text)
    return check_loopback(found.group(1)) if found else None


def wait_for_inspector(
    log_path: str, timeout_s: float, exited: Callable[[], bool] = lambda: False
) -> str:
    """The inspector URL from the gateway's log, waiting up to `timeout_s` for Node to announce it."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with open(log_path, encoding="utf-8", errors="replace") as handle:
                text = handle.read(256 * 1024)
        except FileNotFoundError:
            text = ""
        url = announced_url(text)
        if url is not None:
            return url
        if exited() or time.monotonic() >= deadline:
            raise ValueError(
                f"Node did not announce its inspector ('Debugger listening on ws://...') within "
                f"{timeout_s:g} s; check that the command runs node itself and not a launcher."
            )
        time.sleep(_POLL_S)
