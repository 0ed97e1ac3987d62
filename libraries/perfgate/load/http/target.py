"""Where the load goes: a parsed base URL and the TLS context to reach it."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

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


def parse_target(url: str) -> Target:
    """Parse an http(s) URL, or raise ValueError saying what is wrong with it."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"invalid URL {url!r}: give a full URL such as http://127.0.0.1:8080/api.")
    text = url.strip()
    parts = urlsplit(text)
    shown = redact.url(text)  # these messages end up in the log
    if parts.scheme not in ("http", "https"):
        raise ValueError(
            f"invalid URL {shown!r}: the scheme must be http or https, e.g. http://127.0.0.1:8080/."
        )
    if not parts.hostname:
        raise ValueError(f"invalid URL {shown!r}: it has no host; e.g. http://127.0.0.1:8080/.")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(
            f"invalid URL {shown!r}: the port is not a number from 1 to 65535."
        ) from None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme, host=parts.hostname, port=port, path=path, url=text)


def join_path(base: str, path: str) -> str:
    """Join a scenario request path onto the base URL's path.

    An absolute path ("/api/x") replaces the base path, as a browser would;
    a relative one ("x") is appended to it.
    """
    if path.startswith("/"):
        return path
    base_path = base.split("?", 1)[0]
    if not base_path.endswith("/"):
        base_path += "/"
    return base_path + path


def make_ssl_context(verify: bool) -> ssl.SSLContext:
    """A client TLS context; `verify=False` accepts self-signed test certificates."""
    ctx = ssl.create_default_context()
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    # HTTP/1.1 only: the engine speaks nothing else.
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx
