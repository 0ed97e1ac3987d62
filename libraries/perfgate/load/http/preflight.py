"""Start-up check: can we reach the target at all?

A wrong port or a gateway that is not running should cost the user one
clear sentence, not a run of thousands of refused connections.
"""

from __future__ import annotations

import socket
import ssl

from perfgate.load.http.target import Target, make_ssl_context


def check_reachable(target: Target, timeout_s: float, verify_tls: bool) -> None:
    """Open (and close) one connection, with TLS for https; raise ConnectionError if we cannot."""
    where = target.origin
    try:
        sock = socket.create_connection((target.host, target.port), timeout=min(timeout_s, 5.0))
    except ConnectionRefusedError:
        raise ConnectionError(
            f"cannot connect to {where}: connection refused; is the gateway running?"
        ) from None
    except socket.gaierror:
        raise ConnectionError(
            f"cannot connect to {where}: unknown host {target.host!r}; check the URL."
        ) from None
    except TimeoutError:
        raise ConnectionError(
            f"cannot connect to {where}: no answer within {min(timeout_s, 5.0):g} s; "
            "is the address right and the gateway running?"
        ) from None
    except OSError as exc:
        raise ConnectionError(
            f"cannot connect to {where}: {exc.strerror or exc}; is the gateway running?"
        ) from None
    try:
        if target.scheme == "https":
            ctx = make_ssl_context(verify_tls)
            try:
                with ctx.wrap_socket(sock, server_hostname=target.host):
                    pass
            except ssl.SSLCertVerificationError as exc:
                raise ConnectionError(
                    f"cannot connect to {where}: TLS certificate not trusted ({exc.verify_message}); "
                    "for a self-signed test certificate turn TLS verification off."
                ) from None
            except (ssl.SSLError, OSError) as exc:
                raise ConnectionError(
                    f"cannot connect to {where}: TLS handshake failed ({exc})."
                ) from None
    finally:
        sock.close()
