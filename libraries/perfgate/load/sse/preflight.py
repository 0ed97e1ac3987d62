"""One stream before the run, so that a wrong URL fails in one sentence, not as a run of
nothing but errors.

The probe opens the stream as a client would, publishes one event through
the trigger when the run publishes (the trigger is checked too), and waits
up to the timeout for an event (a message with a sequence number). It
fails when the URL is unreachable, answers an error status or something
other than `text/event-stream`, when the stream ends before its first event
and when no event comes within the timeout.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp

from perfgate.artifacts import redact
from perfgate.load.events.errors import describe_connect_error
from perfgate.load.events.messages import MessageTemplate
from perfgate.load.events.recorder import EventRecorder
from perfgate.load.sse.client import Context, StreamClient, refusal
from perfgate.load.sse.config import SseLoadConfig, fill_channel
from perfgate.load.sse.stream import StreamParser
from perfgate.load.target import make_ssl_context


def preflight(config: SseLoadConfig, channel: str) -> None:
    """Raise ConnectionError or ValueError (one sentence) unless the stream gives an event."""
    asyncio.run(_probe(config, channel))


async def _probe(config: SseLoadConfig, channel: str) -> None:
    now = time.monotonic_ns()
    ctx = Context(config, channel, now, EventRecorder(now, now, "perfgate"))
    https = config.url.startswith("https:") or config.publish_url.startswith("https:")
    ctx.ssl = make_ssl_context(config.verify_tls) if https else True
    client = StreamClient(ctx, now)
    url = redact.url(client.url)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=config.timeout_s)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        ctx.session = session
        headers = {"Accept": "text/event-stream", **config.headers}
        if client.body is not None:
            headers.setdefault("Content-Type", "application/json")
        try:
            response = await asyncio.wait_for(
                session.request(
                    config.method, client.url, data=client.body, headers=headers, ssl=ctx.ssl
                ),
                config.timeout_s,
            )
        except Exception as exc:
            why = describe_connect_error(client.url, exc, config.timeout_s)
            raise ConnectionError(why[0].upper() + why[1:]) from None
        async with response:
            refused = refusal(response)
            if refused is not None:
                raise ValueError(refused[1])
            if config.event_rate > 0:
                await _publish(ctx)
            await _first_event(client, response, url)


async def _first_event(client: StreamClient, response: aiohttp.ClientResponse, url: str) -> None:
    timeout_s = client.ctx.config.timeout_s
    parser = StreamParser()
    deadline = time.monotonic() + timeout_s
    while True:
        left = deadline - time.monotonic()
        try:
            chunk = await asyncio.wait_for(response.content.readany(), max(left, 0.001))
        except asyncio.TimeoutError:
            raise ValueError(
                f"The stream at {url} sent no event within the timeout of {timeout_s:g} s; does "
                "its channel get events (give publish_url, or event_rate=0 when the server "
                "generates them)?"
            ) from None
        except aiohttp.ClientError:
            chunk = b""
        if not chunk:
            raise ValueError(
                f"The stream at {url} closed before its first event; is the channel right?"
            )
        if any(client.take(m, time.monotonic_ns()) for m in parser.feed(chunk)):
            return


async def _publish(ctx: Context) -> None:
    """One event through the trigger; its failure is the run's (one sentence)."""
    cfg = ctx.config
    assert ctx.session is not None
    url = fill_channel(cfg.publish_url, ctx.channel)
    body = MessageTemplate(cfg.protocol.publish_body, ctx.channel).render(0, time.monotonic_ns())
    headers = {"Content-Type": "application/json", **cfg.headers}
    try:
        async with ctx.session.post(url, data=body, headers=headers, ssl=ctx.ssl) as answer:
            status = answer.status
    except Exception as exc:
        why = describe_connect_error(url, exc, cfg.timeout_s)
        raise ConnectionError("The publish trigger failed: " + why) from None
    if status >= 400:
        raise ValueError(
            f"The publish trigger {redact.url(url)} answered HTTP {status}; check publish_url=."
        )
