"""How long the gateway stopped answering: its health URL probed from outside during a snapshot.

V8 writes a heap snapshot on the gateway's main thread, so the gateway
serves nothing meanwhile. The snapshot's own duration includes the transfer
to PerfGate; what users of the gateway feel is how long a request waited.
So a thread requests the health URL back to back and keeps the longest wait.
"""

from __future__ import annotations

import threading
import time

from perfgate.gateway.health import probe


class PauseProbe:
    """``with PauseProbe(url) as pause: ...``; then ``pause.longest_s`` (None without a URL)."""

    def __init__(self, url: str | None, timeout_s: float = 60.0) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.longest_s: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> PauseProbe:
        if self.url:
            self.longest_s = 0.0
            self._thread = threading.Thread(target=self._run, name="perfgate-pause", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            # The request in flight ends when the gateway answers again, or at its timeout.
            self._thread.join(self.timeout_s + 1)

    def _run(self) -> None:
        assert self.url is not None
        while not self._stop.is_set():
            began = time.perf_counter()
            probe(self.url, timeout=self.timeout_s)
            self.longest_s = max(self.longest_s or 0.0, time.perf_counter() - began)
            self._stop.wait(0.005)
