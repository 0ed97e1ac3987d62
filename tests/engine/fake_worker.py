"""A protocol's worker for the coordinator's tests: its plan says what it does.

Run as `python -m fake_worker FD PARENT_PID` (tests/engine on PYTHONPATH).
"""

from __future__ import annotations

import asyncio
import os
from multiprocessing.connection import Connection
from typing import Any

from perfgate.load.fdlimit import FdLimit
from perfgate.load.worker import serve


class TriggerFailed(Exception):
    """What this fake protocol reports as ("fatal", sentence)."""


async def _run(conn: Connection, plan: dict[str, Any], start_ns: int, _limit: FdLimit) -> None:
    index, seconds = plan["index"], plan["seconds"]
    act = plan.get("act")
    if act == "crash":
        os._exit(3)
    if act == "fatal":
        raise TriggerFailed("the publish trigger failed.")
    if act == "relay":
        conn.send(("note", index))
    got: list[Any] = []
    if act == "expect_note" and conn.poll(10.0):
        got.append(conn.recv())
    for second in range(seconds):
        await asyncio.sleep(0.01)
        stop = False
        while conn.poll():
            stop = stop or conn.recv()[0] == "stop"
        final = stop or second == seconds - 1
        conn.send(("second", {"worker": index, "second": second, "final": final, "got": got}))
        got = []
        if final:
            return


if __name__ == "__main__":
    serve(_run, fatal=(TriggerFailed,))
