"""Inline assertions on measured metrics, shared by the HTTP and WebSocket load keywords.

A getter keyword with an optional assertion, after the Browser library's
``Get Element Count    sel    >    1``::

    ${p95}=    Get Load Metric    ${result}    p95                  # returns the value
    Get Load Metric    ${result}    p95    <    200 ms               # ... and asserts
    Get Load Metric    ${result}    create.p95    <=    300 ms       # one request name

The comparison is a `perfgate.load.thresholds` expression built from the three
parts (``p95 < 200 ms``), so the expected value takes the same units, the
same per-name forms (``create.p95``, ``p95{name=GET /x}``) and gives the same
one-sentence errors as ``thresholds=``. Operators: ``< <= > >= == !=`` and
the words ``less than``, ``greater than``, ``equal``/``should be``,
``inequal``/``should not be`` (``≤ ≥ ≠`` also work).

A result from a saturated load generator (CPU-bound worker, missed sends,
too few samples) carries warnings; every failure message built here says so,
because such figures may describe the generator rather than the system under
test.

A source is anything with ``metric(name, scope=None) -> float | None``
(`perfgate.load.http.LoadResult`, `Progress`, the WebSocket results); None
means "not measured", which fails any assertion.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from perfgate.load.thresholds import Breach, Threshold, format_value, metric_kind, parse_thresholds

OPERATORS: dict[str, str] = {
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
    "==": "==",
    "=": "==",
    "!=": "!=",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "less than": "<",
    "less than or equal": "<=",
    "greater than": ">",
    "greater than or equal": ">=",
    "equal": "==",
    "equals": "==",
    "should be": "==",
    "inequal": "!=",
    "not equal": "!=",
    "should not be": "!=",
}
"""Operator spellings accepted by `normalise_operator`, mapped to the threshold operator."""


class MetricSource(Protocol):
    def metric(self, name: str, scope: str | None = None) -> float | None: ...


@dataclass(frozen=True)
class MetricRef:
    """A metric as a keyword argument names it: ``p95``, ``create.p95``, ``p95{name=GET /x}``."""

    metric: str
    scope: str | None
    text: str

    @property
    def kind(self) -> str:
        """time, fraction, rate, count, bytes, growth or number (see `metric_kind`)."""
        return metric_kind(self.metric)

    def format(self, value: float | None) -> str:
        """`value` in this metric's unit, ``n/a`` when not measured."""
        return format_value(math.nan if value is None else float(value), self.kind)


def normalise_operator(op: str) -> str:
    """The threshold operator for `op` (``less than`` -> ``<``); ValueError if unknown."""
    key = " ".join(str(op).split()).lower()
    if key not in OPERATORS:
        raise ValueError(
            f"unknown assertion operator {op!r}; use one of <, <=, >, >=, ==, != "
            f"(or less than, greater than, equal, should be, inequal)."
        )
    return OPERATORS[key]


def parse_metric(spec: str, known: Collection[str] | None = None) -> MetricRef:
    """A metric and its optional request name; ValueError naming the known metrics if unknown."""
    text = " ".join(str(spec).split())
    if not text:
        raise ValueError("no metric given; name one such as p95, error_rate or rps.")
    try:
        # The threshold parser already splits 'create.p95' and 'p95{name=x}'
        # and knows every metric name; '>= 0' is valid for every kind.
        parsed = parse_thresholds([f"{text} >= 0"], known, units_required=False)[0]
    except ValueError:
        hint = ""
        for guess in (text, text.split("{")[0].strip(), text.rsplit(".", 1)[-1]):
            close = difflib.get_close_matches(guess, list(known or ()), n=1)
            if close:
                hint = f" (did you mean {close[0]!r}?)"
                break
        listed = f"; known: {', '.join(sorted(known))}" if known else ""
        raise ValueError(
            f"unknown metric {text!r}{hint}{listed}; for one request name write e.g. create.p95."
        ) from None
    return MetricRef(parsed.metric, parsed.scope, text)


