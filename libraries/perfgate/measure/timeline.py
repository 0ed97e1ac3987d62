"""A run's timeline in bounded memory: per-second rows for the last hour,
coarser rows before it.

Both load engines close one row per second. Kept whole, a day is 86,400 rows
(about 27 MiB); here the rows of the last hour stay one second wide, the
hour before it is kept in 10-second rows and anything older in 60-second
rows, so a run of `d` seconds holds at most 4,340 + d / 60 rows
(`max_rows`). A run of up to an hour - every smoke and most nightly runs -
keeps exactly the rows it always had.

Why the end and not the start (the ramp) at full resolution: what one reads
after a long run is what led to its end - an `abort_on_fail` stop, a
breaking point, the state it ended in - and all of that is in the last hour.
The live checks (abort_on_fail, breaking point, the console) judge every
second as it closes, so no verdict depends on what is kept. A day's chart
has 100 pixel columns of 14.4 minutes each: per-second rows of its first
minutes could not be seen in it anyway. A coarse row never straddles the end
of the warm-up, so the measured period starts exactly where a row starts.

A coarse row is built from the finer rows as they close, with the merged
latency histogram of its seconds (one histogram per coarse width is alive at
a time), so its percentiles are those of all its samples; counts are summed,
rates are counts over its width, gauges (clients, connections, targets) are
their value at its end, as a second's are. How, for each kind of row, is the
`Combine` function its engine passes in.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Generic, Protocol, TypeVar

from perfgate.measure.histogram import Histogram


class RowLike(Protocol):
    width_s: float  # seconds the row covers
    warmup: bool


Row = TypeVar("Row", bound=RowLike)
# The rows of one coarse row, oldest first, their merged latency histogram and width.
Combine = Callable[[Sequence[Row], Histogram, float], Row]


@dataclass(frozen=True)
class Tier:
    """Rows `width` seconds wide, shown for at least the last `keep_s` seconds of the run."""

    width: int
    keep_s: float


TIERS = (Tier(1, 3600.0), Tier(10, 7200.0), Tier(60, math.inf))


def max_rows(seconds: float, tiers: Sequence[Tier] = TIERS) -> int:
    """The most rows a timeline of a run this long holds (shown and pending)."""
    # A finer level holds its last `keep_s` seconds and the coarser row not yet released.
    spans = [min(seconds, t.keep_s + c.width) for t, c in pairwise(tiers)] + [seconds]
    return sum(math.ceil(span / t.width) + 1 for t, span in zip(tiers, spans, strict=True))


def percentiles_ms(hist: Histogram) -> tuple[float, float, float]:
    """A row's p50, p95, p99 in ms (NaN when it has no sample)."""
    if not hist.count:
        return math.nan, math.nan, math.nan
    p50, p95, p99 = (v / 1e6 for v in hist.percentiles([50, 95, 99]))
    return p50, p95, p99


@dataclass(slots=True)
class _Span(Generic[Row]):
    first: int  # index of its first second
    end: int  # index of the second after its last
    row: Row


@dataclass
class _Building(Generic[Row]):
    """A coarse row being built: the finer rows so far and their merged histogram."""

    first: int
    end: int
    parts: list[Row]
    hist: Histogram


@dataclass
class _Level(Generic[Row]):
    """The rows of one width, and the one being built from the finer level's rows."""

    tier: Tier
    spans: deque[_Span[Row]] = field(default_factory=deque)
    # Ends of the coarser level's finished rows: once one is older than
    # `keep_s`, the rows of this level up to it are dropped.
    released: deque[int] = field(default_factory=deque)
    building: _Building[Row] | None = None


class Timeline(Generic[Row]):
    """Rows of seconds in, a bounded list of rows of mixed width out (`rows`)."""

    def __init__(self, combine: Combine[Row], tiers: Sequence[Tier] = TIERS) -> None:
        for finer, coarser in pairwise(tiers):
            if coarser.width % finer.width or coarser.keep_s <= finer.keep_s:
                raise ValueError(f"tiers must widen by whole multiples and keep longer: {tiers}")
        self._combine = combine
        self._levels: list[_Level[Row]] = [_Level(t) for t in tiers]
        self._newest = 0

    def add(self, second: int, row: Row, hist: Histogram) -> None:
        """Append the row of second number `second` and its latency histogram (not kept)."""
        self._newest = second + 1
        self._append(0, _Span(second, second + 1, row), hist)
        for finer in self._levels[:-1]:
            horizon = self._newest - finer.tier.keep_s
            while finer.released and finer.released[0] <= horizon:
                end = finer.released.popleft()
                while finer.spans and finer.spans[0].end <= end:
                    finer.spans.popleft()

    def _append(self, index: int, span: _Span[Row], hist: Histogram) -> None:
        self._levels[index].spans.append(span)
        if index + 1 < len(self._levels):
            self._feed(index + 1, span, hist)

    def _feed(self, index: int, span: _Span[Row], hist: Histogram) -> None:
        level = self._levels[index]
        width = level.tier.width
        row = level.building
        # A row holds whole multiples of its width, and never both warm-up and measured time.
        if row is not None and (
            span.first // width != row.first // width or span.row.warmup != row.parts[0].warmup
        ):
            self._finish(index, row)
            row = None
        if row is None:
            row = level.building = _Building(span.first, span.end, [], Histogram(*hist.layout))
        row.parts.append(span.row)
        row.end = span.end
        row.hist.merge(hist)
        if span.end % width == 0:
            self._finish(index, row)

    def _finish(self, index: int, building: _Building[Row]) -> None:
        self._levels[index].building = None
        width_s = sum(r.width_s for r in building.parts)
        row = self._combine(building.parts, building.hist, width_s)
        self._levels[index - 1].released.append(building.end)
        self._append(index, _Span(building.first, building.end, row), building.hist)

    def rows(self) -> list[Row]:
        """The coarsest rows up to where the finer ones begin, and so on to the newest."""
        out: list[Row] = []
        covered = 0
        for index in reversed(range(len(self._levels))):
            finer = [lv.spans[0].first for lv in self._levels[:index] if lv.spans]
            limit = min(finer, default=math.inf)
            for span in self._levels[index].spans:
                if span.first >= covered and span.end <= limit:
                    out.append(span.row)
                    covered = span.end
        return out

    def __len__(self) -> int:
        """Rows held, shown or not (coarse rows are built while their seconds are still shown)."""
        return sum(len(level.spans) for level in self._levels)


def width_note(rows: Sequence[RowLike], tiers: Sequence[Tier] = TIERS) -> str:
    """For a chart's title: which coarser rows it shows, or "" when every row is a second."""
    widest = max((r.width_s for r in rows), default=0.0)
    coarse = [f"{c.width} s" for f, c in pairwise(tiers) if widest > f.width]
    if not coarse:
        return ""
    return f" ({' and '.join(coarse)} rows before the last {tiers[0].keep_s / 60:g} min)"
