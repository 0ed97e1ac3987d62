"""The in-memory resource API, event publishing and JSON-RPC over HTTP."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from .pubsub import ChannelLimitError
from .routes_core import query_int
from .routing import call_backend, choose_profile
from .state import STATE
from .store import search_specs, spec_number
from .timing import TIMING

MISSIONS_CHANNEL = "missions"
_LIST_DEFAULT = 50
_LIST_MAX = 1000


async def _json_body(request: web.Request) -> Any:
    return _decode(await request.read())


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="The request body is not valid JSON.") from None


def _json(data: Any, request: web.Request, since_ns: int, status: int = 200) -> web.Response:
    response = web.Response(text=json.dumps(data), status=status, content_type="application/json")
    request[TIMING].add("serialize", since_ns)
    return response


async def create_mission(request: web.Request) -> web.Response:
    """POST /api/missions: store the JSON object, answer 201 with its id.

    The new mission is also published on the `missions` channel, as a real
    gateway would push mission updates to WebSocket subscribers.
    """
    state = request.app[STATE]
    t = time.perf_counter_ns()
    raw = await request.read()
    fields = _decode(raw)
    if not isinstance(fields, dict):
        raise web.HTTPBadRequest(text='A mission must be a JSON object, e.g. {"name": "m1"}.')
    t = request[TIMING].add("parse", t)
    t = await call_backend(request, "/api/missions", t)
    mission = state.missions.add(fields, len(raw))
    state.hub.publish(MISSIONS_CHANNEL, {"event": "created", "mission": mission})
    response = _json(mission, request, t, status=201)
    response.headers["Location"] = f"/api/missions/{mission['id']}"
    return response


async def list_missions(request: web.Request) -> web.Response:
    """GET /api/missions: a JSON array of the newest missions (?limit=, at most 1000)."""
    state = request.app[STATE]
    t = time.perf_counter_ns()
    limit = query_int(request, "limit", _LIST_DEFAULT, _LIST_MAX)
    t = request[TIMING].add("parse", t)
    t = await call_backend(request, "/api/missions", t)
    return _json(state.missions.newest(limit or 0), request, t)


async def get_mission(request: web.Request) -> web.Response:
    state = request.app[STATE]
    t = time.perf_counter_ns()
    raw = request.match_info["id"]
    mission_id = int(raw) if raw.isdigit() and len(raw) <= 18 else None
    t = request[TIMING].add("parse", t)
    t = await call_backend(request, "/api/missions", t)
    mission = state.missions.get(mission_id) if mission_id is not None else None
    if mission is None:
        raise web.HTTPNotFound(text=f"Mission {raw[:40]!r} does not exist (or was evicted).")
    return _json(mission, request, t)


async def get_spec(request: web.Request) -> web.Response:
    state = request.app[STATE]
    t = time.perf_counter_ns()
    raw = request.match_info["id"]
    number = spec_number(raw)
    t = request[TIMING].add("parse", t)
    t = await call_backend(request, "/api/specs/{id}", t)
    spec = state.specs.get(number) if number is not None else None
    if spec is None:
        raise web.HTTPNotFound(
            text=f"Spec {raw[:40]!r} does not exist; ids run from 001 to {len(state.specs):03d}."
        )
    return _json(spec.to_json(), request, t)


async def search(request: web.Request) -> web.Response:
    """GET /api/specs/search?q=: a JSON array of matching specs (?limit=, at most 1000)."""
    state = request.app[STATE]
    t = time.perf_counter_ns()
    query = request.query.get("q", "")
    if not query or len(query) > 200:
        raise web.HTTPBadRequest(text="?q= must be 1 to 200 characters.")
    limit = query_int(request, "limit", _LIST_DEFAULT, _LIST_MAX) or 0
    t = request[TIMING].add("parse", t)
    t = await call_backend(request, "/api/specs/search", t)
    found = search_specs(state.specs, query, limit)
    return _json([spec.to_json() for spec in found], request, t)


async def publish_event(request: web.Request) -> web.Response:
    """POST /api/events/{channel}: publish the JSON body as one event."""
    state = request.app[STATE]
    t = time.perf_counter_ns()
    data = await _json_body(request) if request.can_read_body else None
    t = request[TIMING].add("parse", t)
    try:
        seq, subscribers = state.hub.publish(request.match_info["channel"], data)
    except ChannelLimitError as exc:
        raise web.HTTPConflict(text=str(exc) + ".") from None
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc) + ".") from None
    t = request[TIMING].add("route", t)
    body = {"channel": request.match_info["channel"], "seq": seq, "subscribers": subscribers}
    return _json(body, request, t)


async def rpc(request: web.Request) -> web.Response:
    """POST /rpc: JSON-RPC 2.0 (single or batch); 202 with no body for notifications."""
    state = request.app[STATE]
    timing = request[TIMING]
    raw = await request.read()
    override = choose_profile(request, "") if "backend" in request.query else None
    answer = await state.rpc.handle_text(raw, None, timing, override)
    t = time.perf_counter_ns()
    if answer is None:
        response = web.Response(status=202)
        timing.add("serialize", t)
        return response
    return _json(answer, request, t)
