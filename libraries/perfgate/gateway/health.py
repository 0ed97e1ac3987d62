"""Health checks: one HTTP GET that says whether a gateway answers 2xx."""

from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Probe:
    ok: bool
    detail: str  # "200 OK", "connection refused", "503 Service Unavailable", ...
    status: int | None = None  # the HTTP status, None when nothing answered


def probe(url: str, timeout: float = 1.0) -> Probe:
    """GET `url` once, without retries, redirects or proxies."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        context = ssl.create_default_context()
        # A gateway under test often has a self-signed certificate; health is
        # about "does it answer", not about trust.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection(host, parts.port, timeout=timeout, context=context)
    else:
        connection = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
        detail = f"{response.status} {response.reason}"
        return Probe(200 <= response.status < 300, detail, response.status)
    except ConnectionRefusedError:
        return Probe(False, "connection refused")
    except TimeoutError:
        return Probe(False, f"no answer within {timeout:g} s")
    except (OSError, http.client.HTTPException) as exc:
        return Probe(False, str(exc) or type(exc).__name__)
    finally:
        connection.close()
