"""Tolerances: how large a change must be before it matters.

Written as `10%`, `0.1`, or per metric as `p95:10%, rps:5%`; a bare value in
a per-metric list (`15%, p95:10%`) sets the tolerance for the other metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from perfgate.baseline.metric_table import spec_for

# With five or more samples per side a significance test guards against
# noise, so the tolerance only has to say what size matters.
DEFAULT_TOLERANCE = 0.10
# With fewer samples nothing but the tolerance separates noise from change,
# and single-run p95s on shared CI runners differ by 10 % and more.
FALLBACK_TOLERANCE = 0.25


@dataclass(frozen=True)
class Tolerances:
    default: float | None = None
    per_metric: dict[str, float] = field(default_factory=dict)

    def for_metric(self, metric: str, *, statistical: bool) -> tuple[float, bool]:
        """The tolerance of `metric` and whether the user chose it explicitly."""
        if metric in self.per_metric:
            return self.per_metric[metric], True
        if self.default is not None:
            return self.default, True
        return (DEFAULT_TOLERANCE if statistical else FALLBACK_TOLERANCE), False


def parse_fraction(text: str, what: str) -> float:
    """`10%` or `0.1` as 0.1; anything else is a one-sentence error."""
    raw = text.strip()
    try:
        value = float(raw[:-1].strip()) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise ValueError(
            f"Tolerance {what}{text!r} is not a number: write it like 10% or 0.1."
        ) from None
    if not raw.endswith("%") and value > 1:
        raise ValueError(
            f"Tolerance {what}{text!r} is ambiguous: write {value:g}% for percent, "
            "or a fraction such as 0.1."
        )
    if value < 0 or value != value:
        raise ValueError(f"Tolerance {what}{text!r} must be zero or positive, like 10%.")
    return value


def parse_tolerances(spec: str | float | None) -> Tolerances:
    if spec is None:
        return Tolerances()
    if isinstance(spec, (int, float)):
        return Tolerances(default=parse_fraction(str(spec), ""))
    if not spec.strip():
        return Tolerances()
    default: float | None = None
    per_metric: dict[str, float] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if ":" in part:
            metric, value = (s.strip() for s in part.split(":", 1))
            spec_for(metric)
            if metric in per_metric:
                raise ValueError(f"Tolerance for {metric!r} is given twice in {spec!r}.")
            per_metric[metric] = parse_fraction(value, f"for {metric} ")
        else:
            if default is not None:
                raise ValueError(
                    f"Tolerance {spec!r} has two values without a metric: "
                    "write one default and name the others, like 15%, p95:10%."
                )
            default = parse_fraction(part, "")
    return Tolerances(default=default, per_metric=per_metric)
