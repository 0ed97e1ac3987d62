"""What a test names as a gateway - a Gateway, an alias, a PID, a URL - for the libraries
other than GatewayLibrary (memory monitors, WebSocket load with ``gateway=``).

An alias is looked up in the GatewayLibrary instance of the Robot run, found
through `perfgate.robotenv` unless a caller passes its own way to find it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from perfgate import robotenv
from perfgate.gateway.manager import GatewayError, how_it_ended, tail
from perfgate.procs import proctree

LibraryFinder = Callable[[], Any]


def _gateway_library() -> Any:
    return robotenv.library_instance("GatewayLibrary")


def find_gateway(alias: str, gateway_library: LibraryFinder = _gateway_library) -> Any:
    """The Gateway that GatewayLibrary knows as `alias`.

    ValueError in one sentence when GatewayLibrary is not imported or knows
    no such alias (its own sentence, with the aliases it knows).
    """
    library = gateway_library()
    if library is None:
        raise ValueError(
            f"'{alias}' is not a PID or metrics URL, and GatewayLibrary is not imported to look "
            "it up as a gateway alias."
        )
    try:
        return library.manager.get(alias)
    except GatewayError as exc:
        raise ValueError(str(exc)) from None


def gateway_target(target: Any, gateway_library: LibraryFinder = _gateway_library) -> Any:
    """A Gateway as it is, PIDs and URLs as they are, an alias as its Gateway; None for nothing."""
    if target is None or (isinstance(target, str) and not target.strip()):
        return None
    if not isinstance(target, str):
        return target
    text = target.strip()
    if text.isdigit() or text.startswith(("http://", "https://")):
        return text
    return find_gateway(text, gateway_library)


def exit_description(gateway: Any, gateway_library: LibraryFinder = _gateway_library) -> str | None:
    """How a gateway ended (``exit code 3.``, ``signal SIGKILL (9).``), None while it runs.

    Asked of GatewayLibrary's manager, which has the exit status from the
    reaper; without it (or for a gateway it did not start) only whether the
    process is gone can be told.
    """
    library = gateway_library()
    pid = getattr(gateway, "pid", None)
    if library is not None and getattr(gateway, "managed", False):
        returncode, reason = library.manager.exit_status(gateway)
        return None if returncode is None else how_it_ended(returncode, reason)
    if isinstance(pid, int) and not proctree.alive(pid):
        return "it is no longer running."
    return None


def gateway_on_port(port: int | None, gateway_library: LibraryFinder = _gateway_library) -> Any:
    """The running gateway GatewayLibrary started on `port`, or None: how a run that names no
    gateway finds the one it loads (by its URL's port)."""
    library = gateway_library()
    if library is None or port is None:
        return None
    found = [gw for gw in library.manager.gateways.values() if gw.port == port and gw.managed]
    return found[-1] if found else None


def exit_report(
    gateway: Any, gateway_library: LibraryFinder = _gateway_library, lines: int = 20
) -> str | None:
    """``Gateway 'edge' (PID 4711) exited with signal SIGKILL (9). ... Last lines of its
    output: ...``, or None while it runs (or when `gateway`, a metrics URL, has no process)."""
    if isinstance(gateway, (str, int)) and str(gateway).strip().isdigit():
        pid = int(str(gateway).strip())
        return None if proctree.alive(pid) else f"The gateway (PID {pid}) is no longer running."
    how = exit_description(gateway, gateway_library)
    if how is None:
        return None
    name = f"Gateway '{gateway.alias}' (PID {gateway.pid})"
    if not getattr(gateway, "managed", False):
        return f"{name} is no longer running."
    gateway.crash_reported = True  # this message is its report: no second one at the teardown
    output = tail(getattr(gateway, "log_path", None), lines)
    said = f" Last lines of its output:\n{output}" if output else " It wrote no output."
    return f"{name} exited with {how}{said}"
