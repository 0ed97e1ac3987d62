"""Load shapes as stages: piecewise-linear ramps of clients or requests per second.

Format: comma-, semicolon- or newline-separated ``duration:target`` pairs, for
example ``30s:10, 1m:50, 30s:0``. The duration is a Robot Framework time
string (``30s``, ``1 min 30 s``, ``1.5 h``, ``500 ms``); the target is a plain
non-negative number: clients for a closed model, requests per second for an
open one. Like k6's ramping stages, each stage moves linearly from the
previous target to its own over its duration; the first stage ramps from a
start value (0 unless given). A ``0s`` stage jumps at once, so ``0s:50, 5m:50``
holds 50 for five minutes. After the last stage the target stays at the last
value, but the run itself lasts exactly `total_duration`.

For an open model the target is an arrival rate. `expected_arrivals`
integrates it exactly, and `arrival_times` inverts that integral exactly,
giving the intended send time of every request: the k-th (k = 0, 1, 2...)
is sent when the integral reaches k + phase. The default phase of 0.5 keeps
the number sent by any time within half a request of the integral. To split
one rate across n workers without drift, give worker w the stages scaled by
1/n (`scale_target`) and phase (w + 0.5) / n: their times interleave exactly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from robot.utils import secs_to_timestr

from perfgate.measure.units import parse_duration

_SEPARATORS = re.compile(r"[,;\n]")
_EXAMPLE = "'30s:10, 1m:50, 30s:0'"


@dataclass(frozen=True)
class Stage:
    """One ramp: reach `target` (clients or req/s) linearly over `duration_s` seconds."""

    duration_s: float
    target: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.duration_s) and self.duration_s >= 0):
            raise ValueError(
                f"stage duration must be a finite number of seconds >= 0, not {self.duration_s!r}."
            )
        if not (math.isfinite(self.target) and self.target >= 0):
            raise ValueError(f"stage target must be a finite number >= 0, not {self.target!r}.")


def parse_stages(text: str | Sequence[str]) -> list[Stage]:
    """Stages from ``duration:target`` pairs such as ``30s:10, 1m:50, 30s:0``.

    A list of such strings (as a Robot Framework list variable gives) works too.
    """
    if isinstance(text, (list, tuple)) and all(isinstance(item, str) for item in text):
        text = ", ".join(text)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"stages must be 'duration:target' pairs, e.g. {_EXAMPLE}, not {text!r}.")
    stages = []
    for part in _SEPARATORS.split(text):
        if not part.strip():
            continue
        duration_text, colon, target_text = part.rpartition(":")
        if not colon or not duration_text.strip():
            raise ValueError(
                f"stage {part.strip()!r} is not 'duration:target'; write e.g. {_EXAMPLE}."
            )
        try:
            duration = parse_duration(duration_text.strip())
        except ValueError:
            raise ValueError(
                f"stage {part.strip()!r} has an invalid duration {duration_text.strip()!r}; "
                f"write e.g. {_EXAMPLE}."
            ) from None
        try:
            target = float(target_text.strip())
        except ValueError:
            target = math.nan
        if not (math.isfinite(target) and target >= 0):
            raise ValueError(
                f"stage {part.strip()!r} has an invalid target {target_text.strip()!r}; "
                f"targets are plain numbers >= 0, e.g. {_EXAMPLE}."
            )
        stages.append(Stage(duration, target))
    return stages


def format_stages(stages: Sequence[Stage]) -> str:
    """The text form `parse_stages` reads back, e.g. ``2min:10, 5min:10, 2min:0``."""
    return ", ".join(
        f"{secs_to_timestr(s.duration_s, compact=True).replace(' ', '')}:{s.target:g}"
        for s in stages
    )


def total_duration(stages: Sequence[Stage]) -> float:
    return float(sum(s.duration_s for s in stages))


def target_at(stages: Sequence[Stage], t: float, start: float = 0.0) -> float:
    """The target at `t` seconds into the run; `start` before 0, the last target after the end."""
    if t < 0:
        return start
    previous = start
    elapsed = 0.0
    for stage in stages:
        end = elapsed + stage.duration_s
        if t < end:
            return previous + (stage.target - previous) * (t - elapsed) / stage.duration_s
        previous = stage.target
        elapsed = end
    return previous


def scale_time(stages: Sequence[Stage], factor: float) -> list[Stage]:
    """Every duration multiplied by `factor` (> 0)."""
    if not (math.isfinite(factor) and factor > 0):
        raise ValueError(f"time scale factor must be a number > 0, not {factor!r}.")
    return [Stage(s.duration_s * factor, s.target) for s in stages]


def scale_target(stages: Sequence[Stage], peak: float) -> list[Stage]:
    """Targets rescaled so the largest equals `peak`; rounding clients is the caller's job."""
    if not (math.isfinite(peak) and peak >= 0):
        raise ValueError(f"peak target must be a number >= 0, not {peak!r}.")
    highest = max((s.target for s in stages), default=0.0)
    if highest <= 0:
        raise ValueError(
            f"cannot scale stages to a peak of {peak:g} because every target is 0; "
            f"give stages with a non-zero target, e.g. {_EXAMPLE}."
        )
    return [Stage(s.duration_s, s.target * peak / highest) for s in stages]


