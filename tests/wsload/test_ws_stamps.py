"""Reading `time_field` as its `time_format` says, without a server: what is a latency, what
is rejected, what is stamped ahead, the uncertainty, and the one sentence when none was
measured."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest

from perfgate.load.events.recorder import EventRecorder
from perfgate.load.events.stampcount import StampCounts
from perfgate.load.events.stamps import guess_format, stamp_ns, wall_offset_ns
from perfgate.load.ws.config import WsLoadConfig, WsProtocol, validate
from perfgate.load.ws.criteria import get_ws_metric, judge_result, resolve_thresholds
from perfgate.load.ws.merge import WsAggregator
from perfgate.load.ws.plan import plan_websocket_run
from perfgate.load.ws.result import WebSocketResult
from perfgate.measure.histogram import Histogram

URL = "ws://127.0.0.1:8080/ws"
START = 1_000_000_000_000  # monotonic ns of the run's start in these tests


def latencies(rec: EventRecorder) -> list[int]:
    return list(rec.latency)


def test_perfgate_stamps_outside_the_run_are_rejected_never_timed() -> None:
    rec = EventRecorder(START, START)
    rec.stamp(START + 5_000, START + 7_000)  # a stamp of this run: 2 us
    rec.stamp(1_712_345_678_901, START + 7_000)  # Date.now() in ms: before the run began
    rec.stamp(START + 9_000, START + 7_000)  # later than its receipt: not our clock
    rec.stamp("soon", START + 7_000)
    assert latencies(rec) == [2_000] and list(rec.latency_warm) == []
    assert rec.stamps_rejected == 3 and rec.rejected_example == 1_712_345_678_901
    snap = rec.drain()
    assert snap["stamps_rejected"] == 3 and snap["latency"]["count"] == 1


def test_epoch_stamps_are_timed_against_the_wall_clock() -> None:
    start = time.monotonic_ns()
    rec = EventRecorder(start, start, "epoch_ms")
    now = start + 3_000_000_000
    wall_now = now + rec.offset_ns
    rec.stamp(wall_now // 1_000_000 - 4, now)  # 4-5 ms ago, in whole ms
    rec.stamp(str(wall_now // 1_000_000), now)  # a string of digits; within 1 ms
    rec.stamp((wall_now + 500_000) / 1e6, now)  # 0.5 ms ahead: within the resolution, so 0
    rec.stamp(wall_now // 1_000_000 + 3, now)  # 2-3 ms ahead: beyond it
    rec.stamp(wall_now * 1000, now)  # nanoseconds read as ms: no stamp of this run
    lat = latencies(rec)
    assert 4_000_000 <= lat[0] < 5_000_000 and 0 <= lat[1] < 1_000_000 and lat[2] == 0
    assert len(lat) == 3 and 2_000_000 < rec.ahead[0] <= 3_000_000
    assert rec.stamps_rejected == 1 and rec.drain()["clock_drift_ns"] >= 0


def test_stamp_units_and_guesses() -> None:
    assert stamp_ns(1_700_000_000_123, 1_000_000) == 1_700_000_000_123_000_000
    assert stamp_ns("1700000000.5", 1_000_000_000) == 1_700_000_000_500_000_000
    assert stamp_ns(True, 1) is None and stamp_ns("x", 1) is None and stamp_ns(None, 1) is None
    now = time.time_ns()
    assert guess_format(now // 1_000_000, now) == "epoch_ms"
    assert guess_format(now, now) == "epoch_ns"
    assert guess_format(now / 1e9, now) == "epoch_s"
    assert guess_format(12_345, now) is None
    assert abs(wall_offset_ns() - (time.time_ns() - time.monotonic_ns())) < 10_000_000


def counts(fmt: str, **snap: Any) -> StampCounts:
    stamps = StampCounts(WsProtocol(time_field="ts", time_format=fmt))
    stamps.add(0, snap)
    return stamps


def ahead_hist(*values_ns: int) -> dict[str, Any]:
    hist = Histogram()
    for value in values_ns:
        hist.record(value)
    return hist.to_dict()


def test_the_uncertainty_is_the_stamp_resolution_plus_the_clock_drift() -> None:
    stamps = counts("epoch_ms", clock_drift_ns=20_000, ahead=ahead_hist(1_010_000, 5_000_000))
    basis = stamps.basis(samples=100, received=102)
    assert basis.fields["latency_uncertainty_ms"] == pytest.approx(1.02)
    assert basis.fields["clock_drift_ms"] == pytest.approx(0.02)
    assert basis.fields["events_stamped_ahead"] == 1  # 5 ms ahead; 1.01 ms is within 1.02 ms
    assert basis.warnings == [
        "1 events were stamped up to 5.00 ms later than they arrived, beyond the uncertainty "
        "of 1.02 ms: the server's clock is not this machine's, or it was set during the run; "
        "their latency was not counted"
    ]
    assert basis.notes[0].startswith("1 events were stamped later than they arrived, within")
    perfgate = counts("perfgate", clock_drift_ns=20_000).basis(samples=5, received=5)
    assert perfgate.fields["latency_uncertainty_ms"] == 0.0 and perfgate.warnings == []


@pytest.mark.parametrize(
    ("fmt", "example", "wanted"),
    [
        ("perfgate", 1_712_345_678_901, "'ts' held no PerfGate send time of this run (e.g. "
         "1712345678901, which reads as the wall clock in epoch milliseconds; give "
         "time_format=epoch_ms if the server stamps events with this machine's clock)"),
        ("perfgate", 42, "'ts' held no PerfGate send time of this run (e.g. 42)"),
        ("epoch_ms", 1_712_345_678_901, "'ts' held no epoch_ms stamp from this run (e.g. "
         "1712345678901, 2024-04-05 19:34:38 UTC as epoch_ms)"),
    ],
)  # fmt: skip
def test_why_no_latency_was_measured(fmt: str, example: Any, wanted: str) -> None:
    if fmt == "perfgate" and example > 1e12:
        example = time.time_ns() // 1_000_000
        wanted = wanted.replace("1712345678901", str(example))
    basis = counts(fmt, stamps_rejected=7, rejected_example=example).basis(0, received=7)
    assert basis.fields["latency_note"] == wanted
    assert basis.notes == [f"Event latency was not measured: {wanted}."]
    assert math.isnan(basis.fields["latency_uncertainty_ms"]) and basis.warnings == []


def test_no_stamp_at_all_and_every_stamp_ahead() -> None:
    assert counts("perfgate").basis(0, 5).fields["latency_note"] == (
        "no event carried a send time in 'ts'"
    )
    ahead = counts("epoch_ms", ahead=ahead_hist(3_000_000)).basis(0, 5).fields["latency_note"]
    assert ahead == "every stamp in 'ts' was later than the event's receipt, by up to 3.00 ms"


def not_measured() -> WebSocketResult:
    agg = WsAggregator(1, 0.0, 1.0, WsProtocol(time_field="ts"))
    agg.add(
        {"worker": 0, "second": 0, "t": 0.0, "interval_s": 1.0, "final": True, "cpu_s": 0.0,
         "gc_max_ms": 0.0, "latency": None, "latency_warm": None, "connect": None,
         "connect_errors": {}, "connects": 1, "disconnections": 0, "reconnects": 0,
         "received": 3, "gaps": 0, "subscribe_errors": 0, "sent": 0, "send_missed": 0,
         "publish_errors": 0, "unrecognized": 0, "connected": 1, "target": 1,
         "stamps_rejected": 3, "rejected_example": 42, "clock_drift_ns": 0,
         "totals": {"expected": 3, "received": 3, "lost": 0, "sessions": 1}}
    )  # fmt: skip
    base = {"url": URL, "mode": "broadcast", "connections": 1, "event_rate": 0.0,
            "warmup_s": 0.0, "ramp_per_s": None, "channel": "c", "workers": 1}  # fmt: skip
    return agg.result(base, stopped_early=False)


def test_a_threshold_on_a_latency_not_measured_says_so_in_one_sentence() -> None:
    result = not_measured()
    assert [r.p95 for r in result.timeline] == [None] and result.latency_samples == 0
    verdict = judge_result(result, resolve_thresholds("NONE, event_latency_p99 < 50 ms"))
    reason = "'ts' held no PerfGate send time of this run (e.g. 42)"
    assert verdict.message() == (
        "Threshold breached: event_latency_p99 < 50 ms cannot hold: no event latency was "
        f"measured ({reason})."
    )
    assert verdict.to_dict()["breaches"][0]["value"] is None
    with pytest.raises(AssertionError) as err:
        get_ws_metric(result, "event_latency_p95", "<", "200 ms")
    assert str(err.value) == (
        "assertion failed: event_latency_p95 < 200 ms cannot hold: no event latency was "
        f"measured ({reason})."
    )
    assert get_ws_metric(result, "event_latency_p95") is None
    assert get_ws_metric(result, "events_received", "==", "3") == 3
    again = WebSocketResult.from_dict(result.to_dict())
    assert again.timeline[0].p95 is None and again.latency_note == reason


def test_time_format_arguments() -> None:
    plan = plan_websocket_run(URL, time_format="EPOCH_MS", protocol={"time_field": "ts"})
    assert plan.config.protocol.time_format == "epoch_ms"
    plan = plan_websocket_run(URL, protocol={"time_format": "epoch_ns"})
    assert plan.config.protocol.time_format == "epoch_ns"
    with pytest.raises(ValueError, match="time_format=epoch_ms and the protocol's time_format"):
        plan_websocket_run(URL, time_format="epoch_ms", protocol={"time_format": "epoch_ns"})
    with pytest.raises(ValueError) as err:
        plan_websocket_run(URL, time_format="ms")
    assert str(err.value) == (
        "time_format must be one of perfgate, epoch_s, epoch_ms, epoch_us, epoch_ns, not 'ms'; "
        "e.g. time_format=epoch_ms for events stamped with Date.now()."
    )
    with pytest.raises(ValueError, match="echo replies carry PerfGate's own send time"):
        validate(WsLoadConfig(URL, mode="echo", protocol=WsProtocol(time_format="epoch_ms")))


def test_a_wall_clock_step_during_the_run_makes_wall_clock_latencies_suspect() -> None:
    stepped = counts("epoch_ms", clock_drift_ns=250_000_000).basis(samples=100, received=100)
    assert stepped.fields["latency_uncertainty_ms"] == pytest.approx(251.0)
    assert stepped.warnings == [
        "this machine's wall clock moved 250.0 ms against its monotonic clock during the run "
        "(set or stepped, e.g. by NTP): the latencies read from the server's epoch_ms stamps "
        "are uncertain by as much"
    ]
    slewed = counts("epoch_ms", clock_drift_ns=9_000_000).basis(samples=100, received=100)
    assert slewed.warnings == []
    # PerfGate's own stamps are monotonic: a wall clock step does not touch them.
    own = counts("perfgate", clock_drift_ns=250_000_000).basis(samples=100, received=100)
    assert own.warnings == []
