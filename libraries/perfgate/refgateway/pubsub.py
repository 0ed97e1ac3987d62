"""Channels, subscribers and fan-out of events, with exact counts of what was lost.

Every event on a channel gets the next sequence number (1, 2, 3, ...) whether
or not any subscriber receives it, so a subscriber that tracks the numbers
knows exactly how many it missed. A delivery is lost for two counted
reasons only: `dropped` (the --drop-events knob) and `overflowed` (the
subscriber's send queue was full because it reads too slowly).
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_CHANNEL_NAME = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
# After a stall longer than this the generator skips the missed ticks instead
# of sending them in one burst; the sequence numbers stay contiguous.
_MAX_CATCH_UP_S = 1.0
# Events a channel keeps for subscribers that resume (SSE `Last-Event-ID`): a
# client away for longer than this many events has lost the older ones.
REPLAY_EVENTS = 1024


class ChannelLimitError(ValueError):
    """A new channel would exceed --max-channels."""


class Subscriber:
    """One connection's outgoing messages: a bounded queue a writer task drains.

    Events are offered without waiting (a slow reader loses them, counted);
    replies to the client's own requests wait for room instead, which stops
    reading from a client that does not read its replies.
    """

    __slots__ = ("channels", "queue")

    def __init__(self, queue_size: int) -> None:
        self.queue: asyncio.Queue[str | bytes] = asyncio.Queue(maxsize=queue_size)
        self.channels: set[str] = set()

    def offer(self, text: str) -> bool:
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            return False
        return True

    async def reply(self, message: dict[str, Any]) -> None:
        await self.queue.put(json.dumps(message))


@dataclass
class Channel:
    name: str
    seq: int = 0
    subscribers: set[Subscriber] = field(default_factory=set)
    enqueued: int = 0
    dropped: int = 0
    overflowed: int = 0
    generator: asyncio.Task[None] | None = None
    recent: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=REPLAY_EVENTS))

    def since(self, last_id: int) -> list[str]:
        """The kept events after `last_id`, oldest first (older ones are gone)."""
        return [text for seq, text in self.recent if seq > last_id]

    def stats(self) -> dict[str, int]:
        return {
            "published": self.seq,
            "subscribers": len(self.subscribers),
            "enqueued": self.enqueued,
            "dropped": self.dropped,
            "overflowed": self.overflowed,
        }


class PubSubHub:
    def __init__(
        self,
        rng: random.Random,
        max_channels: Callable[[], int],
        drop_rate: Callable[[], float],
        rate_for: Callable[[str], float],
        event_bytes: Callable[[], int],
    ) -> None:
        # Knobs are read through callables so that /admin changes apply at once.
        self._rng = rng
        self._max_channels = max_channels
        self._drop_rate = drop_rate
        self._rate_for = rate_for
        self._event_bytes = event_bytes
        self.channels: dict[str, Channel] = {}

    def channel(self, name: str) -> Channel:
        found = self.channels.get(name)
        if found is not None:
            return found
        if not _CHANNEL_NAME.match(name):
            raise ValueError(
                f"channel name {name[:80]!r} is invalid; use 1-64 letters, digits or _.:-"
            )
        if len(self.channels) >= self._max_channels():
            raise ChannelLimitError(
                f"the gateway already has {len(self.channels)} channels (--max-channels); "
                "reuse one or raise the limit"
            )
        created = Channel(name)
        self.channels[name] = created
        return created

    def subscribe(self, sub: Subscriber, name: str) -> int:
        """Add `sub` to channel `name`; return the channel's last sequence number."""
        ch = self.channel(name)
        ch.subscribers.add(sub)
        sub.channels.add(name)
        self._ensure_generator(ch)
        return ch.seq

    def unsubscribe(self, sub: Subscriber, name: str) -> int:
        ch = self.channels.get(name)
        sub.channels.discard(name)
        if ch is None:
            return 0
        ch.subscribers.discard(sub)
        return ch.seq

    def forget(self, sub: Subscriber) -> None:
        for name in list(sub.channels):
            self.unsubscribe(sub, name)

    def publish(self, name: str, data: Any) -> tuple[int, int]:
        """Fan one event out to every subscriber; return (seq, subscribers)."""
        ch = self.channel(name)
        ch.seq += 1
        text = json.dumps(
            {"type": "event", "channel": name, "seq": ch.seq, "ts_ns": time.time_ns(), "data": data}
        )
        ch.recent.append((ch.seq, text))
        drop_rate = self._drop_rate()
        for sub in ch.subscribers:
            if drop_rate and self._rng.random() < drop_rate:
                ch.dropped += 1
            elif sub.offer(text):
                ch.enqueued += 1
            else:
                ch.overflowed += 1
        return ch.seq, len(ch.subscribers)

    def refresh_generators(self) -> None:
        """Start generators that a changed rate now asks for."""
        for ch in self.channels.values():
            self._ensure_generator(ch)

    def totals(self) -> dict[str, int]:
        total = {"channels": len(self.channels)}
        for key in ("published", "subscribers", "enqueued", "dropped", "overflowed"):
            total[key] = 0
        for ch in self.channels.values():
            for key, value in ch.stats().items():
                total[key] += value
        return total

    async def close(self) -> None:
        tasks = [ch.generator for ch in self.channels.values() if ch.generator]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _ensure_generator(self, ch: Channel) -> None:
        if ch.generator is None and ch.subscribers and self._rate_for(ch.name) > 0:
            ch.generator = asyncio.get_running_loop().create_task(self._generate(ch))

    async def _generate(self, ch: Channel) -> None:
        """Publish at the channel's rate while it has subscribers."""
        rate = 0.0
        next_at = 0.0
        try:
            while True:
                current = self._rate_for(ch.name)
                if current <= 0 or not ch.subscribers:
                    return
                now = time.monotonic()
                if current != rate or now - next_at > _MAX_CATCH_UP_S:
                    rate, next_at = current, now
                while next_at <= now:
                    pad = self._event_bytes()
                    data = {"generated": True, "pad": "x" * pad} if pad else {"generated": True}
                    self.publish(ch.name, data)
                    next_at += 1.0 / rate
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        finally:
            ch.generator = None
