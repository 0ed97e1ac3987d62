"""A simulated 24-hour run holds bounded memory: the timelines of both engines and
the loss tracker under a gap storm.

The merges are driven as the parent drives them, by one worker's per-second
snapshots; the clock is the snapshots' own `t`. A quiet day keeps it fast: one
second a minute brings latency samples (a merge's cost per second is in its
histograms; what is measured here is the rows', the same with or without samples).

The bounds asserted: 5,280 rows shown and at most `max_rows(86_400)` = 5,779 held
(86,400 before); each merge under 5 MiB, histograms included; the tracker 16 bytes
a gap (a set of every missing number before: 60 MiB here).
"""

from __future__ import annotations

import copy
import tracemalloc
from typing import Any

import numpy as np

from perfgate.load.events.tracker import MAX_GAP, SeqTracker
from perfgate.load.http.charts import all_charts as http_charts
from perfgate.load.http.merge import Aggregator
from perfgate.load.ws.charts import all_charts as ws_charts
from perfgate.load.ws.merge import WsAggregator
from perfgate.measure.histogram import Histogram
from perfgate.measure.timeline import max_rows

DAY = 86_400
WARMUP_S = 300
SAMPLED = 60  # one second in this many has latency samples
BIG_GAP_AT = 12 * 3_600
MiB = 1 << 20
# 1 s rows for the last hour, 10 s for the hour before, 60 s before that.
SHOWN = 3_600 + 360 + (DAY - 7_200) // 60  # 5,280 rows instead of 86,400


def _histogram(values_ms: list[int]) -> dict[str, Any]:
    hist = Histogram()
    hist.record_array(np.array(values_ms, dtype=np.int64) * 1_000_000)
    return hist.to_dict()


LATENCY = _histogram(list(range(1, 101)))  # the same 100 samples in every sampled second
EMPTY = _histogram([])


def _http_second(second: int) -> dict[str, Any]:
    sampled = second % SAMPLED == 0
    names = {}
    if sampled:
        status = {200: 99, 503: 1}
        names = {"get": {"latency": LATENCY, "service": None, "requests": 100,
                         "errors": {"http_5xx": 1}, "status": status}}  # fmt: skip
    return {"worker": 0, "second": second, "t": float(second), "interval_s": 1.0,
            "final": second == DAY - 1, "active": 50, "target": 50.0, "cpu_s": 0.1, "missed": 0,
            "intended": 0, "server_timing": {}, "names": names}  # fmt: skip


def _base_http() -> dict[str, Any]:
    return {"url": "u", "model": "closed", "profile": "", "stages": [], "warmup_s": WARMUP_S,
            "workers": 1}  # fmt: skip


def _base_ws() -> dict[str, Any]:
    return {"url": "ws://u", "mode": "broadcast", "connections": 1, "event_rate": 5.0,
            "warmup_s": WARMUP_S, "ramp_per_s": None, "channel": "c", "workers": 1}  # fmt: skip


def _held_bytes(obj: object) -> int:
    """The memory `obj` holds, as a deep copy of it allocates: a little more (a copied row
    has its own dict), but tracing the whole day instead would take seven times as long."""
    tracemalloc.start()
    try:
        clone = copy.deepcopy(obj)
        held = tracemalloc.get_traced_memory()[0]
        del clone
        return held
    finally:
        tracemalloc.stop()


def test_a_day_of_http_load_keeps_its_timeline_bounded() -> None:
    agg = Aggregator(workers=1, warmup_s=WARMUP_S, duration_s=DAY, open_model=False)
    for second in range(DAY):
        agg.add(_http_second(second))
    result = agg.result(_base_http(), stopped_early=False)
    rows = result.timeline
    assert len(rows) == SHOWN
    assert _held_bytes(agg) < 5 * MiB  # the whole merge, histograms included
    assert len(agg.timeline) <= max_rows(DAY) < 5_800
    measured = (DAY - WARMUP_S) // SAMPLED * 100
    assert sum(r.requests for r in rows if not r.warmup) == result.requests == measured
    assert sum(r.width_s for r in rows) == DAY
    assert [r.width_s for r in rows[-3_600:]] == [1.0] * 3_600
    minute = next(r for r in rows if r.width_s == 60 and r.requests)
    assert minute.rps == 100 / 60 and minute.p95 == result.p95  # every minute's samples alike
    assert "(10 s and 60 s rows before the last 60 min)" in http_charts(result)[0]


