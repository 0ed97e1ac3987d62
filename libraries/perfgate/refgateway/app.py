"""Assemble the aiohttp application: middleware, routes and lifecycle hooks."""

from __future__ import annotations

import logging

from aiohttp import WSCloseCode, web
from aiohttp.typedefs import Handler

from . import routes_core
from .errors import from_http_exception, json_error
from .options import GatewayOptions
from .state import STATE, GatewayState
from .timing import TIMING, ServerTiming

log = logging.getLogger("perfgate.refgateway")


@web.middleware
async def gateway_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Time, bound and guard every request; turn every failure into a JSON error."""
    timing = ServerTiming()
    request[TIMING] = timing
    state = request.app[STATE]
    try:
        length = request.content_length
        if length is not None and length > state.options.max_body_bytes:
            response: web.StreamResponse = json_error(
                413,
                f"Request body of {length} bytes is over the limit of "
                f"{state.options.max_body_bytes}; send less or raise --max-body-bytes.",
            )
        else:
            response = await handler(request)
    except web.HTTPException as exc:
        response = from_http_exception(exc)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        response = json_error(500, "The gateway failed on this request; see its log.")
    if not response.prepared:
        response.headers["Server-Timing"] = timing.header()
    return response


async def _close_websockets(app: web.Application) -> None:
    # Runs on SIGTERM before in-flight requests are awaited, so every client
    # gets a close frame (1001 Going Away) instead of a dropped connection.
    for ws in list(app[STATE].websockets):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"gateway shutting down")


def make_app(options: GatewayOptions, worker: int = 0) -> web.Application:
    state = GatewayState(options=options, worker=worker)
    app = web.Application(
        middlewares=[gateway_middleware],
        client_max_size=options.max_body_bytes,
    )
    app[STATE] = state
    app.router.add_get("/health", routes_core.health)
    app.router.add_route("GET", "/api/echo", routes_core.echo)
    app.router.add_route("POST", "/api/echo", routes_core.echo)
    app.on_shutdown.append(_close_websockets)
    return app
