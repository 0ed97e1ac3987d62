"""What every client of an event protocol's worker shares (`WorkerContext`).

A worker's clients and the publisher read the run's settings, clock,
recorder, HTTP session and notes from one `WorkerContext`; each protocol
subclasses it with its own state and its format's compiled field paths (a
`Paths` subclass). Its attributes are read per event: plain fields,
computed once, not properties.
"""

from __future__ import annotations

import builtins
import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, fields
from typing import Generic, TypeVar

import aiohttp

from perfgate.load.events.messages import compile_path
from perfgate.load.events.recorder import EventRecorder
from perfgate.load.events.workerplan import ConfigT

MAX_NOTES = 8
PathsT = TypeVar("PathsT", bound="Paths")


@dataclass(frozen=True)
class Paths:
    """A format's field paths, compiled once: what the publisher reads of an answer
    (type, id, seq, message) and where an event holds its send stamp (time)."""

    type: tuple[str, ...]
    id: tuple[str, ...]
    seq: tuple[str, ...]
    message: tuple[str, ...]
    time: tuple[str, ...]

    @classmethod
    def of(cls: builtins.type[PathsT], fmt: object) -> PathsT:  # `type` is a field here
        """Every field's path, from the format's `<field>_field`."""
        names = [f.name for f in fields(cls)]
        return cls(**{name: compile_path(getattr(fmt, f"{name}_field")) for name in names})


@dataclass
class WorkerContext(Generic[ConfigT]):
    """What every client of one worker shares, and what the publisher needs of it."""

    config: ConfigT
    channel: str
    start_ns: int
    recorder: EventRecorder
    session: aiohttp.ClientSession | None = None
    ssl: ssl.SSLContext | bool = True
    stopping: bool = False
    warm_end_ns: int = field(init=False)
    end_ns: int = field(init=False)
    kept: dict[str, str] = field(default_factory=dict)  # notes by key, in order

    def __post_init__(self) -> None:
        self.warm_end_ns = self.start_ns + int(self.config.warmup_s * 1e9)
        self.end_ns = self.start_ns + int(self.config.duration_s * 1e9)

    @property
    def notes(self) -> list[str]:
        return list(self.kept.values())

    @contextlib.asynccontextmanager
    async def open_session(self) -> AsyncIterator[aiohttp.ClientSession]:
        """The worker's one HTTP session, as `session` while the block runs, then closed:
        no limit on connections (each client holds one), no timeout on the whole."""
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, ssl=self.ssl),
            timeout=aiohttp.ClientTimeout(total=None),
        )
        try:
            yield self.session
        finally:
            await self.session.close()

    def note(self, text: str, key: str | None = None) -> None:
        """Keep a note for the result, once per `key` (else its text), MAX_NOTES at most."""
        if len(self.kept) < MAX_NOTES:
            self.kept.setdefault(key or text, text)
