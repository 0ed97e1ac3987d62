"""The listening socket, bound once by the master, and the start line."""

from __future__ import annotations

import errno
import os
import socket

from .options import GatewayOptions


class StartError(Exception):
    """The gateway cannot start; the message is one sentence for stderr."""


def bind_listener(host: str, port: int, backlog: int = 1024) -> socket.socket:
    """Bind and listen once in the master so that all workers share one port.

    A shared listening socket (rather than SO_REUSEPORT) is used on purpose:
    SO_REUSEPORT would let a second gateway silently join a port already in
    use instead of failing with a clear error.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise StartError(f"--host {host!r} cannot be resolved ({exc.strerror}).") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise StartError(
                f"port {port} on {host} is already in use; "
                "choose another --port or 0 for a free one."
            ) from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise StartError(f"--host {host} is not an address of this machine.") from None
        if exc.errno == errno.EACCES:
            raise StartError(
                f"port {port} on {host} needs privileges; choose a port above 1023 or 0."
            ) from None
        raise StartError(f"cannot listen on {host}:{port}: {exc.strerror}.") from None
    sock.setblocking(False)
    return sock


def start_line(sock: socket.socket, options: GatewayOptions) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return (
        f"perfgate-gateway listening on http://{shown}:{port} pid={os.getpid()} "
        f"workers={options.workers} {options.describe()}"
    )
