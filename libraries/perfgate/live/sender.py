"""The thread that sends a run's series to Prometheus, so that the run never waits on it.

The coordinator's once-a-second callback hands each second's samples to
`RemoteWriter.submit`, which only puts them in a bounded queue; a daemon
thread encodes and POSTs them, several seconds in one request when it fell
behind. A full queue, a refused request or an unreachable server drops
those samples and counts them: live metrics are a view of the run, not its
record (the saved JSON is), so they are never retried and never block it.
The first failure is kept for one warning, which the caller gives from its
own thread (Robot logs nothing from other threads).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import requests

from perfgate.artifacts import redact
from perfgate.live.remotewrite import HEADERS, Labels, Point, compress, encode

Batch = Mapping[Labels, Sequence[Point]]

QUEUE_SECONDS = 60  # seconds of samples waiting at most: a minute of an unreachable server
SEND_TIMEOUT_S = 5.0
_STOP = None


@dataclass
class SendTotals:
    """What a writer did: samples delivered, not delivered and why, time spent sending."""

    delivered: int = 0
    undelivered: int = 0
    requests: int = 0
    send_s: float = 0.0  # the thread's time encoding and POSTing, wall clock
    first_error: str = ""
    errors: list[str] = field(default_factory=list)  # each distinct reason once, at most 5


def _points(batch: Batch) -> int:
    return sum(len(points) for points in batch.values())


class RemoteWriter:
    """POSTs batches to `url` (``http://host:9090/api/v1/write``) from its own thread."""

    @property
    def shown_url(self) -> str:
        """The URL as messages show it: its password and secret parameters masked."""
        return redact.url(self.url)

    def __init__(self, url: str, *, max_pending: int = QUEUE_SECONDS) -> None:
        self.url = url
        self.totals = SendTotals()
        self._queue: queue.Queue[Batch | None] = queue.Queue(maxsize=max_pending)
        self._lock = threading.Lock()
        self._session = requests.Session()
        self._thread = threading.Thread(target=self._run, name="perfgate-remote-write", daemon=True)
        self._thread.start()

    def submit(self, batch: Batch) -> None:
        """Queue `batch` for sending; when the queue is full it is counted as not delivered."""
        try:
            self._queue.put_nowait(batch)
        except queue.Full:
            self._failed(_points(batch), f"more than {self._queue.maxsize} s of samples waited")

    def close(self, timeout_s: float = SEND_TIMEOUT_S + 1.0) -> SendTotals:
        """Send what is queued (waiting at most `timeout_s`), stop the thread, and return the
        totals; what could not be sent by then counts as not delivered."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self._queue.put(_STOP, timeout=max(0.01, deadline - time.monotonic()))
                break
            except queue.Full:
                if time.monotonic() >= deadline:
                    break
        self._thread.join(max(0.0, deadline - time.monotonic()))
        left = 0
        while True:  # what the thread did not take any more
            try:
                batch = self._queue.get_nowait()
            except queue.Empty:
                break
            left += 0 if batch is None else _points(batch)
        if left:
            self._failed(left, f"Prometheus did not take them within {timeout_s:g} s")
        self._session.close()
        return self.totals

    def _run(self) -> None:
        while True:
            batch = self._queue.get()
            if batch is _STOP:
                return
            merged = {k: list(v) for k, v in batch.items()}
            stop = self._drain_into(merged)
            self._send(merged)
            if stop:
                return

    def _drain_into(self, merged: dict[Labels, list[Point]]) -> bool:
        """Seconds that queued up while a request was out join the next one, in time order."""
        while True:
            try:
                batch = self._queue.get_nowait()
            except queue.Empty:
                return False
            if batch is _STOP:
                return True
            for key, points in batch.items():
                merged.setdefault(key, []).extend(points)

    def _send(self, series: Batch) -> None:
        started = time.perf_counter()
        n = _points(series)
        try:
            response = self._session.post(
                self.url, data=compress(encode(series)), headers=HEADERS, timeout=SEND_TIMEOUT_S
            )
            error = "" if response.ok else _refusal(response)
        except requests.RequestException as exc:
            error = _unreachable(exc)
        with self._lock:
            self.totals.requests += 1
            self.totals.send_s += time.perf_counter() - started
            if not error:
                self.totals.delivered += n
        if error:
            self._failed(n, error)

    def _failed(self, n: int, reason: str) -> None:
        with self._lock:
            self.totals.undelivered += n
            self.totals.first_error = self.totals.first_error or reason
            if reason not in self.totals.errors and len(self.totals.errors) < 5:
                self.totals.errors.append(reason)


def _refusal(response: requests.Response) -> str:
    text = response.text.strip().splitlines()[0][:200] if response.text.strip() else ""
    return f"it answered HTTP {response.status_code}{': ' + text if text else ''}"


def _unreachable(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return f"it did not answer within {SEND_TIMEOUT_S:g} s"
    if isinstance(exc, requests.ConnectionError):
        return "it could not be reached (connection refused or no route)"
    return redact.text(str(exc))[:200]
