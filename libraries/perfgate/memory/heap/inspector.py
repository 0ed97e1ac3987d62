"""A small DevTools-protocol client for a Node.js gateway's inspector, over ``websocket-client``.

V8 numbers heap objects per inspector session: when a session closes, its
HeapProfiler is disabled and the numbering cleared, so two snapshots can be
compared object by object only when one session took both. Each session has
a `session_id` of its own that the snapshots it takes carry.

One command at a time: `Inspector.call` sends it and reads frames until its
answer, handing the events met on the way (snapshot chunks) to a callback.
Every wait is bounded; a connection the gateway closes, or an answer that
does not come, is one sentence (ConnectionError, TimeoutError), so a caller
can add the gateway's exit status.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import websocket

from perfgate.gateway.inspect import check_loopback

OnEvent = Callable[[str, dict[str, Any]], None]


class Inspector:
    """A session with one inspector; `close()` it (or use ``with``) when done."""

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self.url = check_loopback(url)
        self.session_id = uuid.uuid4().hex[:12]
        self._ids = itertools.count(1)
        try:
            # No Origin header: Node's inspector accepts tools, not web pages.
            self._ws = websocket.create_connection(url, timeout=timeout_s, suppress_origin=True)
        except ConnectionRefusedError:
            raise ConnectionError(
                f"The inspector at {url} refused the connection: its port is closed (the gateway "
                "exited, or was started without inspect=True)."
            ) from None
        except websocket.WebSocketBadStatusException as exc:
            raise ConnectionError(
                f"The inspector at {url} answered HTTP {exc.status_code}: no such session (a "
                "gateway restarted gets a new URL); take it again from the gateway."
            ) from None
        except (OSError, websocket.WebSocketException) as exc:
            raise ConnectionError(f"Cannot connect to the inspector at {url}: {exc}.") from None

    def __enter__(self) -> Inspector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._ws.close()

    @property
    def connected(self) -> bool:
        return bool(self._ws.connected)

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        timeout_s: float = 60.0,
        on_event: OnEvent | None = None,
    ) -> dict[str, Any]:
        """The ``result`` of `method`; events before it go to `on_event`."""
        message_id = next(self._ids)
        deadline = time.monotonic() + timeout_s
        request = json.dumps({"id": message_id, "method": method, "params": params or {}})
        self._io(method, timeout_s, lambda: self._ws.send(request))
        while True:
            self._ws.settimeout(max(0.01, deadline - time.monotonic()))
            message = json.loads(self._io(method, timeout_s, self._ws.recv))
            if message.get("id") == message_id:
                return _result(method, message)
            # Outside the socket's error handling: a callback's own OSError
            # (a full disk) is not a closed connection.
            if on_event is not None and "method" in message:
                on_event(message["method"], message.get("params", {}))

    def _io(self, method: str, timeout_s: float, operation: Callable[[], Any]) -> Any:
        try:
            return operation()
        except websocket.WebSocketTimeoutException:
            raise TimeoutError(
                f"The inspector did not answer {method} within {timeout_s:g} s."
            ) from None
        except (OSError, websocket.WebSocketException) as exc:
            raise ConnectionError(
                f"The inspector connection closed during {method} ({exc or type(exc).__name__})."
            ) from None


def _result(method: str, message: dict[str, Any]) -> dict[str, Any]:
    error = message.get("error")
    if error:
        raise ConnectionError(f"The inspector refused {method}: {error.get('message', error)}.")
    result: dict[str, Any] = message.get("result", {})
    return result
