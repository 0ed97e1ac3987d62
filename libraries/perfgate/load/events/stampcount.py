"""What the event stamps of a run add up to: the clock the latencies stand on, its
uncertainty, and why there is no latency when there is none.

The workers report, every second, the stamps they rejected (not a send time
of this run, with one example), the events stamped later than their receipt
(`ahead`, in ns) and how far the wall clock moved against the monotonic
clock so far (`clock_drift_ns`). From those, `StampCounts.basis` gives the
result's fields (`time_format`, `latency_clock`, `latency_uncertainty_ms`,
`clock_drift_ms`, `events_stamped_ahead`, `stamps_rejected`,
`latency_note`), its warnings and its notes.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from perfgate.load.events.stamps import UNIT_NAMES, UNIT_NS, as_date, guess_format, stamp_ns
from perfgate.measure.histogram import Histogram
from perfgate.measure.units import format_ms

# A wall clock that moved this far against the monotonic one during a run was stepped (or
# slewed for minutes): latencies read from the server's wall-clock stamps are uncertain by
# as much, which the result then says as a warning rather than only in the table.
CLOCK_MOVED_NS = 10_000_000


def fine_ms(value: float) -> str:
    """Milliseconds as `format_ms` shows them, but to the nanosecond below a microsecond."""
    if math.isfinite(value) and 0 < abs(value) < 0.001:
        return f"{value:.6f} ms"
    return format_ms(value)


@dataclass
class Basis:
    fields: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def latency_clock(time_format: str) -> str:
    """What a latency of this format is measured against, for the table and the JSON."""
    if time_format not in UNIT_NS:
        return "PerfGate's monotonic clock: its send stamp and the receipt, both on this machine"
    return (
        f"the server's wall clock ({time_format}): this machine's wall clock (CLOCK_REALTIME) at "
        "receipt minus the event's stamp"
    )


class StampFields(Protocol):
    """Where an event's send time is and what it holds (a protocol's settings)."""

    @property
    def time_format(self) -> str: ...

    @property
    def time_field(self) -> str: ...


class StampCounts:
    def __init__(self, protocol: StampFields) -> None:
        self.time_format = protocol.time_format.strip().lower()
        self.time_field = protocol.time_field
        self.unit_ns = UNIT_NS.get(self.time_format, 0)
        self.rejected = 0
        self.example: Any = None
        self.ahead = Histogram()
        self.drift_ns: dict[int, int] = {}

    def add(self, worker: int, snap: dict[str, Any]) -> None:
        """One worker-second's stamp figures."""
        self.rejected += int(snap.get("stamps_rejected") or 0)
        if self.example is None:
            self.example = snap.get("rejected_example")
        ahead = snap.get("ahead")
        if ahead is not None and ahead.get("count"):
            self.ahead.merge(Histogram.from_dict(ahead))
        drift = snap.get("clock_drift_ns")
        if drift is not None:
            self.drift_ns[worker] = max(self.drift_ns.get(worker, 0), int(drift))

    def basis(self, samples: int, received: int) -> Basis:
        """The result's clock fields, warnings and notes, given the latency samples taken."""
        drift_ns = max(self.drift_ns.values(), default=0)
        uncertainty_ns = self.unit_ns + drift_ns if self.unit_ns else 0
        beyond = self.ahead.count - self.ahead.count_at_or_below(uncertainty_ns)
        fields = {
            "time_format": self.time_format,
            "latency_clock": latency_clock(self.time_format),
            "latency_uncertainty_ms": uncertainty_ns / 1e6 if samples else math.nan,
            "clock_drift_ms": drift_ns / 1e6,
            "events_stamped_ahead": beyond,
            "stamps_rejected": self.rejected,
            "latency_note": "" if samples else self._why_not_measured(received),
        }
        out = Basis(fields)
        if samples and self.unit_ns and drift_ns > CLOCK_MOVED_NS:
            out.warnings.append(
                f"this machine's wall clock moved {fine_ms(drift_ns / 1e6)} against its "
                "monotonic clock during the run (set or stepped, e.g. by NTP): the latencies "
                f"read from the server's {self.time_format} stamps are uncertain by as much"
            )
        if not samples and received:
            out.notes.append(f"Event latency was not measured: {fields['latency_note']}.")
        if samples and self.rejected:
            out.warnings.append(
                f"{self.rejected:,} events' {self.time_field!r} was {self._rejected_text()}: "
                "their latency was not counted"
            )
        if beyond:
            out.warnings.append(
                f"{beyond:,} events were stamped up to {fine_ms(self.ahead.max / 1e6)} later "
                f"than they arrived, beyond the uncertainty of {fine_ms(uncertainty_ns / 1e6)}: "
                "the server's clock is not this machine's, or it was set during the run; their "
                "latency was not counted"
            )
        if self.ahead.count - beyond:
            out.notes.append(
                f"{self.ahead.count - beyond:,} events were stamped later than they arrived, "
                f"within the uncertainty of {fine_ms(uncertainty_ns / 1e6)} (the wall clock "
                "moved during the run); their latency was not counted."
            )
        return out

    def _why_not_measured(self, received: int) -> str:
        if not received:
            return "no event was received"
        if self.rejected:
            return f"{self.time_field!r} held {self._rejected_text()}"
        if self.ahead.count:
            return (
                f"every stamp in {self.time_field!r} was later than the event's receipt, by up "
                f"to {format_ms(self.ahead.max / 1e6)}"
            )
        return f"no event carried a send time in {self.time_field!r}"

    def _rejected_text(self) -> str:
        """``no PerfGate send time (e.g. 1712..., which reads as ...: give time_format=...)``."""
        example = self.example
        guess = guess_format(example, time.time_ns())
        if not self.unit_ns:
            text = f"no PerfGate send time of this run (e.g. {example!r}"
        else:
            ns = stamp_ns(example, self.unit_ns)
            when = f", {as_date(ns)} as {self.time_format}" if ns is not None else ""
            text = f"no {self.time_format} stamp from this run (e.g. {example!r}{when}"
        if guess is not None and guess != self.time_format:
            return (
                f"{text}, which reads as the wall clock in epoch {UNIT_NAMES[guess]}; give "
                f"time_format={guess} if the server stamps events with this machine's clock)"
            )
        return text + ")"
