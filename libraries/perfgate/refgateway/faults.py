"""Deliberate faults: injected 5xx, memory leaks and whole-process stalls.

All knobs are read from the live options on every use, so /admin changes
take effect at once.
"""

from __future__ import annotations

import asyncio
import random
import time

from .options import GatewayOptions

_TICK_S = 0.1
# Leaked memory is filled with this byte: writing every byte makes the
# pages resident, which is what a leak detector must see (calloc'd or
# merely reserved memory would not show in RSS).
_FILL = b"\xa5"


class Faults:
    def __init__(self, options: GatewayOptions, rng: random.Random) -> None:
        self._options = options
        self._rng = rng
        self._leaks: list[bytes] = []
        self._leak_carry = 0.0
        self._next_stall: float | None = None
        self._stall_every = 0.0
        self.leaked_bytes = 0
        self.injected_errors = 0
        self.stalls = 0
        self.stalled_s = 0.0

    def should_fail(self) -> bool:
        """Decide whether this request gets an injected 5xx (and count it)."""
        rate = self._options.error_rate
        if rate and self._rng.random() < rate:
            self.injected_errors += 1
            return True
        return False

    def leak_for_request(self) -> None:
        kb = self._options.leak_kb_per_request
        if kb:
            self._leak(kb * 1024)

    def release(self) -> int:
        """Free everything leaked so far; return how many bytes that was."""
        freed = self.leaked_bytes
        self._leaks.clear()
        self._leak_carry = 0.0
        self.leaked_bytes = 0
        return freed

    async def run(self) -> None:
        """Background ticker for the time-based faults (leak per minute, stalls)."""
        last = time.monotonic()
        while True:
            await asyncio.sleep(_TICK_S)
            now = time.monotonic()
            mb_per_min = self._options.leak_mb_per_min
            if mb_per_min:
                self._leak(mb_per_min * 1024 * 1024 * (now - last) / 60.0)
            last = now
            self._maybe_stall(now)

    def _maybe_stall(self, now: float) -> None:
        every, length = self._options.stall_every, self._options.stall_for
        if every <= 0 or length <= 0:
            self._next_stall = None
            return
        if self._next_stall is None or every != self._stall_every:
            self._stall_every = every
            self._next_stall = now + every
        if now >= self._next_stall:
            # Blocking the event loop on purpose: nothing in this process
            # runs meanwhile, as in a stop-the-world GC pause.
            started = time.monotonic()
            time.sleep(length)
            ended = time.monotonic()
            self.stalls += 1
            self.stalled_s += ended - started
            self._next_stall = ended + every - length

    def _leak(self, nbytes: float) -> None:
        self._leak_carry += nbytes
        whole = int(self._leak_carry)
        if whole <= 0:
            return
        self._leak_carry -= whole
        self._leaks.append(_FILL * whole)
        self.leaked_bytes += whole
