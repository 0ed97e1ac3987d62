"""Deliberate faults: injected 5xx, memory leaks, a GC-like sawtooth and whole-process stalls.

All knobs are read from the live options on every use, so /admin changes
take effect at once.
"""

from __future__ import annotations

import asyncio
import mmap
import random
import time

from .options import GatewayOptions

_TICK_S = 0.1
# Leaked memory is filled with this byte: writing every byte makes the
# pages resident, which is what a leak detector must see (calloc'd or
# merely reserved memory would not show in RSS).
_FILL = b"\xa5"


# Each sawtooth cycle lasts the period times a factor drawn from this range:
# a garbage collector's cycle follows allocation, not a metronome.
_SAWTOOTH_JITTER = (0.75, 1.25)


class Sawtooth:
    """Garbage that piles up and is all given back at once, on a cycle.

    Imitates a collected runtime (V8, the JVM) for the leak verdict: memory
    climbs by `sawtooth_mb` over about `sawtooth_period` seconds, then drops
    back. The garbage is held in anonymous mmaps, written to be resident, so
    that dropping it returns the pages to the kernel at once (malloc would
    keep them for reuse and RSS would not fall).
    """

    def __init__(self, options: GatewayOptions, rng: random.Random) -> None:
        self._options = options
        self._rng = rng
        self._maps: list[mmap.mmap] = []
        self._cycle_s = 0.0
        self._started = 0.0
        self.held_bytes = 0
        self.cycles = 0

    def tick(self, now: float) -> None:
        size_mb, period = self._options.sawtooth_mb, self._options.sawtooth_period
        if size_mb <= 0 or period <= 0:
            self.collect()
            return
        if self._cycle_s <= 0:
            self._begin(now, period)
        elapsed = now - self._started
        if elapsed >= self._cycle_s:
            self.collect()
            self.cycles += 1
            self._begin(now, period)
            return
        target = int(size_mb * 1024 * 1024 * elapsed / self._cycle_s)
        if target > self.held_bytes:
            self._hold(target - self.held_bytes)

    def collect(self) -> None:
        for block in self._maps:
            block.close()
        self._maps.clear()
        self.held_bytes = 0

    def _begin(self, now: float, period: float) -> None:
        self._started = now
        self._cycle_s = period * self._rng.uniform(*_SAWTOOTH_JITTER)

    def _hold(self, nbytes: int) -> None:
        block = mmap.mmap(-1, nbytes)
        block.write(_FILL * nbytes)
        self._maps.append(block)
        self.held_bytes += nbytes


class Faults:
    def __init__(self, options: GatewayOptions, rng: random.Random) -> None:
        self._options = options
        self._rng = rng
        self.sawtooth = Sawtooth(options, rng)
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
        """Background ticker for the time-based faults (leak per minute, sawtooth, stalls)."""
        last = time.monotonic()
        while True:
            await asyncio.sleep(_TICK_S)
            now = time.monotonic()
            mb_per_min = self._options.leak_mb_per_min
            if mb_per_min:
                self._leak(mb_per_min * 1024 * 1024 * (now - last) / 60.0)
            last = now
            self.sawtooth.tick(now)
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
