"""Thresholds judged while a load run goes, and the verdict at its end, for every protocol.

The gate reads a run through its metric lookups (``metric(name, scope)``)
and, judging seconds, through rows shaped as `GateRow`; it imports no
protocol. Two ways to stop a run early, both through the run's
``on_progress`` callback (called once a second; returning ``"stop"`` ends
the run):

- ``abort_on_fail=True`` (like k6's ``abortOnFail``): the overall thresholds
  are judged on the *running totals* of the measured period, once the warm-up
  is over and at least `MIN_SAMPLES` requests are in; the first breach stops
  the run and fails the test.
- a ``stop_on_threshold`` profile (``breakpoint``): the load rises until the
  system breaks. Running totals lag behind a ramp (a p95 over the whole run
  crosses its limit long after the rate that caused it), so each *second* is
  judged on its own figures (p50, p95, p99 and error rate of that second; the
  other metrics on the running totals), counting only seconds with at least
  `MIN_ROW_SAMPLES` responses. `CONFIRM_ROWS` breaching seconds in a row
  stop the run, so one stray slow second (a GC pause) does not. The load
  breaks where errors cross the threshold (``error_rate < 50%`` when the run
  gives no ``error_rate`` threshold, `perfgate.load.errorlimit`) or where goodput
  stops following the target: in the open model, a second in which more
  requests were never sent than got a successful response (a stalled server
  answers nothing at all). The *breaking point* is the target (req/s, or
  clients in a closed profile) of the first of those seconds. A run that
  never breaks reports the highest target it reached as a lower bound. Both
  count only load that was served: when no request succeeded up to the
  breaking second (or in the whole run), the breaking point is 0 and not
  *served* - everything failed from the start.

What cannot be judged before the end is left to the end: per-name
thresholds (progress has no per-name figures), ``rps`` (a running rate
during a ramp says nothing of the final one) and lower bounds on the counts
``requests``/``errors`` (counts only grow, so only an upper bound that is
already exceeded is lost for good).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Protocol

from perfgate.load.assertions import suspect_note
from perfgate.load.errorlimit import error_limit
from perfgate.load.stages import Stage, expected_arrivals, total_duration
from perfgate.load.thresholds import Breach, Threshold, evaluate, failure_message

MIN_SAMPLES = 100  # as the engine's health check: below this p99 rests on one value
MIN_ROW_SAMPLES = 50
CONFIRM_ROWS = 2

_LIVE_METRICS = frozenset(
    {"p50", "p75", "p90", "p95", "p99", "p99.9", "min", "max", "mean", "stdev", "error_rate"}
    | {"requests", "errors"}
)
_GROWING = frozenset({"requests", "errors"})
_ROW_LATENCY = frozenset({"p50", "p95", "p99"})


class GateRow(Protocol):
    """One row of a run's timeline (a second, or 10 or 60 s of a long run) as the gate
    reads it; ``p50``, ``p95`` and ``p99`` are read by name for per-second thresholds."""

    t: float  # start of the row, seconds from the start of the run
    width_s: float
    rps: float
    requests: int
    errors: int
    missed: int  # open model: intended but never sent
    target: float  # the load asked for at the end of the row
    warmup: bool


class GateProgress(Protocol):
    """What the gate gets once a second: the row just finished and the running totals."""

    elapsed_s: float
    duration_s: float
    warmup: bool
    requests: int

    @property
    def row(self) -> GateRow: ...  # read-only, so that each protocol's own row type fits

    def metric(self, name: str, scope: str | None = None) -> float | None: ...


class GatedResult(Protocol):
    """A finished run: its timeline is where a breaking point is found."""

    @property
    def timeline(self) -> Sequence[GateRow]: ...


def live_thresholds(thresholds: Sequence[Threshold]) -> list[Threshold]:
    """The thresholds that can be judged while the run goes (see the module doc)."""
    live = []
    for threshold in thresholds:
        if threshold.scope is not None or threshold.metric not in _LIVE_METRICS:
            continue
        if threshold.metric in _GROWING and threshold.op not in ("<", "<="):
            continue
        live.append(threshold)
    return live


@dataclass(frozen=True)
class EarlyStop:
    """Why and when a run was stopped before its end."""

    at_s: float  # seconds into the run (warm-up included)
    of_s: float  # the run's planned length
    reasons: tuple[str, ...]  # breach messages
    row: GateRow | None = None  # per-second mode: the first breaching second

    def describe(self) -> str:
        return f"{'; '.join(self.reasons)} (at {self.at_s:.1f} s of {self.of_s:g} s)"


@dataclass(frozen=True)
class BreakingPoint:
    """Where a stop_on_threshold run broke, or how far it got without breaking."""

    broke: bool
    target: float  # the breaking point: `tried`, or 0 when no request had succeeded
    unit: str  # "req/s" or "clients"
    at_s: float | None  # seconds into the run of the first breaching second
    rps: float  # achieved req/s in that second (or at the peak)
    reasons: tuple[str, ...] = ()
    goodput: float = 0.0  # successful responses per second in that second (or at the peak)
    # Of the measured seconds before the breaking one (the whole run if it never broke;
    # the breaking second itself when nothing came before it).
    error_rate: float = 0.0
    tried: float | None = None  # the load of the breaking second (or the peak); None: target
    served: bool = True  # some request succeeded up to the breaking second (or in the run)

    def describe(self) -> str:
        tried = self.target if self.tried is None else self.tried
        if not self.served:
            where = (
                f"up to the second in which the load broke at {tried:,.1f} {self.unit} "
                f"(at {self.at_s:.1f} s; {'; '.join(self.reasons)})"
                if self.broke
                else f"in the whole run, up to {tried:,.1f} {self.unit}"
            )
            return (
                f"No breaking point above 0 {self.unit}: no request succeeded {where}, "
                f"{self.error_rate:.2%} of the requests failed. A breaking point counts only "
                f"successful responses: check the URL and that the gateway answers it with "
                f"2xx or 3xx."
            )
        if self.broke:
            return (
                f"Breaking point: {self.target:,.1f} {self.unit} (at {self.at_s:.1f} s, "
                f"{self.rps:,.1f} req/s achieved, {self.goodput:,.1f} successful): "
                f"{'; '.join(self.reasons)}."
            )
        return (
            f"No breaking point: the thresholds held up to {self.target:,.1f} {self.unit}, the "
            f"highest load of the run; the breaking point is above that."
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BreakingPoint:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        # A result saved before a figure existed lacks its key: 0, no reasons.
        return cls(**{"rps": 0.0, **values, "reasons": tuple(values.get("reasons") or ())})

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "reasons": list(self.reasons)}


def _good(row: GateRow) -> int:
    return row.requests - row.errors


def _point(
    broke: bool,
    tried: float,
    unit: str,
    row: GateRow,
    before: Sequence[GateRow],
    reasons: tuple[str, ...] = (),
) -> BreakingPoint:
    """The breaking point at `row` (or the peak, unbroken) after the rows `before` it."""
    requests = sum(r.requests for r in before)
    errors = sum(r.errors for r in before)
    served = requests > errors or (broke and _good(row) > 0)
    if not requests:
        requests, errors = row.requests, row.errors
    return BreakingPoint(
        broke,
        tried if served else 0.0,
        unit,
        row.t if broke else None,
        row.rps,
        reasons,
        goodput=_good(row) / row.width_s if row.width_s > 0 else 0.0,
        error_rate=errors / requests if requests else 0.0,
        tried=tried,
        served=served,
    )


class LiveGate:
    """Judges every `GateProgress`; `check` returns True when the run should stop."""

    def __init__(
        self,
        thresholds: Sequence[Threshold],
        *,
        per_second: bool,
        open_model: bool,
        min_samples: int = MIN_SAMPLES,
        min_row_samples: int = MIN_ROW_SAMPLES,
        confirm: int = CONFIRM_ROWS,
        stages: Sequence[Stage] = (),
    ) -> None:
        """`stages` (the resolved profile's) give a breaking point the mean target of its
        second; without them, the target sampled at the end of that second is used. Judged
        per second, errors always count: without an ``error_rate`` threshold, the default
        limit of `perfgate.load.errorlimit` (50 %) applies."""
        self.thresholds = live_thresholds(thresholds)
        limit = error_limit(thresholds)
        if per_second and limit.default:
            self.thresholds.append(limit.threshold)
        self.stages = tuple(stages)
        self.per_second = per_second
        self.open_model = open_model
        self.min_samples = min_samples
        self.min_row_samples = min_row_samples
        self.confirm = max(1, confirm)
        self.stop: EarlyStop | None = None
        self._streak: list[tuple[GateRow, list[str]]] = []
        self._peak: GateRow | None = None

    def check(self, progress: GateProgress) -> bool:
        if self.stop is not None or not self.thresholds or progress.warmup:
            return False
        row = progress.row
        if self._peak is None or row.target > self._peak.target:
            self._peak = row
        reasons = self._row_reasons(progress) if self.per_second else self._total_reasons(progress)
        if reasons is None:  # too few samples to judge
            return False
        if not reasons:
            self._streak = []
            return False
        self._streak.append((row, reasons))
        if len(self._streak) < (self.confirm if self.per_second else 1):
            return False
        first_row, first_reasons = self._streak[0]
        self.stop = EarlyStop(
            at_s=progress.elapsed_s,
            of_s=progress.duration_s,
            reasons=tuple(first_reasons),
            row=first_row if self.per_second else None,
        )
        return True

    def _total_reasons(self, progress: GateProgress) -> list[str] | None:
        if progress.requests < self.min_samples:
            return None
        return [b.message() for b in evaluate(self.thresholds, progress.metric)]

    def _row_reasons(self, progress: GateProgress) -> list[str] | None:
        row = progress.row
        # Goodput stopped following the target: fewer successes than requests never sent.
        stalled = self.open_model and row.missed >= self.min_row_samples and row.missed > _good(row)
        if row.requests < self.min_row_samples and not stalled:
            return None
        reasons = []
        if stalled:
            reasons.append(
                f"{row.missed:,} of {row.missed + row.requests:,} intended requests in one second "
                f"were never sent and {_good(row):,} succeeded (the system stopped keeping up)"
            )
        if row.requests >= self.min_row_samples:

            def lookup(metric: str, scope: str | None) -> float | None:
                if metric in _ROW_LATENCY:
                    return float(getattr(row, metric))
                if metric == "error_rate":
                    return row.errors / row.requests
                return progress.metric(metric, scope)

            reasons += [b.message() for b in evaluate(self.thresholds, lookup)]
        return reasons

    def breaking_point(self, result: GatedResult) -> BreakingPoint:
        """Where the run broke (per-second mode), or the highest target it held."""
        unit = "req/s" if self.open_model else "clients"
        measured = [r for r in result.timeline if not r.warmup] or result.timeline
        if self.stop is not None and self.stop.row is not None:
            row = self.stop.row
            before = [r for r in measured if r.t < row.t]
            return _point(True, self._mean_target(row), unit, row, before, self.stop.reasons)
        peak = max(measured, key=self._mean_target, default=self._peak)
        if peak is None:
            return BreakingPoint(False, 0.0, unit, None, 0.0, served=False)
        return _point(False, self._mean_target(peak), unit, peak, measured)

    def _mean_target(self, row: GateRow) -> float:
        """The target averaged over the row (a second, or 10 or 60 s of a long run): during a
        ramp the row's own target (sampled at its end) would overstate the load that broke
        the system."""
        end = min(row.t + row.width_s, total_duration(self.stages))
        if not self.stages or end <= row.t:
            return row.target
        return expected_arrivals(self.stages, row.t, end) / (end - row.t)


@dataclass
class Verdict:
    """The thresholds judged on the finished result, and what happened during the run."""

    thresholds: tuple[Threshold, ...]
    breaches: list[Breach]
    stop: EarlyStop | None = None
    breaking_point: BreakingPoint | None = None
    warnings: list[str] = field(default_factory=list)
    # Why a capacity or throughput figure of the run cannot pass (`perfgate.load.http.capacity`).
    refusal: str | None = None
    # Why the run's figures cannot pass whatever the thresholds: the gateway under test died
    # during the run, the load never got one answer (`perfgate.load.targetwatch`).
    faults: list[str] = field(default_factory=list)
    # How far a run that did not reach its planned end got and why it stopped
    # (``Partial result: the run stopped at 4.2 s of 10 s (42%): interrupted by Ctrl-C.``).
    partial: str | None = None

    @property
    def failed(self) -> bool:
        """A stop_on_threshold run is expected to break: its breaking point is the finding,
        unless nothing was served. Capacity figures of a failing run never pass, nor does a
        run whose gateway died or that never got an answer."""
        if self.refusal is not None or self.faults:
            return True
        if self.breaking_point is not None:
            return False
        return bool(self.breaches) or self.stop is not None

    def message(self) -> str:
        """The failure message: the faults alone (the thresholds judged figures of a dead
        target), else the refusal, the early stop, every breach, the suspect note."""
        if self.faults:
            return " ".join(self.faults)
        parts = [] if self.refusal is None else [self.refusal]
        if self.stop is not None:
            parts.append(f"Load run stopped early (abort_on_fail): {self.stop.describe()}.")
            if self.breaches:
                parts.append(f"At the end, {failure_message(self.breaches)}.")
        elif self.breaches and self.breaking_point is None:  # a breakpoint run's are its finding
            text = failure_message(self.breaches)
            parts.append(text[0].upper() + text[1:] + ".")
        return " ".join(parts) + suspect_note(self.warnings)

    def stopped_at(self, rows: Sequence[Any]) -> float | None:
        """Where a run that did not reach its planned end stopped, in seconds from its start
        (for its charts): the early stop's instant (abort_on_fail), else, for a partial
        result (Ctrl-C, a Robot timeout, a dead gateway), the end of the last row measured."""
        if self.stop is not None:
            return self.stop.at_s
        if self.partial and rows:
            return float(rows[-1].t + rows[-1].width_s)
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "thresholds": [t.text for t in self.thresholds],
            "passed": not self.failed,
            "breaches": [
                {
                    "threshold": b.threshold.text,
                    "metric": b.threshold.metric,
                    "name": b.threshold.scope,
                    "value": None if math.isnan(b.value) else b.value,
                    "op": b.threshold.op,
                    "limit": b.threshold.limit,
                    "message": b.message(),
                }
                for b in self.breaches
            ],
            "stopped_early": None
            if self.stop is None
            else {
                "at_s": self.stop.at_s,
                "of_s": self.stop.of_s,
                "reasons": list(self.stop.reasons),
            },
            "breaking_point": None
            if self.breaking_point is None
            else self.breaking_point.to_dict(),
            "warnings": list(self.warnings),
            "refusal": self.refusal,
            "faults": list(self.faults),
            "partial": self.partial,
        }


def judge(
    thresholds: Sequence[Threshold],
    lookup: Callable[[str, str | None], float | None],
    *,
    stop: EarlyStop | None = None,
    breaking_point: BreakingPoint | None = None,
    warnings: Sequence[str] = (),
    refusal: str | None = None,
) -> Verdict:
    """The verdict on a finished run; `lookup(metric, scope)` reads the result's figures."""
    return Verdict(
        thresholds=tuple(thresholds),
        breaches=evaluate(thresholds, lookup),
        stop=None if breaking_point is not None else stop,
        breaking_point=breaking_point,
        warnings=list(warnings),
        refusal=refusal,
    )
