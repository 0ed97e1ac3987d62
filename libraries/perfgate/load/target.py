"""Where the load goes: a parsed http(s) origin, the TLS context to reach it,
and the start-up check that it answers.

A wrong port or a gateway that is not running should cost the user one
clear sentence, not a run of thousands of refused connections.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from perfgate.artifacts import redact


@dataclass(frozen=True)
class Target:
    scheme: str  # "http" or "https"
    host: str
    port: int
    path: str  # path + query of the URL as given, "/" when empty
    url: str  # the URL as the user gave it, for messages

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host_header}"


@dataclass(frozen=True)
class UrlRules:
    """How a kind of URL is checked, and the examples its messages give."""

    what: str  # "URL", "WebSocket URL"
    schemes: tuple[str, ...]
    scheme_rule: str  # "the scheme must be http or https"
    full_example: str  # for a URL that is missing
    example: str


HTTP_URL = UrlRules(
    "URL",
    ("http", "https"),
    "the scheme must be http or https",
    "http://127.0.0.1:8080/api",
    "http://127.0.0.1:8080/",
)


def split_url(url: object, rules: UrlRules) -> SplitResult:
    """`url` stripped and split, or a ValueError saying what is wrong with it."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError(
            f"invalid {rules.what} {url!r}: give a full URL such as {rules.full_example}."
        )
    parts = urlsplit(url.strip())
    shown = f"invalid {rules.what} {redact.url(url.strip())!r}"  # messages end up in the log
    if parts.scheme not in rules.schemes:
        raise ValueError(f"{shown}: {rules.scheme_rule}, e.g. {rules.example}.")
    if not parts.hostname:
        raise ValueError(f"{shown}: it has no host; e.g. {rules.example}.")
    try:
        _ = parts.port
    except ValueError:
        raise ValueError(f"{shown}: the port is not a number from 1 to 65535.") from None
    return parts


def parse_target(url: str) -> Target:
    """Parse an http(s) URL, or raise ValueError saying what is wrong with it."""
    parts = split_url(url, HTTP_URL)
    port = parts.port
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    assert parts.hostname is not None  # split_url checked it
    return Target(scheme=parts.scheme, host=parts.hostname, port=port, path=path, url=url.strip())


def make_ssl_context(verify: bool) -> ssl.SSLContext:
    """A client TLS context; `verify=False` accepts self-signed test certificates."""
    ctx = ssl.create_default_context()
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    # HTTP/1.1 only: the HTTP engine speaks nothing else, and a WebSocket
    # handshake is an HTTP/1.1 upgrade.
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


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
