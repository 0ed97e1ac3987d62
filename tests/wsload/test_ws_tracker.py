"""Exact loss, duplicate and order counts from sequence numbers."""

from __future__ import annotations

from perfgate.wsload.tracker import MAX_GAP, Counts, SeqTracker


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
