"""Compare current samples with a stored baseline, metric by metric."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from perfgate.baseline.decision import MIN_SAMPLES, MetricVerdict, decide
from perfgate.baseline.errorrate import METRIC as ERROR_RATE
from perfgate.baseline.errorrate import decide_error_rate
from perfgate.baseline.metric_table import DEFAULT_METRICS, spec_for
from perfgate.baseline.store import Baseline
from perfgate.baseline.summary import metric_names
from perfgate.baseline.tolerance import Tolerances


@dataclass(frozen=True)
class Comparison:
    name: str
    environment: str
    kind: str
    baseline_version: int
    verdicts: list[MetricVerdict]
    # Asked-for metrics the baseline does not hold yet (recorded before they existed).
    not_in_baseline: list[str] = field(default_factory=list)

    @property
    def regressed(self) -> list[MetricVerdict]:
        return [v for v in self.verdicts if v.verdict == "regressed"]

    @property
    def statistical(self) -> bool:
        """Every verdict came from a test (or from the error rate's zero-baseline rule)."""
        return all(v.method != "tolerance-only" for v in self.verdicts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "environment": self.environment,
            "kind": self.kind,
            "baseline_version": self.baseline_version,
            "regressed": bool(self.regressed),
            "verdicts": {v.metric: v.to_dict() for v in self.verdicts},
            "not_in_baseline": list(self.not_in_baseline),
        }


def parse_metrics(spec: str | Sequence[str] | None) -> list[str] | None:
    """`p95, rps` or a list; None or empty means the defaults of the result kind."""
    if spec is None:
        return None
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    cleaned = [str(name).strip() for name in names if str(name).strip()]
    for name in cleaned:
        spec_for(name)
    if len(set(cleaned)) != len(cleaned):
        raise ValueError(f"Metrics {spec!r} name a metric twice: list each metric once.")
    return cleaned or None


def chosen_metrics(
    kind: str, samples: Sequence[dict[str, float]], metrics: list[str] | None
) -> list[str]:
    """The metrics to compare; every one must be present in the current samples."""
    chosen = metrics or list(DEFAULT_METRICS[kind])
    present = set(metric_names(samples))
    missing = [name for name in chosen if name not in present]
    if missing:
        raise ValueError(
            f"The {kind} result has no {', '.join(missing)}: pass metrics= naming metrics it "
            f"has ({', '.join(sorted(present)) or 'none'})."
        )
    return chosen


def compare(
    baseline: Baseline,
    kind: str,
    samples: Sequence[dict[str, float]],
    metrics: list[str],
    tolerances: Tolerances,
) -> Comparison:
    if baseline.kind != kind:
        raise ValueError(
            f"Baseline {baseline.name!r} holds {baseline.kind} results but this is a {kind} "
            "result: compare it with a baseline of the same kind."
        )
    stored = baseline.current.samples
    summary = baseline.current.summary
    stored_metrics = set(metric_names(stored))
    # A load result's error rate is always compared when both sides have one: any rise
    # counts (`perfgate.baseline.errorrate`), whatever `metrics=` names.
    both = stored_metrics.intersection(metric_names(samples))
    if kind == "load" and ERROR_RATE in both and ERROR_RATE not in metrics:
        metrics = [*metrics, ERROR_RATE]
    verdicts: list[MetricVerdict] = []
    not_in_baseline: list[str] = []
    statistical = len(stored) >= MIN_SAMPLES and len(samples) >= MIN_SAMPLES
    for metric in metrics:
        if metric not in stored_metrics:
            not_in_baseline.append(metric)
            continue
        tolerance, _ = tolerances.for_metric(metric, statistical=statistical)
        stored_cov = summary[metric]["cov"]
        cov = float(stored_cov) if stored_cov is not None else None
        if metric == ERROR_RATE:
            verdicts.append(decide_error_rate(stored, samples, tolerance, cov))
            continue
        verdicts.append(
            decide(
                metric,
                [sample[metric] for sample in stored],
                [sample[metric] for sample in samples],
                tolerance,
                cov,
            )
        )
    return Comparison(
        name=baseline.name,
        environment=baseline.environment,
        kind=kind,
        baseline_version=baseline.current.version,
        verdicts=verdicts,
        not_in_baseline=not_in_baseline,
    )
