"""Pass/fail thresholds written like k6's: ``p95 < 200 ms``, ``error_rate < 1%``.

A threshold is ``metric operator limit``. Several are given as a list, or as
one string separated by commas, semicolons or newlines::

    p95 < 200 ms, p99 < 1.5 s, error_rate < 1%, rps >= 500

Operators: ``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=`` (``≤ ≥ ≠`` also work).

Metrics for the requests of a load run: ``p50 p75 p90 p95 p99 p99.9 min max
mean stdev rps goodput error_rate requests errors``; other results add their own
(``event_latency_p95``, ``connect_p95``, ``event_loss_rate``...), so any
identifier is accepted and the caller names the valid ones.

Per request name, prefix the metric with the name and a dot
(``create_mission.p95 < 300 ms``) or use k6's tag form
(``p95{name=create_mission} < 300 ms``, ``{name:create_mission}`` works
too). Names holding dots, spaces or operators need the tag form:
``p95{name=GET /api/v1.2/missions} < 300 ms``.

The limit's unit decides the conversion, and must fit the metric:

- times (``200 ms``, ``1.5 s``, ``250 us``) become milliseconds; a bare
  number on a latency metric (``p95 < 100``) is refused: write its unit;
- percentages (``1%``) become fractions; a bare number on a ``*_rate``
  metric must be a fraction from 0 to 1 (``error_rate < 0.01``);
- rates (``500 rps``, ``500/s``, ``1.5k rps``, ``30000 rpm``) become
  requests per second; a bare number on ``rps`` is already req/s;
- sizes (``256 MB``, binary as in `perfgate.measure.units`; a bare number
  is refused) become bytes and growth
  rates (``5 MB/h``) MiB per hour;
- counts (``requests``, ``errors``) take bare numbers.

A metric without data (the lookup returns None or NaN - e.g. a request name
that never ran, or one misspelt) is a breach reported as "had no data": a
gate must never pass because the thing it guards was not measured.
"""

from __future__ import annotations

import difflib
import math
import operator
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from perfgate.measure.units import (
    format_bytes,
    format_ms,
    parse_bytes,
    parse_duration,
    parse_fraction,
    parse_mb_per_hour,
    parse_rate,
)

REQUEST_METRICS = frozenset(
    [
        "p50",
        "p75",
        "p90",
        "p95",
        "p99",
        "p99.9",
        "min",
        "max",
        "mean",
        "stdev",
        "rps",
        "goodput",
        "error_rate",
        "requests",
        "errors",
    ]
)
"""Metrics every load result offers, for requests as a whole and per name."""

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_OPERATOR_ALIASES = {"=": "==", "≤": "<=", "≥": ">=", "≠": "!="}
_EXPRESSION = re.compile(
    r"^(?P<lhs>[^<>=!≤≥≠{}]+?(?:\{[^{}]*\})?)\s*(?P<op><=|>=|==|!=|<|>|=|≤|≥|≠)\s*(?P<rhs>[^<>=!≤≥≠]+?)$"
)
_METRIC = re.compile(r"[A-Za-z_]\w*(?:\.\d+)?")
_TAGGED = re.compile(r"^(?P<metric>[^{}]+?)\s*\{\s*(?P<key>\w+)\s*[=:]\s*(?P<value>[^{}]*?)\s*\}$")
_SIMPLE_SCOPE = re.compile(r"[\w-]+")
_LATENCY_SUFFIX = re.compile(r"(?:^|_)(?:p\d+(?:\.\d+)?|min|max|mean|median|stdev|ms)$")
_EXAMPLE = "'p95 < 200 ms', 'error_rate < 1%' or 'rps >= 500'"


def metric_kind(metric: str) -> str:
    """What a metric measures, from its name: time, fraction, rate, count, bytes, growth, number."""
    if metric in ("rps", "goodput") or metric.endswith("_rps"):
        return "rate"
    if metric.endswith("_rate") or metric.endswith("_ratio"):
        return "fraction"
    if metric.endswith("_growth") or metric.endswith("_slope"):
        return "growth"
    if metric.endswith("_bytes") or metric in {"rss", "memory"}:
        return "bytes"
    if metric in {"requests", "errors"} or metric.endswith("_count"):
        return "count"
    if _LATENCY_SUFFIX.search(metric) or "latency" in metric:
        return "time"
    return "number"


