"""GET /health and GET|POST /api/echo."""

from __future__ import annotations

import json
import os
import time

from aiohttp import web

from perfgate import __version__

from .routing import call_backend
from .state import STATE
from .timing import TIMING

# Echo bodies are slices of one pattern so that a large ?size= costs a copy,
# not a Python loop; the pattern is printable so bodies read well in logs.
_PATTERN = (b"perfgate-echo-" * 8)[:100]


async def health(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = {
        "status": "ok",
        "uptime_s": round(state.uptime_s(), 3),
        "version": __version__,
        "pid": os.getpid(),
        "worker": state.worker,
    }
    return web.json_response(body)


def query_int(request: web.Request, name: str, default: int | None, maximum: int) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise web.HTTPBadRequest(text=f"?{name}={raw!r} is not an integer.") from None
    if not 0 <= value <= maximum:
        raise web.HTTPBadRequest(text=f"?{name}={value} must be between 0 and {maximum}.")
    return value


def pattern_bytes(size: int) -> bytes:
    repeats = size // len(_PATTERN) + 1
    return (_PATTERN * repeats)[:size]


async def echo(request: web.Request) -> web.Response:
    """Echo the request body, or answer `?size=` bytes.

    Without `?size=`, POST echoes its body with its content type and GET
    answers a small JSON description of the request.
    """
    state = request.app[STATE]
    timing = request[TIMING]
    t = time.perf_counter_ns()
    size = query_int(request, "size", None, state.options.max_response_bytes)
    body = await request.read() if request.can_read_body else b""
    t = timing.add("parse", t)
    t = await call_backend(request, "/api/echo", t)
    if size is not None:
        response = web.Response(body=pattern_bytes(size), content_type="application/octet-stream")
    elif request.method == "POST":
        response = web.Response(body=body, content_type=request.content_type)
    else:
        described = {"method": request.method, "query": dict(request.query), "body_bytes": 0}
        response = web.Response(text=json.dumps(described), content_type="application/json")
    timing.add("serialize", t)
    return response