def with_duration(stages: Sequence[Stage], total_s: float) -> list[Stage]:
    """Stages stretched or shrunk proportionally to last `total_s` seconds."""
    if not (math.isfinite(total_s) and total_s > 0):
        raise ValueError(f"total duration must be a number of seconds > 0, not {total_s!r}.")
    current = total_duration(stages)
    if current <= 0:
        raise ValueError(
            f"cannot stretch stages that last 0 seconds to {total_s:g} s; "
            f"give stages with a duration, e.g. {_EXAMPLE}."
        )
    return scale_time(stages, total_s / current)


def _segments(stages: Sequence[Stage], start: float) -> Iterator[tuple[float, float, float, float]]:
    """(begin, duration, rate at begin, rate at end) of every stage with a duration."""
    previous = start
    elapsed = 0.0
    for stage in stages:
        if stage.duration_s > 0:
            yield elapsed, stage.duration_s, previous, stage.target
        elapsed += stage.duration_s
        previous = stage.target


def _area(duration: float, a: float, b: float, u: float) -> float:
    """Integral of a rate moving linearly from a to b over `duration`, from 0 to u."""
    return u * (a + (b - a) * u / (2.0 * duration))


def expected_arrivals(stages: Sequence[Stage], t0: float, t1: float, start: float = 0.0) -> float:
    """Requests the rate intends between `t0` and `t1` seconds (exact; the run is 0..total)."""
    if t1 < t0:
        raise ValueError(f"the window must not end ({t1:g} s) before it begins ({t0:g} s).")
    total = 0.0
    for begin, duration, a, b in _segments(stages, start):
        lo = max(t0, begin) - begin
        hi = min(t1, begin + duration) - begin
        if hi > lo:
            total += _area(duration, a, b, hi) - _area(duration, a, b, lo)
    return total


def _invert(duration: float, a: float, b: float, amount: float) -> float:
    """The u in [0, duration] at which `_area(duration, a, b, u) == amount`."""
    if amount <= 0:
        return 0.0
    slope = (b - a) / duration
    # Root of slope/2 u^2 + a u - amount = 0 in the form that does not
    # cancel when the slope is small or zero.
    discriminant = max(a * a + 2.0 * slope * amount, 0.0)
    denominator = a + math.sqrt(discriminant)
    if denominator <= 0:
        return duration
    return min(2.0 * amount / denominator, duration)


def arrival_times(
    stages: Sequence[Stage],
    start: float = 0.0,
    *,
    phase: float = 0.5,
    from_s: float = 0.0,
) -> Iterator[float]:
    """Intended send times (seconds from the run's start) of an open model, in order.

    The k-th time solves ``expected_arrivals(stages, 0, t, start) == k + phase``
    exactly, for constant rates and ramps alike; times end at
    `total_duration`. `from_s` skips the times before it (to resume a run).
    """
    if not (0.0 <= phase < 1.0):
        raise ValueError(f"phase must be in [0, 1), not {phase!r}.")
    if from_s < 0 or not math.isfinite(from_s):
        raise ValueError(f"from_s must be a number of seconds >= 0, not {from_s!r}.")
    k = max(math.ceil(expected_arrivals(stages, 0.0, from_s, start) - phase), 0)
    base = 0.0  # the integral at the start of the current segment
    for begin, duration, a, b in _segments(stages, start):
        area = _area(duration, a, b, duration)
        while k + phase <= base + area:
            t = begin + _invert(duration, a, b, k + phase - base)
            if t >= from_s:
                yield t
            k += 1
        base += area