@dataclass(frozen=True)
class Threshold:
    """One parsed threshold; `limit` is in the metric's base unit (ms, fraction, req/s...)."""

    metric: str
    op: str
    limit: float
    scope: str | None
    text: str
    kind: str = "number"
    limit_text: str = ""

    def holds(self, value: float) -> bool:
        """True if `value` satisfies the threshold; a NaN value never does."""
        if math.isnan(value):
            return False
        return _OPERATORS[self.op](value, self.limit)

    @property
    def label(self) -> str:
        """The metric as written for people: ``p95``, ``create.p95``, ``p95{name=GET /x}``."""
        if self.scope is None:
            return self.metric
        if _SIMPLE_SCOPE.fullmatch(self.scope):
            return f"{self.scope}.{self.metric}"
        return f"{self.metric}{{name={self.scope}}}"


@dataclass(frozen=True)
class Breach:
    """A threshold that did not hold, with the value measured (NaN when there was none)."""

    threshold: Threshold
    value: float

    def message(self) -> str:
        written = self.threshold.limit_text or f"{self.threshold.limit:g}"
        limit = f"limit {self.threshold.op} {written}"
        if math.isnan(self.value):
            return f"{self.threshold.label} had no data, {limit}"
        return (
            f"{self.threshold.label} was {format_value(self.value, self.threshold.kind)}, {limit}"
        )


def format_value(value: float, kind: str) -> str:
    """A metric value in its kind's unit, as breach messages and log tables show it."""
    if math.isnan(value):
        return "n/a"
    if kind == "time":
        return format_ms(value)
    if kind == "fraction":
        return f"{value * 100:.3g}%"
    if kind == "rate":
        return f"{value:,.1f} req/s"
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "bytes":
        return format_bytes(value)
    if kind == "growth":
        return f"{value:.2f} MB/h"
    return f"{value:g}"


def parse_thresholds(
    spec: str | Sequence[str] | None,
    known_metrics: Collection[str] | None = None,
    *,
    units_required: bool = True,
) -> list[Threshold]:
    """Thresholds from a separated string or a list of strings; None or empty gives none.

    `units_required` refuses a bare number on a latency or size; the assertion keywords,
    whose limit argument documents a plain number as ms, and saved results turn it off.
    """
    if spec is None:
        return []
    if isinstance(spec, str):
        expressions = _split(spec)
    else:
        expressions = []
        for item in spec:
            if not isinstance(item, str):
                raise ValueError(f"threshold {item!r} is not text; write e.g. {_EXAMPLE}.")
            expressions.extend(_split(item))
    parsed = [_parse_one(expression, known_metrics) for expression in expressions]
    if units_required:
        for threshold in parsed:
            _check_unit(threshold)
    return parsed


def _check_unit(threshold: Threshold) -> None:
    """A bare 100 on a latency read as ms, or on a size as bytes, is a guess the report
    cannot show: a threshold is written with its unit (zero is zero in every unit)."""
    unit = _UNIT_NEEDED.get(threshold.kind)
    if unit and threshold.limit != 0 and _PLAIN.fullmatch(threshold.limit_text or ""):
        raise ValueError(
            f"threshold {threshold.text!r} has no unit on its limit; write e.g. "
            f"'{threshold.text} {unit}'."
        )