def check_scope(ref: MetricRef, names: Collection[str] | None) -> None:
    """ValueError when `ref` names a request the result does not have (a typo, usually)."""
    if ref.scope is None or names is None or ref.scope in names:
        return
    close = difflib.get_close_matches(ref.scope, list(names), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    listed = ", ".join(sorted(names)) or "none"
    raise ValueError(f"the result has no request named {ref.scope!r}{hint}; names: {listed}.")


def read_metric(
    source: MetricSource,
    spec: str | MetricRef,
    known: Collection[str] | None = None,
    names: Collection[str] | None = None,
) -> float | None:
    """The value of `spec` in `source`, None when it was not measured."""
    ref = spec if isinstance(spec, MetricRef) else parse_metric(spec, known)
    check_scope(ref, names)
    value = source.metric(ref.metric, ref.scope)
    if value is None or not math.isfinite(float(value)):
        return None
    return float(value)


def build_check(
    spec: str, op: str, expected: object, known: Collection[str] | None = None
) -> Threshold:
    """The threshold ``spec op expected`` (e.g. ``p95 < 200 ms``); ValueError when malformed."""
    operator = normalise_operator(op)
    limit = " ".join(str(expected).split())
    if not limit:
        raise ValueError(
            f"the assertion '{spec} {op}' has no expected value; give one, e.g. '{spec} {op} ...'."
        )
    return parse_thresholds([f"{spec} {operator} {limit}"], known, units_required=False)[0]


def generator_warnings(result: object) -> list[str]:
    """The load generator's own warnings on `result` (``warnings`` or ``health.warnings``)."""
    warnings = getattr(result, "warnings", None)
    if warnings is None:
        warnings = getattr(getattr(result, "health", None), "warnings", None)
    return [str(w) for w in warnings or ()]


def suspect_note(warnings: Sequence[str]) -> str:
    """A sentence to append to a failure message when the generator was not healthy."""
    if not warnings:
        return ""
    return (
        f" The result is suspect: {'; '.join(warnings)}; the figures may describe the load "
        f"generator rather than the system under test."
    )


def failure_text(breaches: Sequence[Breach], warnings: Sequence[str] = ()) -> str:
    """One message listing every breach (metric, value, limit), plus the suspect note."""
    if not breaches:
        return "no assertion failed" + suspect_note(warnings)
    listed = "; ".join(b.message() for b in breaches)
    head = "assertion failed" if len(breaches) == 1 else f"{len(breaches)} assertions failed"
    return f"{head}: {listed}.{suspect_note(warnings)}"


def assert_metric(
    source: MetricSource,
    spec: str,
    op: str,
    expected: object,
    *,
    known: Collection[str] | None = None,
    names: Collection[str] | None = None,
    warnings: Sequence[str] = (),
    message: str = "",
) -> float | None:
    """Check ``spec op expected`` on `source`; AssertionError when it does not hold.

    Returns the value (None when not measured: that always fails).
    `message` replaces the default failure text; the suspect note is added
    to it all the same.
    """
    threshold = build_check(spec, op, expected, known)
    ref = MetricRef(threshold.metric, threshold.scope, spec)
    value = read_metric(source, ref, names=names)
    measured = math.nan if value is None else value
    if not threshold.holds(measured):
        breach = Breach(threshold, measured)
        if message:
            raise AssertionError(message + suspect_note(warnings))
        raise AssertionError(failure_text([breach], warnings))
    return value


def get_metric(
    source: MetricSource,
    spec: str,
    op: str | None = None,
    expected: object = None,
    *,
    known: Collection[str] | None = None,
    names: Collection[str] | None = None,
    warnings: Sequence[str] = (),
    message: str = "",
) -> float | None:
    """The Browser-style getter: the value of `spec`, asserted when `op` is given."""
    if op is None or str(op).strip() == "":
        if expected not in (None, ""):
            raise ValueError(
                f"an expected value ({expected!r}) needs an operator; write e.g. '{spec}  <  "
                f"{expected}'."
            )
        return read_metric(source, spec, known, names)
    return assert_metric(
        source, spec, op, expected, known=known, names=names, warnings=warnings, message=message
    )


def passed_text(threshold: Threshold, value: float | None) -> str:
    """A line for the log when a check holds: ``p95 was 12.3 ms, limit < 200 ms: OK``."""
    shown = format_value(math.nan if value is None else value, threshold.kind)
    written = threshold.limit_text or f"{threshold.limit:g}"
    return f"{threshold.label} was {shown}, limit {threshold.op} {written}: OK"
