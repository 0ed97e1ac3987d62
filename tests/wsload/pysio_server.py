"""A python-socketio v5 server (Socket.IO v4 protocol) on aiohttp: the second real Socket.IO
server of tests/wsload, speaking what the Node fixture speaks (tests/fixtures/node-socketio).

usage: python pysio_server.py --port N [--drop-every K] [--ping-interval S] [--ping-timeout S]
         [--token T]   (then a connect without auth {"token": T} is refused: "not authorized")

  emit("subscribe", room) -> ack {"seq": last};  emit("unsubscribe", room) -> ack {"seq": last}
  emit("publish", {"channel", "n", "t"}) -> ack {"seq": n}, and to the room
      emit("event", {"channel", "seq", "n", "t"});  emit("echo", payload) -> ack payload
  POST /publish/ROOM {"n", "t"} -> {"seq": n};  GET /health;  GET /stats -> {"dropped": n, ...}
--drop-every K: every K-th event due to each subscriber is not sent (counted in "dropped").
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
from typing import Any

import socketio
from aiohttp import web


@dataclass
class Rooms:
    drop_every: int
    seq: dict[str, int] = field(default_factory=dict)
    members: dict[str, set[str]] = field(default_factory=dict)
    due: dict[str, int] = field(default_factory=dict)
    dropped: int = 0
    delivered: int = 0

    def join(self, sid: str, room: str) -> dict[str, int]:
        self.members.setdefault(room, set()).add(sid)
        return {"seq": self.seq.get(room, 0)}

    def leave(self, sid: str, room: str) -> dict[str, int]:
        self.members.get(room, set()).discard(sid)
        return {"seq": self.seq.get(room, 0)}

    def forget(self, sid: str) -> None:
        for members in self.members.values():
            members.discard(sid)
        self.due.pop(sid, None)

    def receivers(self, room: str) -> tuple[int, list[str]]:
        """The room's next sequence number and the members the event goes to (drops counted)."""
        seq = self.seq[room] = self.seq.get(room, 0) + 1
        chosen = []
        for sid in self.members.get(room, set()):
            due = self.due[sid] = self.due.get(sid, 0) + 1
            if self.drop_every and due % self.drop_every == 0:
                self.dropped += 1
            else:
                chosen.append(sid)
        self.delivered += len(chosen)
        return seq, chosen


def build(options: argparse.Namespace) -> web.Application:
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        transports=["websocket"],
        ping_interval=options.ping_interval,
        ping_timeout=options.ping_timeout,
    )
    app = web.Application()
    sio.attach(app)
    rooms = Rooms(options.drop_every)

    # python-socketio runs handlers concurrently and an emit yields: without the lock an
    # unsubscribe's answer could overtake an event numbered before it.
    lock = asyncio.Lock()

    async def publish(room: str, n: Any, t: Any) -> int:
        async with lock:
            seq, sids = rooms.receivers(room)
            event = {"channel": room, "seq": seq, "n": n, "t": t}
            for sid in sids:
                await sio.emit("event", event, to=sid)
        return seq

    async def leave(sid: str, room: Any) -> dict[str, int]:
        async with lock:
            return rooms.leave(sid, str(room))

    @sio.on("connect")
    async def connect(sid: str, environ: Any, auth: Any = None) -> None:
        if options.token and (auth or {}).get("token") != options.token:
            raise socketio.exceptions.ConnectionRefusedError("not authorized")

    sio.on("subscribe", lambda sid, room: rooms.join(sid, str(room)))
    sio.on("unsubscribe", leave)
    sio.on("disconnect", lambda sid, *reason: rooms.forget(sid))

    @sio.on("echo")
    async def echo(sid: str, payload: Any) -> Any:
        return payload

    @sio.on("publish")
    async def on_publish(sid: str, msg: dict[str, Any]) -> dict[str, int]:
        return {"seq": await publish(str(msg["channel"]), msg.get("n"), msg.get("t"))}

    async def http_publish(request: web.Request) -> web.Response:
        msg = await request.json()
        return web.json_response(
            {"seq": await publish(request.match_info["room"], msg["n"], msg["t"])}
        )

    async def stats(request: web.Request) -> web.Response:
        return web.json_response({"dropped": rooms.dropped, "delivered": rooms.delivered})

    async def health(request: web.Request) -> web.Response:
        return web.json_response("ok")

    app.router.add_get("/health", health)
    app.router.add_get("/stats", stats)
    app.router.add_post("/publish/{room}", http_publish)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--drop-every", type=int, default=0)
    parser.add_argument("--ping-interval", type=float, default=25.0)
    parser.add_argument("--ping-timeout", type=float, default=20.0)
    parser.add_argument("--token", default="")
    options = parser.parse_args()
    web.run_app(build(options), host="127.0.0.1", port=options.port, print=None)


if __name__ == "__main__":
    main()
