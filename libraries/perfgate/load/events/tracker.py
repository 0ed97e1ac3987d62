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

from array import array
from bisect import bisect_right
from dataclasses import dataclass

# A jump this large is a sequence restart or a bogus number, not a gap: the
# numbers it skips are neither lost nor expected to arrive.
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
    """Arrivals of one session, by sequence number.

    The missing numbers are kept as ranges (`starts[i]..ends[i]`, inclusive,
    ascending, disjoint) in two int64 arrays: 16 bytes per gap, whatever its
    length, so a day's gap storm or one gap just under MAX_GAP stays small.
    """

    __slots__ = (
        "_ends",
        "_starts",
        "base",
        "broken",
        "duplicates",
        "high",
        "missing",
        "out_of_order",
        "stale",
    )

    def __init__(self, base: int) -> None:
        self.base = base
        self.high = base
        self._starts = array("q")
        self._ends = array("q")
        self.missing = 0  # numbers in the gaps now
        self.duplicates = 0
        self.out_of_order = 0
        self.stale = 0  # at or before `base`: from before this session
        self.broken = False  # a jump beyond MAX_GAP: counts after it are unreliable

    @property
    def gaps(self) -> list[tuple[int, int]]:
        """The missing numbers as (first, last) ranges, ascending."""
        return list(zip(self._starts, self._ends, strict=True))

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
                    self._starts.append(high + 1)
                    self._ends.append(seq - 1)
                    self.missing += gap
            self.high = seq
            return gap
        if seq <= self.base:
            self.stale += 1
            return 0
        if self._fill(seq):
            self.out_of_order += 1
            return -1
        self.duplicates += 1
        return 0

    def _fill(self, seq: int) -> bool:
        """Take `seq` out of its gap (shrinking or splitting it); False if it was in none."""
        i = bisect_right(self._starts, seq) - 1
        if i < 0 or seq > self._ends[i]:
            return False
        first, last = self._starts[i], self._ends[i]
        if first == last:
            del self._starts[i], self._ends[i]
        elif seq == first:
            self._starts[i] = seq + 1
        elif seq == last:
            self._ends[i] = seq - 1
        else:
            self._ends[i] = seq - 1
            self._starts.insert(i + 1, seq + 1)
            self._ends.insert(i + 1, last)
        self.missing -= 1
        return True

    def complete(self, upper: int) -> bool:
        """True when everything up to `upper` has arrived."""
        return self.high >= upper and not self.missing

    def counts(self, upper: int | None, floor: int | None = None) -> Counts:
        """Counts over (max(base, floor), upper]; `upper` None means the highest seen."""
        top = self.high if upper is None else max(upper, self.high)
        low = self.base if floor is None else max(self.base, floor)
        expected = max(0, top - low)
        # Every gap lies at or below `high`, so only the floor can cut one.
        lost = self.missing - self._missing_up_to(low)
        lost += top - max(self.high, low) if top > max(self.high, low) else 0
        return Counts(
            expected=expected,
            received=expected - lost,
            lost=lost,
            duplicates=self.duplicates,
            out_of_order=self.out_of_order,
        )

    def _missing_up_to(self, seq: int) -> int:
        """Missing numbers at or below `seq` (the warm-up's, usually a few gaps)."""
        below = bisect_right(self._starts, seq)
        pairs = zip(self._starts[:below], self._ends[:below], strict=True)
        return sum(min(last, seq) - first + 1 for first, last in pairs)
