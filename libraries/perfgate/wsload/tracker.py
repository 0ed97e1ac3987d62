"""Exact loss, duplicate and order counts from sequence numbers.

A subscriber's session expects every event whose channel sequence number
lies after the one its subscription started at (`base`, from the
`subscribed` reply) and up to the one it ended at (`upper`, from the
`unsubscribed` reply, which the gateway queues after every event before
it). An echo connection expects a reply to each message it sent, numbered
1, 2, 3, ... by the client. Every number in that range that never arrived
is lost; one that arrives again is a duplicate; one that arrives after a
higher one is out of order (it fills a gap counted as missing until then).

Counts for the measured period are computed only at the end, because the
sequence number that ends the warm-up (`floor`) may become known after
events beyond it have arrived.
"""

from __future__ import annotations

from dataclasses import dataclass

# A jump this large is a sequence restart or a bogus number, not a gap to
# enumerate one by one.
MAX_GAP = 1_000_000


@dataclass
class Counts:
    """Events of one or many sessions over the measured period."""

    expected: int = 0
    received: int = 0  # distinct expected events that arrived
    lost: int = 0
    duplicates: int = 0
    out_of_order: int = 0

    def add(self, other: Counts) -> None:
        self.expected += other.expected
        self.received += other.received
        self.lost += other.lost
        self.duplicates += other.duplicates
        self.out_of_order += other.out_of_order


class SeqTracker:
    """Arrivals of one session, by sequence number."""

    __slots__ = ("base", "broken", "duplicates", "high", "missing", "out_of_order", "stale")

    def __init__(self, base: int) -> None:
        self.base = base
        self.high = base
        self.missing: set[int] = set()
        self.duplicates = 0
        self.out_of_order = 0
        self.stale = 0  # at or before `base`: from before this session
        self.broken = False  # a jump beyond MAX_GAP: counts after it are unreliable

    def add(self, seq: int) -> int:
        """Record one arrival; return the change in missing events (+gap, -1 for a filled one)."""
        high = self.high
        if seq > high:
            gap = seq - high - 1
            if gap:
                if gap > MAX_GAP:
                    self.broken = True
                    gap = 0
                else:
                    self.missing.update(range(high + 1, seq))
            self.high = seq
            return gap
        if seq <= self.base:
            self.stale += 1
            return 0
        if seq in self.missing:
            self.missing.discard(seq)
            self.out_of_order += 1
            return -1
        self.duplicates += 1
        return 0

    def complete(self, upper: int) -> bool:
        """True when everything up to `upper` has arrived."""
        return self.high >= upper and not self.missing

    def counts(self, upper: int | None, floor: int | None = None) -> Counts:
        """Counts over (max(base, floor), upper]; `upper` None means the highest seen."""
        top = self.high if upper is None else max(upper, self.high)
        low = self.base if floor is None else max(self.base, floor)
        expected = max(0, top - low)
        lost = sum(1 for s in self.missing if low < s <= top)
        lost += top - max(self.high, low) if top > max(self.high, low) else 0
        return Counts(
            expected=expected,
            received=expected - lost,
            lost=lost,
            duplicates=self.duplicates,
            out_of_order=self.out_of_order,
        )
