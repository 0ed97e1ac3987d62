"""JSON-RPC 2.0 over N simulated backends: tools routed by name, resources with
subscriptions that push `notifications/resources/updated`.

Backend `bK` (K = 1..--backends) owns the tools `bK.echo` (fast),
`bK.slow` (slow profile) and `bK.increment` (fast; bumps the resource
`gateway://bK/counter` and notifies its subscribers). `tools/list` asks
every backend at once, so its latency shows the cost of fan-out.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .backends import wait_ms
from .pubsub import Subscriber
from .timing import ServerTiming

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
PROTOCOL_VERSION = "2025-06-18"

# tool suffix -> (latency profile, description)
_TOOLS = {
    "echo": ("fast", "Return the arguments unchanged."),
    "slow": ("slow", "Return the arguments after the slow backend's delay."),
    "increment": ("fast", "Add 1 to this backend's counter resource and notify subscribers."),
}


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Backend:
    name: str
    counter: int = 0
    calls: int = 0
    subscribers: set[Subscriber] = field(default_factory=set)

    @property
    def resource_uri(self) -> str:
        return f"gateway://{self.name}/counter"

    def tools(self) -> list[dict[str, Any]]:
        return [
            {
                "name": f"{self.name}.{suffix}",
                "description": doc,
                "inputSchema": {"type": "object"},
            }
            for suffix, (_, doc) in _TOOLS.items()
        ]


def error_response(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


class RpcService:
    def __init__(self, backends: int, delay_ms: Callable[[str], float]) -> None:
        # delay_ms(profile) draws one backend latency; the caller applies
        # any per-request override such as ?backend=slow.
        self.backends = [Backend(f"b{i}") for i in range(1, backends + 1)]
        self._by_name = {b.name: b for b in self.backends}
        self._by_uri = {b.resource_uri: b for b in self.backends}
        self._delay_ms = delay_ms
        self.notifications_enqueued = 0
        self.notifications_overflowed = 0

    async def handle_text(
        self,
        text: str | bytes,
        sub: Subscriber | None,
        timing: ServerTiming | None = None,
        override: str | None = None,
    ) -> Any:
        """Answer one JSON-RPC message or batch; None when nothing is owed (notifications)."""
        t = time.perf_counter_ns()
        try:
            message = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            return error_response(None, PARSE_ERROR, "Parse error: the body is not JSON.")
        finally:
            if timing:
                timing.add("parse", t)
        if isinstance(message, list):
            if not message:
                return error_response(None, INVALID_REQUEST, "Invalid Request: empty batch.")
            answers = await asyncio.gather(
                *(self.handle(m, sub, timing, override) for m in message)
            )
            return [a for a in answers if a is not None] or None
        return await self.handle(message, sub, timing, override)

    async def handle(
        self,
        message: Any,
        sub: Subscriber | None,
        timing: ServerTiming | None = None,
        override: str | None = None,
    ) -> dict[str, Any] | None:
        if not isinstance(message, dict):
            return error_response(None, INVALID_REQUEST, "Invalid Request: not an object.")
        request_id = message.get("id")
        is_notification = "id" not in message
        method = message.get("method")
        if message.get("jsonrpc") != "2.0" or not isinstance(method, str):
            return error_response(
                request_id, INVALID_REQUEST, 'Invalid Request: needs "jsonrpc": "2.0" and a method.'
            )
        params = message.get("params", {})
        if not isinstance(params, dict):
            return error_response(request_id, INVALID_PARAMS, "Invalid params: use an object.")
        try:
            result = await self._dispatch(method, params, sub, timing, override)
        except RpcError as exc:
            return None if is_notification else error_response(request_id, exc.code, exc.message)
        return None if is_notification else {"jsonrpc": "2.0", "id": request_id, "result": result}

    def forget(self, sub: Subscriber) -> None:
        for backend in self.backends:
            backend.subscribers.discard(sub)

    async def _dispatch(
        self,
        method: str,
        params: dict[str, Any],
        sub: Subscriber | None,
        timing: ServerTiming | None,
        override: str | None,
    ) -> Any:
        if method == "initialize":
            return {
                "protocolVersion": PROTOCOL_VERSION,
                "serverInfo": {"name": "perfgate-refgateway", "backends": len(self.backends)},
                "capabilities": {"tools": {}, "resources": {"subscribe": True}},
            }
        if method == "ping":
            return {}
        if method == "tools/list":
            await self._hop([override or "fast"] * len(self.backends), timing)
            return {"tools": [tool for b in self.backends for tool in b.tools()]}
        if method == "tools/call":
            return await self._call_tool(params, timing, override)
        if method == "resources/list":
            return {
                "resources": [
                    {
                        "uri": b.resource_uri,
                        "name": f"{b.name} counter",
                        "mimeType": "application/json",
                    }
                    for b in self.backends
                ]
            }
        if method == "resources/read":
            backend = self._resource(params)
            await self._hop([override or "fast"], timing)
            return {"contents": [self._contents(backend)]}
        if method in ("resources/subscribe", "resources/unsubscribe"):
            backend = self._resource(params)
            if sub is None:
                raise RpcError(INVALID_REQUEST, f"{method} needs a WebSocket; connect to /ws.")
            if method == "resources/subscribe":
                backend.subscribers.add(sub)
            else:
                backend.subscribers.discard(sub)
            return {}
        raise RpcError(METHOD_NOT_FOUND, f"Method not found: {method[:100]}")

    async def _call_tool(
        self, params: dict[str, Any], timing: ServerTiming | None, override: str | None
    ) -> dict[str, Any]:
        t = time.perf_counter_ns()
        name = params.get("name")
        arguments = params.get("arguments", {})
        if not isinstance(name, str):
            raise RpcError(INVALID_PARAMS, "Invalid params: tools/call needs a string name.")
        owner, _, suffix = name.partition(".")
        backend = self._by_name.get(owner)
        if backend is None or suffix not in _TOOLS:
            raise RpcError(INVALID_PARAMS, f"Unknown tool: {name[:100]}; see tools/list.")
        if timing:
            timing.add("route", t)
        await self._hop([override or _TOOLS[suffix][0]], timing)
        backend.calls += 1
        if suffix == "increment":
            backend.counter += 1
            self._notify(backend)
            payload: Any = {"value": backend.counter}
        else:
            payload = arguments
        return {
            "content": [{"type": "text", "text": json.dumps(payload)}],
            "isError": False,
            "backend": backend.name,
        }

    def _resource(self, params: dict[str, Any]) -> Backend:
        uri = params.get("uri")
        backend = self._by_uri.get(uri) if isinstance(uri, str) else None
        if backend is None:
            raise RpcError(
                INVALID_PARAMS, f"Unknown resource: {str(uri)[:100]}; see resources/list."
            )
        return backend

    def _contents(self, backend: Backend) -> dict[str, Any]:
        return {
            "uri": backend.resource_uri,
            "mimeType": "application/json",
            "text": json.dumps({"value": backend.counter}),
        }

    def _notify(self, backend: Backend) -> None:
        if not backend.subscribers:
            return
        text = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "notifications/resources/updated",
                "params": {
                    "uri": backend.resource_uri,
                    "value": backend.counter,
                    "ts_ns": time.time_ns(),
                },
            }
        )
        for sub in backend.subscribers:
            if sub.offer(text):
                self.notifications_enqueued += 1
            else:
                self.notifications_overflowed += 1

    async def _hop(self, profiles: list[str], timing: ServerTiming | None) -> None:
        """Wait for one simulated answer per profile, all at once."""
        t = time.perf_counter_ns()
        delays = [self._delay_ms(p) for p in profiles]
        if len(delays) == 1:
            await wait_ms(delays[0])
        else:
            await asyncio.gather(*(wait_ms(d) for d in delays))
        if timing:
            timing.add("backend", t)
