"""WebSocket load: per-event latency and exact loss for echo, broadcast and churn.

`LoadLibrary`'s `Run WebSocket Load` is the Robot face of this package;
Python callers use:

- `WsLoadConfig` (and `WsProtocol` for the gateway's message formats);
  for a Socket.IO v4 server `socketio=SocketIoOptions(namespace, auth)` with
  `protocol=SOCKETIO_PROTOCOL` (emits as JSON arrays; `socketio`, `dial`);
- `run_websocket_load(config, gateway=None, on_progress=None,
  on_worker_started=None) -> WebSocketResult`;
- `WebSocketResult` (`kind = "websocket"`, `to_dict()`, `save_json()`,
  `metric()`); `perfgate.load.ws.criteria` for the pass criteria.

See docs/websocket.md.
"""

from perfgate.load.arguments import parse_ramp
from perfgate.load.events.errors import FatalRunError
from perfgate.load.ws.config import (
    MODES,
    SOCKETIO_PROTOCOL,
    WsLoadConfig,
    WsProtocol,
)
from perfgate.load.ws.merge import WsProgress
from perfgate.load.ws.result import WS_METRICS, GatewayMemory, WebSocketResult, WsTimelineRow
from perfgate.load.ws.run import run_websocket_load
from perfgate.load.ws.socketio import SocketIoOptions

__all__ = [
    "MODES",
    "SOCKETIO_PROTOCOL",
    "WS_METRICS",
    "FatalRunError",
    "GatewayMemory",
    "SocketIoOptions",
    "WebSocketResult",
    "WsLoadConfig",
    "WsProgress",
    "WsProtocol",
    "WsTimelineRow",
    "parse_ramp",
    "run_websocket_load",
]
