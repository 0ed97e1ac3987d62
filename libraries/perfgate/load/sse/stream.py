"""Reading a `text/event-stream` as the HTML standard's parser does, chunk by chunk.

Lines end in LF, CRLF or CR; `field: value` (one leading space dropped),
`:` starts a comment; a blank line dispatches the message gathered so far
(several `data:` lines joined by LF). `id:` sets the last event id (kept
across messages, as the reconnect's `Last-Event-ID`), `retry:` with digits
the reconnection time. A message without data is not dispatched.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    data: str
    event: str = "message"
    id: str | None = None  # this message's id field, if it had one


class StreamParser:
    __slots__ = ("_buffer", "_data", "_event", "_id", "last_id", "retry_ms")

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self.last_id = ""
        self.retry_ms: int | None = None

    def feed(self, chunk: bytes) -> list[Message]:
        """The messages `chunk` completes, in order."""
        self._buffer += chunk
        out: list[Message] = []
        while True:
            cut = _line_end(self._buffer)
            if cut is None:
                return out
            end, after = cut
            line = self._buffer[:end].decode("utf-8", "replace")
            self._buffer = self._buffer[after:]
            message = self._line(line)
            if message is not None:
                out.append(message)

    def _line(self, line: str) -> Message | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
            self.last_id = value
        elif name == "retry" and value.isdigit():
            self.retry_ms = int(value)
        return None

    def _dispatch(self) -> Message | None:
        data, event, msg_id = self._data, self._event, self._id
        self._data, self._event, self._id = [], "", None
        if not data:
            return None
        return Message("\n".join(data), event or "message", msg_id)


def _line_end(buffer: bytes) -> tuple[int, int] | None:
    """Where the first line ends and the next begins; None while no line is complete.

    A CR at the very end may be the first half of a CRLF: wait for more."""
    lf = buffer.find(b"\n")
    cr = buffer.find(b"\r", 0, lf if lf >= 0 else len(buffer))
    if cr >= 0:
        if cr + 1 == len(buffer):
            return None
        return cr, cr + 2 if buffer[cr + 1 : cr + 2] == b"\n" else cr + 1
    if lf >= 0:
        return lf, lf + 1
    return None
