"""Free and busy TCP ports on the local machine."""

from __future__ import annotations

import contextlib
import errno
import socket


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS considers free right now, found by binding port 0.

    The port is released before it is returned, so another process could
    take it in between; the kernel hands out ephemeral ports round-robin,
    which makes that rare even with many pabot processes asking at once.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on (host, port) or holds it bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc.errno in (errno.EADDRINUSE, errno.EACCES)
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        with contextlib.suppress(OSError):
            return probe.connect_ex((host, port)) == 0
    return False