def _ws_second(second: int, tracker: SeqTracker, seqs: list[int]) -> dict[str, Any]:
    gaps = sum(tracker.add(seq) for seq in seqs)
    sampled = second % SAMPLED == 0
    snap: dict[str, Any] = {
        "worker": 0, "second": second, "t": float(second), "interval_s": 1.0,
        "final": second == DAY - 1, "totals": None, "cpu_s": 0.1, "gc_max_ms": 0.0,
        "latency": LATENCY if sampled and second >= WARMUP_S else EMPTY,
        "latency_warm": LATENCY if sampled and second < WARMUP_S else EMPTY,
        "connect": EMPTY, "connect_errors": {}, "connects": 0, "disconnections": 0,
        "reconnects": 0, "received": len(seqs), "gaps": gaps, "subscribe_errors": 0,
        "sent": len(seqs), "send_missed": 0, "publish_errors": 0, "clock_errors": 0,
        "unrecognized": 0, "connected": 1, "target": 1,
    }  # fmt: skip
    return snap


def _storm(second: int, seq: int) -> list[int]:
    """Five events a second. From hour 6 to hour 12 every other one is lost, and every
    sixth second the last lost one comes late. At hour 12 a gap just under MAX_GAP, which
    late events split in the next 100 seconds."""
    if second == BIG_GAP_AT:
        return [seq + MAX_GAP]
    seqs = list(range(seq + 1, seq + 6))
    if 6 * 3_600 <= second < BIG_GAP_AT:
        seqs = seqs[::2] + ([seq - 1] if second % 6 == 1 else [])
    elif BIG_GAP_AT < second <= BIG_GAP_AT + 100:
        seqs.append(5 * BIG_GAP_AT + 7_919 * (second - BIG_GAP_AT))  # 5 a second until then
    return seqs


def test_a_day_of_websocket_load_with_a_gap_storm_stays_bounded() -> None:
    agg = WsAggregator(workers=1, warmup_s=WARMUP_S, duration_s=DAY)
    tracker = SeqTracker(base=0)
    seq = 0
    for second in range(DAY):
        seqs = _storm(second, seq)
        seq = max(seq, *seqs)
        snap = _ws_second(second, tracker, seqs)
        if snap["final"]:
            counts = tracker.counts(upper=seq)
            snap["totals"] = {"expected": counts.expected, "received": counts.received,
                              "lost": counts.lost, "out_of_order": counts.out_of_order,
                              "sessions": 1}  # fmt: skip
        agg.add(snap)
    storm = 6 * 3_600 * 2 - 3_600  # two lost a second, one in six seconds came late
    assert _held_bytes(tracker) < (storm + 101) * 16 * 1.2 + 4_096  # 16 bytes a gap
    assert len(tracker.gaps) == storm + 1 + 100  # the long gap split by 100 late events
    result = agg.result(_base_ws(), stopped_early=False)
    rows = result.timeline
    assert len(rows) == SHOWN
    assert _held_bytes(agg) < 5 * MiB
    assert len(agg.timeline) <= max_rows(DAY)
    assert result.events_lost == sum(r.lost for r in rows) == tracker.missing
    assert result.events_lost == storm + MAX_GAP - 1 - 100
    assert result.events_out_of_order == 3_600 + 100
    assert (
        sum(r.events for r in rows)
        == sum(r.sent for r in rows)
        == result.events_sent + 5 * WARMUP_S
    )
    assert [r.width_s for r in rows[-3_600:]] == [1.0] * 3_600
    assert "(10 s and 60 s rows before the last 60 min)" in ws_charts(result)[0]
