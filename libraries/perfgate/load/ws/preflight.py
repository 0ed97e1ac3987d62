"""Before any worker starts: one connection, one subscribe (or echo) round trip.

A wrong URL, a refused handshake or templates the gateway does not
understand should cost one sentence, not a run of thousands of failures.
The check subscribes and unsubscribes on the run's channel but publishes
nothing, so the run's event counts are untouched; the publish path is
checked by the run's first publish (see `publisher`).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from perfgate.load.events.messages import MessageTemplate, as_int, compile_path, excerpt, lookup
from perfgate.load.target import check_reachable, make_ssl_context, parse_target
from perfgate.load.ws.config import WsLoadConfig, trigger_url
from perfgate.load.ws.dial import Link, describe_failure, dial, uses_tls


def preflight(config: WsLoadConfig, channel: str) -> list[str]:
    """Raise ConnectionError or ValueError (one sentence) if the run cannot work; else notes."""
    if config.publish_url:
        target = parse_target(trigger_url(config, channel))
        try:
            check_reachable(target, config.timeout_s, config.verify_tls)
        except ConnectionError as exc:
            raise ConnectionError(f"the publish trigger: {exc}") from None
    return asyncio.run(_check(config, channel))


async def _check(config: WsLoadConfig, channel: str) -> list[str]:
    ssl_ctx: Any = make_ssl_context(config.verify_tls) if uses_tls(config) else True
    async with aiohttp.ClientSession() as session:
        try:
            ws = await dial(session, config, ssl_ctx)
        except (asyncio.TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise ConnectionError(describe_failure(config.url, exc, config.timeout_s)) from None
        try:
            if config.mode == "echo":
                return await _check_echo(config, ws, channel)
            return await _check_subscribe(config, ws, channel)
        finally:
            await ws.close()


async def _reply(ws: Link, timeout_s: float, what: str) -> Any:
    try:
        msg = await asyncio.wait_for(ws.receive(), timeout_s)
    except asyncio.TimeoutError:
        raise ValueError(
            f"the gateway did not answer the {what} message within {timeout_s:g} s; check the "
            f"{what} template and the protocol fields."
        ) from None
    if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
        raise ConnectionError(
            f"the gateway closed the WebSocket instead of answering the {what} message; check "
            f"the {what} template."
        )
    try:
        return json.loads(msg.data)
    except ValueError:
        raise ValueError(
            f"the gateway answered the {what} message with {excerpt(msg.data)!r}, which is not "
            "JSON; check the template and the protocol fields."
        ) from None


async def _check_subscribe(config: WsLoadConfig, ws: Link, channel: str) -> list[str]:
    protocol = config.protocol
    kind_path = compile_path(protocol.type_field)
    notes = []
    await ws.send_str(MessageTemplate(protocol.subscribe, channel).render())
    doc = await _reply(ws, config.timeout_s, "subscribe")
    kind = lookup(doc, kind_path)
    if kind == protocol.error_type:
        message = lookup(doc, compile_path(protocol.message_field))
        raise ValueError(
            f"subscribing to channel {channel!r} failed: the gateway answered "
            f"{excerpt(str(message))!r}."
        )
    if kind_path and kind != protocol.subscribed_type:
        raise ValueError(
            f"the gateway answered the subscribe message with {excerpt(json.dumps(doc))!r}, not a "
            f"{protocol.subscribed_type!r} reply; check subscribe_message= and the protocol fields."
        )
    if as_int(lookup(doc, compile_path(protocol.seq_field))) is None:
        notes.append(
            f"The subscribed reply has no {protocol.seq_field!r}: each session counts losses "
            "from the first event it received."
        )
    await ws.send_str(MessageTemplate(protocol.unsubscribe, channel).render())
    try:
        await _reply(ws, min(config.timeout_s, 2.0), "unsubscribe")
    except ValueError:
        notes.append(
            "The gateway does not answer the unsubscribe message: losses at the very end of "
            "each session are not counted."
        )
    return notes


async def _check_echo(config: WsLoadConfig, ws: Link, channel: str) -> list[str]:
    protocol = config.protocol
    await ws.send_str(MessageTemplate(protocol.echo, channel).render(1, 0))
    doc = await _reply(ws, config.timeout_s, "echo")
    if as_int(lookup(doc, compile_path(protocol.echo_seq_field))) is None:
        raise ValueError(
            f"the echo reply {excerpt(json.dumps(doc))!r} has no {protocol.echo_seq_field!r} "
            "number; check echo_message= and the protocol fields."
        )
    return []
