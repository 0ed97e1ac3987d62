"""Bounded timelines: per-second rows for a recent window, coarser rows before it."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from perfgate.measure.histogram import Histogram
from perfgate.measure.timeline import TIERS, Tier, Timeline, max_rows, percentiles_ms

# The default ladder shrunk 180 times: 1 s rows for the last 20 s, 5 s rows for the 20 s
# before, 15 s rows before that.
SMALL = (Tier(1, 20.0), Tier(5, 40.0), Tier(15, math.inf))


@dataclass
class Row:
    t: float
    requests: int
    p95: float
    warmup: bool = False
    width_s: float = 1.0


def _combine(rows: Sequence[Row], hist: Histogram, width_s: float) -> Row:
    return Row(rows[0].t, sum(r.requests for r in rows), percentiles_ms(hist)[1],
               rows[-1].warmup, width_s)  # fmt: skip


def _run(seconds: int, warmup: int = 0) -> tuple[Timeline[Row], dict[int, list[int]]]:
    """A timeline fed `seconds` rows of random samples; also the samples of each second."""
    rng = random.Random(seconds)
    timeline: Timeline[Row] = Timeline(_combine, SMALL)
    samples = {}
    for second in range(seconds):
        values = [rng.randrange(1, 500) * 1_000_000 for _ in range(rng.randrange(0, 30))]
        hist = Histogram()
        for value in values:
            hist.record(value)
        samples[second] = values
        timeline.add(second, Row(float(second), len(values), percentiles_ms(hist)[1],
                                 second < warmup), hist)  # fmt: skip
        assert len(timeline) <= max_rows(second + 1, SMALL)
    return timeline, samples


def test_a_run_within_the_window_keeps_every_second_as_it_was() -> None:
    timeline, samples = _run(20)
    rows = timeline.rows()
    assert [(r.t, r.width_s, r.requests) for r in rows] == [
        (float(s), 1.0, len(samples[s])) for s in range(20)
    ]


def test_older_seconds_are_merged_exactly_into_wider_rows() -> None:
    timeline, samples = _run(500, warmup=7)
    rows = timeline.rows()
    start = 0.0
    for row in rows:
        assert row.t == start  # the rows tile the run
        seconds = range(int(row.t), int(row.t + row.width_s))
        merged = Histogram()
        for second in seconds:
            for value in samples[second]:
                merged.record(value)
        assert row.requests == merged.count
        assert row.p95 == percentiles_ms(merged)[1] or (math.isnan(row.p95) and not merged.count)
        assert row.warmup == (row.t < 7) and (not row.warmup or row.t + row.width_s <= 7)
        start += row.width_s
    assert start == 500
    widths = [r.width_s for r in rows]
    assert widths[-20:] == [1.0] * 20 and set(widths) == {1.0, 5.0, 7.0, 8.0, 15.0}
    assert len(rows) < 20 + 25 // 5 + 1 + 500 // 15 + 2


def test_the_default_ladder_holds_a_day_in_a_fifteenth_of_the_rows() -> None:
    assert max_rows(86_400) == 3_611 + 727 + 1_441
    assert max_rows(600) == 601 + 61 + 11  # coarse rows are built alongside from the start
    assert TIERS[0] == Tier(1, 3_600.0)


def test_tiers_must_widen_and_keep_longer() -> None:
    with pytest.raises(ValueError, match="whole multiples"):
        Timeline(_combine, (Tier(1, 60.0), Tier(7, 30.0)))
    with pytest.raises(ValueError, match="whole multiples"):
        Timeline(_combine, (Tier(10, 60.0), Tier(15, 600.0)))
