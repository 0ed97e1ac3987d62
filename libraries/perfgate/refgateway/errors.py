"""JSON error bodies: every error the gateway sends looks the same."""

from __future__ import annotations

import json

from aiohttp import web


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    body = {"error": {"status": status, "message": message}}
    return web.Response(
        status=status,
        text=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def from_http_exception(exc: web.HTTPException) -> web.Response:
    message = exc.text or exc.reason
    if message.startswith(f"{exc.status}: "):
        message = message[len(f"{exc.status}: ") :]
    headers = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "www-authenticate")}
    return json_error(exc.status, message, headers)