def _split(text: str) -> list[str]:
    """Split on commas, semicolons and newlines that are not inside ``{...}``."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        if char in ",;\n" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [" ".join(part.split()) for part in parts if part.strip()]


def _parse_one(text: str, known: Collection[str] | None) -> Threshold:
    match = _EXPRESSION.match(text)
    if not match:
        raise ValueError(
            f"threshold {text!r} is not 'metric operator limit'; write e.g. {_EXAMPLE}."
        )
    op = _OPERATOR_ALIASES.get(match.group("op"), match.group("op"))
    metric, scope = _split_metric(match.group("lhs").strip(), text, known)
    kind = metric_kind(metric)
    rhs = match.group("rhs").strip()
    limit, kind = _parse_limit(rhs, kind, metric, text)
    return Threshold(metric, op, limit, scope, text, kind, rhs)


def _split_metric(lhs: str, text: str, known: Collection[str] | None) -> tuple[str, str | None]:
    tagged = _TAGGED.match(lhs)
    if tagged:
        if tagged.group("key") != "name":
            raise ValueError(
                f"threshold {text!r} uses the tag {tagged.group('key')!r}; only "
                f"{{name=...}} is supported, e.g. 'p95{{name=create_mission}} < 300 ms'."
            )
        if not tagged.group("value"):
            raise ValueError(f"threshold {text!r} has an empty request name in {{name=...}}.")
        candidates = [(tagged.group("metric").strip(), tagged.group("value"))]
    else:
        # Try the longest metric first: 'p99.9' before '9', 'a.p95' as scope 'a'.
        candidates = [(lhs, None)] + [
            (lhs[i + 1 :], lhs[:i]) for i, char in enumerate(lhs) if char == "."
        ]
    valid: list[tuple[str, str | None]] = [
        (m, s) for m, s in candidates if _METRIC.fullmatch(m) and (s is None or s.strip())
    ]
    if not valid:
        raise ValueError(
            f"threshold {text!r} does not name a metric such as p95 or error_rate; "
            f"write e.g. {_EXAMPLE}."
        )
    if known is None:
        return valid[0]
    for metric, scope in valid:
        if metric in known:
            return metric, scope
    wrong = valid[0][0]
    close = difflib.get_close_matches(wrong, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValueError(
        f"unknown metric {wrong!r} in threshold {text!r}{hint}; known: {', '.join(sorted(known))}."
    )


_PARSERS: dict[str, tuple[Callable[[str], float], str]] = {
    # Rounded to the picosecond so '1.1 s' is 1100.0 ms, not 1100.0000000000002.
    "time": (lambda rhs: round(parse_duration(rhs) * 1000.0, 9), "a time such as '200 ms'"),
    "fraction": (parse_fraction, "a percentage such as '1%'"),
    "rate": (parse_rate, "a rate such as '500 rps' or '500/s'"),
    "bytes": (lambda rhs: float(parse_bytes(rhs)), "a size such as '256 MB'"),
    "growth": (parse_mb_per_hour, "a growth rate such as '5 MB/h'"),
}


# Kinds whose bare number would be a guess, and the unit the hint suggests.
_UNIT_NEEDED = {"time": "ms", "bytes": "MB"}
_PLAIN = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def _parse_limit(rhs: str, kind: str, metric: str, text: str) -> tuple[float, str]:
    """The limit in the base unit of `kind`, and the kind (found from the unit if unknown)."""
    try:
        number: float | None = float(rhs)
    except ValueError:
        number = None
    if number is not None:
        if not math.isfinite(number):
            raise ValueError(f"threshold {text!r} needs a finite limit; write e.g. {_EXAMPLE}.")
        if kind == "fraction":
            return _with_context(parse_fraction, rhs, text), kind
        if kind in ("time", "rate", "count", "bytes", "growth") and number < 0:
            raise ValueError(f"threshold {text!r} has a negative limit for {metric!r}.")
        return number, kind
    if kind == "count":
        raise ValueError(
            f"threshold {text!r} gives {metric!r} a unit; counts take a plain number, "
            f"e.g. '{metric} < 10'."
        )
    if kind in _PARSERS:
        parser, wanted = _PARSERS[kind]
        try:
            return parser(rhs), kind
        except ValueError:
            raise ValueError(
                f"threshold {text!r} compares {metric!r} with {rhs!r}, but {metric!r} needs "
                f"{wanted}."
            ) from None
    # A metric we know nothing about: the unit alone decides.
    for candidate in ("fraction", "time", "rate", "growth", "bytes"):
        parser, _ = _PARSERS[candidate]
        if candidate == "fraction" and not rhs.endswith("%"):
            continue
        try:
            return parser(rhs), candidate
        except ValueError:
            continue
    raise ValueError(
        f"threshold {text!r} has a limit {rhs!r} with no known unit; use a number, "
        f"a time ('200 ms'), a percentage ('1%') or a rate ('500 rps')."
    )


def _with_context(parser: Callable[[str], float], rhs: str, text: str) -> float:
    try:
        return parser(rhs)
    except ValueError as error:
        raise ValueError(f"threshold {text!r}: {error}") from None


def evaluate(
    thresholds: Sequence[Threshold], lookup: Callable[[str, str | None], float | None]
) -> list[Breach]:
    """Every threshold that does not hold; `lookup(metric, scope)` gives the measured value."""
    breaches = []
    for threshold in thresholds:
        value = lookup(threshold.metric, threshold.scope)
        measured = math.nan if value is None else float(value)
        if not threshold.holds(measured):
            breaches.append(Breach(threshold, measured))
    return breaches


def failure_message(breaches: Sequence[Breach]) -> str:
    """One message listing every breach, for a keyword failure."""
    if not breaches:
        return "no threshold was breached"
    if len(breaches) == 1:
        return f"threshold breached: {breaches[0].message()}"
    listed = "; ".join(breach.message() for breach in breaches)
    return f"{len(breaches)} thresholds breached: {listed}"
