"""Error kinds the engine counts, and how an exception maps to one.

Kinds are plain strings so that results stay JSON-safe and readable in
log.html; the set is closed so that thresholds can name them.
"""

from __future__ import annotations

import ssl

REFUSED = "refused"  # nothing listens on the port
RESET = "reset"  # the peer reset the connection (RST)
CLOSED = "closed"  # the peer closed (EOF) before the response was complete
TIMEOUT = "timeout"  # no complete response within the per-request timeout
CONNECT = "connect"  # any other failure to open a connection (DNS, unreachable, ...)
TLS = "tls"  # TLS handshake or certificate failure
PROTOCOL = "protocol"  # the response was not valid HTTP/1.1
HTTP_4XX = "http_4xx"  # status 400-499 that the request did not expect
HTTP_5XX = "http_5xx"  # status 500-599 that the request did not expect
STATUS = "status"  # any other status the request did not expect (e.g. 302 when 200 was)
CHECK = "check"  # the status was fine but a JSON check on the body failed

ALL_KINDS = (
    REFUSED,
    RESET,
    CLOSED,
    TIMEOUT,
    CONNECT,
    TLS,
    PROTOCOL,
    HTTP_4XX,
    HTTP_5XX,
    STATUS,
    CHECK,
)

# Kinds that end a request without a response: they count as a request but
# add no latency sample. The others (4xx, 5xx, status, check) have a response.
NO_RESPONSE = frozenset({REFUSED, RESET, CLOSED, TIMEOUT, CONNECT, TLS, PROTOCOL})


def kind_of_exception(exc: BaseException | None) -> str:
    """Map a connection-level exception (None means a clean EOF) to an error kind."""
    if exc is None:
        return CLOSED
    if isinstance(exc, ConnectionRefusedError):
        return REFUSED
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        return RESET
    if isinstance(exc, TimeoutError):
        return TIMEOUT
    if isinstance(exc, ssl.SSLError):
        return TLS
    return CONNECT


def kind_of_status(status: int) -> str:
    """The error kind for a status code the request did not expect."""
    if 500 <= status <= 599:
        return HTTP_5XX
    if 400 <= status <= 499:
        return HTTP_4XX
    return STATUS
