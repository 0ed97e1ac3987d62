"""Assemble the aiohttp application: middleware, routes and lifecycle hooks."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from collections.abc import AsyncIterator

from aiohttp import WSCloseCode, web
from aiohttp.typedefs import Handler

from . import admin, routes_api, routes_core
from .errors import from_http_exception, json_error
from .options import GatewayOptions
from .prometheus import UNMATCHED_ROUTE, route_label
from .sse import end_streams, sse_handler
from .state import STATE, GatewayState
from .timing import TIMING, ServerTiming
from .websocket import ws_handler

log = logging.getLogger("perfgate.refgateway")

# What the middleware does per route template: (needs auth, may get an
# injected error, leaks with --leak-kb-per-request). Probes and operations
# are left alone so that watching the gateway does not change it.
_POLICY = {
    "/health": (False, False, True),
    "/api/health": (False, False, True),
    "/metrics": (False, False, False),
    "/ws": (True, False, True),
    UNMATCHED_ROUTE: (False, False, True),
}
_ADMIN_POLICY = (True, False, False)
_API_POLICY = (True, True, True)


def _policy(route: str) -> tuple[bool, bool, bool]:
    found = _POLICY.get(route)
    if found is not None:
        return found
    return _ADMIN_POLICY if route.startswith("/admin/") else _API_POLICY


def _authorized(request: web.Request, token: str) -> bool:
    header = request.headers.get("Authorization", "")
    given = header[7:] if header[:7].lower() == "bearer " else request.query.get("token", "")
    return hmac.compare_digest(given.encode(), token.encode())


def _admit(state: GatewayState, request: web.Request) -> bool:
    """Is this request's connection within --max-connections?

    A connection is admitted on its first request and stays admitted while
    open, so the (N+1)th concurrent connection is the one refused.
    """
    limit = state.options.max_connections
    if not limit or state.http_server is None:
        return True
    protocol = request.protocol
    if protocol in state.admitted:
        return True
    if len(state.admitted) >= limit:
        state.admitted.intersection_update(state.http_server.connections)
        if len(state.admitted) >= limit:
            return False
    state.admitted.add(protocol)
    return True


async def _guarded(
    request: web.Request, handler: Handler, state: GatewayState, needs_auth: bool, may_fail: bool
) -> web.StreamResponse:
    opts = state.options
    if not _admit(state, request):
        state.rejected_connections += 1
        response = json_error(
            503,
            f"The gateway already has {opts.max_connections} connections "
            "(--max-connections); retry later.",
        )
        response.force_close()
        return response
    length = request.content_length
    if length is not None and length > opts.max_body_bytes:
        return json_error(
            413,
            f"Request body of {length} bytes is over the limit of {opts.max_body_bytes}; "
            "send less or raise --max-body-bytes.",
        )
    if needs_auth and opts.token is not None and not _authorized(request, opts.token):
        return json_error(
            401,
            "This route needs 'Authorization: Bearer <token>' (or ?token=) matching --token.",
            {"WWW-Authenticate": 'Bearer realm="perfgate"'},
        )
    if may_fail and state.faults.should_fail():
        response = json_error(503, "Injected error (--error-rate); the gateway is fine.")
        response.headers["X-PerfGate-Injected"] = "error"
        return response
    request[TIMING].add("route", request[TIMING].started_ns)
    return await handler(request)


@web.middleware
async def gateway_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Time, bound and guard every request; turn every failure into a JSON error."""
    timing = ServerTiming()
    request[TIMING] = timing
    state = request.app[STATE]
    route = route_label(request)
    needs_auth, may_fail, leaks = _policy(route)
    state.in_flight += 1
    try:
        response = await _guarded(request, handler, state, needs_auth, may_fail)
    except web.HTTPException as exc:
        response = from_http_exception(exc)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        response = json_error(500, "The gateway failed on this request; see its log.")
    finally:
        state.in_flight -= 1
    if not response.prepared:
        response.headers["Server-Timing"] = timing.header()
    elapsed = (time.perf_counter_ns() - timing.started_ns) / 1e9
    state.metrics.observe(route, request.method, response.status, elapsed)
    if leaks:
        state.faults.leak_for_request()
    return response


async def metrics_handler(request: web.Request) -> web.Response:
    return request.app[STATE].metrics.render()


async def _background(app: web.Application) -> AsyncIterator[None]:
    state = app[STATE]
    faults = asyncio.get_running_loop().create_task(state.faults.run())
    yield
    faults.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await faults
    await state.hub.close()


async def _close_websockets(app: web.Application) -> None:
    # Runs on SIGTERM before in-flight requests are awaited, so every client
    # gets a close frame (1001 Going Away) instead of a dropped connection.
    sockets = list(app[STATE].websockets)
    await asyncio.gather(
        *(
            ws.close(code=WSCloseCode.GOING_AWAY, message=b"gateway shutting down")
            for ws in sockets
        ),
        return_exceptions=True,
    )


def make_app(options: GatewayOptions, worker: int = 0) -> web.Application:
    app = web.Application(
        middlewares=[gateway_middleware],
        client_max_size=options.max_body_bytes,
    )
    app[STATE] = GatewayState(options=options, worker=worker)
    r = app.router
    r.add_get("/health", routes_core.health)
    r.add_get("/api/health", routes_core.health)
    r.add_get("/metrics", metrics_handler)
    r.add_route("GET", "/api/echo", routes_core.echo)
    r.add_route("POST", "/api/echo", routes_core.echo)
    r.add_post("/api/missions", routes_api.create_mission)
    r.add_get("/api/missions", routes_api.list_missions)
    r.add_get("/api/missions/{id}", routes_api.get_mission)
    # The literal route must come before the {id} one or "search" is an id.
    r.add_get("/api/specs/search", routes_api.search)
    r.add_get("/api/specs/{id}", routes_api.get_spec)
    r.add_post("/api/events/{channel}", routes_api.publish_event)
    r.add_post("/rpc", routes_api.rpc)
    r.add_get("/ws", ws_handler)
    r.add_route("GET", "/sse/{channel}", sse_handler)
    r.add_route("POST", "/sse/{channel}", sse_handler)
    if options.admin:
        admin.add_admin_routes(app)
    app.cleanup_ctx.append(_background)
    app.on_shutdown.append(_close_websockets)
    app.on_shutdown.append(end_streams)
    return app
