"""Exact loss, duplicate and order counts from sequence numbers."""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Callable

from perfgate.load.events.tracker import MAX_GAP, Counts, SeqTracker


def feed(tracker: SeqTracker, seqs: list[int]) -> int:
    return sum(tracker.add(s) for s in seqs)


def test_every_event_in_order_is_received_and_none_lost() -> None:
    t = SeqTracker(base=10)
    assert feed(t, [11, 12, 13, 14]) == 0
    assert t.counts(upper=14) == Counts(expected=4, received=4, lost=0)
    assert t.complete(14)


def test_gaps_and_a_missing_tail_are_lost() -> None:
    t = SeqTracker(base=0)
    assert feed(t, [1, 2, 5, 6]) == 2  # 3 and 4 found missing
    counts = t.counts(upper=8)  # 7 and 8 never came either
    assert (counts.expected, counts.received, counts.lost) == (8, 4, 4)
    assert not t.complete(8)


def test_a_late_arrival_fills_its_gap_and_counts_out_of_order() -> None:
    t = SeqTracker(base=0)
    assert feed(t, [1, 3, 2]) == 1 - 1
    counts = t.counts(upper=3)
    assert (counts.received, counts.lost, counts.out_of_order, counts.duplicates) == (3, 0, 1, 0)


def test_a_repeat_is_a_duplicate_and_an_old_event_is_stale() -> None:
    t = SeqTracker(base=5)
    feed(t, [6, 7, 7, 6, 5, 2])
    counts = t.counts(upper=7)
    assert (counts.received, counts.duplicates, counts.lost) == (2, 2, 0)
    assert t.stale == 2


def test_the_floor_leaves_out_the_warm_up_events_and_their_losses() -> None:
    t = SeqTracker(base=0)
    feed(t, [1, 3, 4, 6, 7, 9])  # 2, 5, 8 lost
    counts = t.counts(upper=10, floor=4)  # measured: 5..10; lost 5, 8, 10
    assert (counts.expected, counts.received, counts.lost) == (6, 3, 3)


def test_a_floor_below_the_base_changes_nothing() -> None:
    t = SeqTracker(base=20)
    feed(t, [21, 23])
    assert t.counts(upper=23, floor=3) == t.counts(upper=23)


def test_without_an_upper_bound_the_highest_seen_ends_the_session() -> None:
    t = SeqTracker(base=0)
    feed(t, [1, 2, 4])
    counts = t.counts(upper=None)
    assert (counts.expected, counts.lost) == (4, 1)


def test_an_upper_bound_below_the_highest_seen_is_raised_to_it() -> None:
    t = SeqTracker(base=0)
    feed(t, [1, 2, 3])
    assert t.counts(upper=1).expected == 3


def test_a_huge_jump_is_not_enumerated_but_marks_the_session() -> None:
    t = SeqTracker(base=0)
    assert t.add(MAX_GAP + 10) == 0
    assert t.broken
    assert not t.missing


def test_counts_add_up() -> None:
    total = Counts()
    total.add(Counts(expected=3, received=2, lost=1, duplicates=1, out_of_order=0))
    total.add(Counts(expected=4, received=4, lost=0, duplicates=0, out_of_order=2))
    assert total == Counts(expected=7, received=6, lost=1, duplicates=1, out_of_order=2)


def test_a_late_arrival_inside_a_gap_splits_it() -> None:
    t = SeqTracker(base=0)
    assert feed(t, [1, 10]) == 8
    assert t.add(5) == -1
    assert t.gaps == [(2, 4), (6, 9)] and t.missing == 7
    assert (t.add(2), t.add(4), t.add(9)) == (-1, -1, -1)
    assert t.gaps == [(3, 3), (6, 8)]
    assert (t.add(3), t.add(5)) == (-1, 0)  # 5 came already: a duplicate
    assert t.gaps == [(6, 8)]
    counts = t.counts(upper=12, floor=6)  # measured 7..12: 7, 8, 11, 12 lost
    assert (counts.expected, counts.lost, counts.out_of_order, counts.duplicates) == (6, 4, 5, 1)


def _reference(base: int, seqs: list[int], upper: int, floor: int) -> tuple[Counts, int]:
    """The counts from first principles: every number in the range not seen is lost."""
    seen: set[int] = set()
    high, stale, duplicates, out_of_order = base, 0, 0, 0
    for seq in seqs:
        if seq > high:
            high = seq
        elif seq <= base:
            stale += 1
        elif seq in seen:
            duplicates += 1
        else:
            out_of_order += 1
        seen.add(seq)
    top, low = max(upper, high), max(base, floor)
    lost = sum(1 for s in range(low + 1, top + 1) if s not in seen)
    counts = Counts(max(0, top - low), max(0, top - low) - lost, lost, duplicates, out_of_order)
    return counts, stale


def test_ranges_count_exactly_what_a_set_of_every_number_counts() -> None:
    rng = random.Random(11)
    for _ in range(300):
        base = rng.randrange(0, 50)
        seqs = [s for s in range(base - 3, base + 400) if rng.random() > 0.3]
        for _ in range(rng.randrange(0, 120)):  # late, repeated and stale arrivals
            i = rng.randrange(len(seqs))
            seqs.insert(min(i + rng.randrange(1, 40), len(seqs)), seqs[i] - rng.randrange(0, 9))
        upper, floor = base + rng.randrange(380, 420), rng.randrange(0, base + 200)
        t = SeqTracker(base)
        changes = feed(t, seqs)
        expected, stale = _reference(base, seqs, upper, floor)
        assert t.counts(upper, floor) == expected
        assert t.stale == stale
        assert changes == t.missing == sum(last - first + 1 for first, last in t.gaps)
        assert t.complete(upper) == (t.high >= upper and t.missing == 0)


def _traced_bytes(action: Callable[[], object]) -> int:
    """Peak memory allocated while `action` runs."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_one_gap_just_under_max_gap_costs_bytes_not_megabytes() -> None:
    t = SeqTracker(base=0)
    t.add(1)
    assert _traced_bytes(lambda: t.add(MAX_GAP + 1)) < 4096  # one range (the old set: 62.5 MiB)
    assert t.missing == MAX_GAP - 1 and not t.broken
    assert t.counts(upper=MAX_GAP + 1).lost == MAX_GAP - 1


def test_a_gap_storm_costs_16_bytes_a_gap() -> None:
    t = SeqTracker(base=0)
    storm = [s for s in range(1, 600_001) if s % 3 != 2]  # 200,000 gaps of one event each
    storm += [700_000, 700_000 + MAX_GAP]  # and two long ones
    peak = _traced_bytes(lambda: feed(t, storm))
    assert peak < 200_002 * 16 * 1.2 + 65_536  # arrays over-allocate by about 1/8
    assert len(t.gaps) == 200_002
    assert t.counts(upper=None).lost == 200_000 + 99_999 + MAX_GAP - 1
