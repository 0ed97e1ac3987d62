"""The /admin endpoints (only with --admin): read and change knobs at run time.

With --workers N each request reaches one worker, so run-time changes apply
to that worker only; tests that need them use one worker.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from aiohttp import web

from .options import FAULT_KNOBS, GatewayOptions
from .state import STATE

# Knobs that can change while the gateway runs. The rest (port, workers,
# backends, token, body limit, queue size) shape objects built at start.
RUNTIME_KNOBS = (
    "error_rate",
    *FAULT_KNOBS,
    "drop_events",
    "event_rate",
    "channel_rates",
    "event_bytes",
    "slow_ms",
    "mixed_slow_fraction",
    "route_backends",
    "max_connections",
    "max_store_items",
    "max_store_bytes",
    "max_channels",
)
_MERGED = ("channel_rates", "route_backends")


def public_config(options: GatewayOptions) -> dict[str, Any]:
    config = dataclasses.asdict(options)
    config["token"] = "set" if options.token else None
    return config


def updated_options(current: GatewayOptions, changes: Any) -> GatewayOptions:
    """A validated copy of `current` with `changes`; ValueError names the bad one."""
    if not isinstance(changes, dict) or not changes:
        raise ValueError('Send a JSON object of knobs to change, e.g. {"error_rate": 0.1}.')
    new = dataclasses.replace(
        current,
        channel_rates=dict(current.channel_rates),
        route_backends=dict(current.route_backends),
    )
    defaults = GatewayOptions()
    for name, value in changes.items():
        if name not in RUNTIME_KNOBS:
            raise ValueError(
                f"{name!r} cannot be changed at run time; use one of {', '.join(RUNTIME_KNOBS)}."
            )
        if name in _MERGED:
            if not isinstance(value, dict):
                raise ValueError(f"{name} must be an object of name to value.")
            merged = getattr(new, name)
            for key, item in value.items():
                if item is None:
                    merged.pop(key, None)
                elif name == "channel_rates":
                    merged[key] = _number(f"{name}.{key}", item)
                else:
                    merged[key] = item
            continue
        if isinstance(getattr(defaults, name), int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an integer, not {value!r}.")
            setattr(new, name, value)
        else:
            setattr(new, name, _number(name, value))
    new.validate()
    return new


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, not {value!r}.")
    return float(value)


async def get_config(request: web.Request) -> web.Response:
    return web.json_response(public_config(request.app[STATE].options))


async def post_config(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        changes = json.loads(await request.read())
    except ValueError:
        raise web.HTTPBadRequest(text="The request body is not valid JSON.") from None
    try:
        new = updated_options(state.options, changes)
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    # Mutate the live object in place: faults, hub and routes all hold it.
    for name in RUNTIME_KNOBS:
        setattr(state.options, name, getattr(new, name))
    state.missions.resize(state.options.max_store_items, state.options.max_store_bytes)
    state.hub.refresh_generators()
    return web.json_response(public_config(state.options))


async def get_stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].stats())


async def release_leaks(request: web.Request) -> web.Response:
    return web.json_response({"freed_bytes": request.app[STATE].faults.release()})


def add_admin_routes(app: web.Application) -> None:
    app.router.add_get("/admin/config", get_config)
    app.router.add_post("/admin/config", post_config)
    app.router.add_get("/admin/stats", get_stats)
    app.router.add_post("/admin/leaks/release", release_leaks)
