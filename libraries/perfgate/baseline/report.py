"""How a comparison reads: the failure message and the log.html table."""

from __future__ import annotations

from html import escape

from perfgate.baseline.compare import Comparison
from perfgate.baseline.decision import ALPHA, CONFIDENCE, MIN_SAMPLES, MetricVerdict
from perfgate.measure.units import format_number

_VERDICT_COLOURS = {"improved": "#1a7f37", "within noise": "#57606a", "regressed": "#cf222e"}


def format_value(value: float, unit: str) -> str:
    """``11,520 req/s``, ``40.12 ms``, ``0.5%``: PerfGate's one number format, never
    ``1.152e+04``."""
    if unit == "fraction":
        return f"{format_number(value * 100)}%"
    return f"{format_number(value, 4)} {unit}"


def format_amount(amount: float, unit: str) -> str:
    """A difference: fractions in percentage points, so 1% -> 2% is not "+100%"."""
    if unit == "fraction":
        return f"{format_number(amount * 100)} pp"
    return f"{format_number(amount, 4)} {unit}"


def format_change(verdict: MetricVerdict) -> str:
    sign = "+" if verdict.change >= 0 else "-"
    absolute = sign + format_amount(abs(verdict.change), verdict.unit)
    if verdict.relative_change is None:
        return absolute
    return f"{absolute} ({verdict.relative_change * 100:+.1f}%)"


def format_band(verdict: MetricVerdict) -> str:
    if verdict.method == "zero baseline":
        return "none: any error is a regression"
    if verdict.method == "fisher exact":
        spread = f"±{format_amount(verdict.band_abs, verdict.unit)}" if verdict.band_abs else "none"
        return f"sampling noise (Fisher exact); between runs {spread}"
    widened = verdict.cov is not None and 3 * verdict.cov > verdict.tolerance
    source = f"3 x CoV {verdict.cov * 100:.1f}%" if widened and verdict.cov else "tolerance"
    return (
        f"±{verdict.band * 100:.1f}% ({source}) = ±{format_amount(verdict.band_abs, verdict.unit)}"
    )


_ERROR_RATE_NOTE = {
    "zero baseline": " The baseline had no error: any error now is a regression.",
    "fisher exact": (
        " The error rate regressed if a one-sided Fisher exact test of the request counts finds "
        "it higher and the rise exceeds 3 x the baseline's CoV; the tolerance does not apply."
    ),
}


def method_note(comparison: Comparison) -> str:
    """How the verdicts were reached, for the log."""
    if not comparison.verdicts:
        return "No metric was compared."
    notes = "".join(sorted({_ERROR_RATE_NOTE.get(v.method, "") for v in comparison.verdicts}))
    return (_samples_note(comparison) + notes).strip()


def _samples_note(comparison: Comparison) -> str:
    methods = {v.method for v in comparison.verdicts}
    first = comparison.verdicts[0]
    if "tolerance-only" not in methods:
        if "mann-whitney" not in methods:
            return ""
        return (
            f"Decided by a one-sided Mann-Whitney U test (alpha {ALPHA:g}) and a bootstrap "
            f"{CONFIDENCE:.0%} confidence interval of the change in medians, "
            f"{first.n_baseline} baseline vs {first.n_current} current samples: a metric "
            "regressed only when the change is significant and the whole interval lies "
            "beyond the noise band max(tolerance, 3 x baseline CoV)."
        )
    return (
        f"Only {first.n_baseline} baseline vs {first.n_current} current samples (a significance "
        f"test needs {MIN_SAMPLES} on each side), so the medians were compared with the noise "
        "band alone and no significance is claimed; collect samples with Run Repeated for a "
        "statistical verdict."
    )


ACCEPT_HINT = (
    "If the change is intended, accept it with Update Baseline or by running with "
    "--variable PERFGATE_UPDATE_BASELINES:1."
)


def _why(verdict: MetricVerdict) -> str:
    """Why a regressed metric regressed, after its values; no parentheses, as it sits in the
    failure message's own clauses."""
    if verdict.method == "zero baseline":
        return "errors where the baseline had none"
    change = ("+" if verdict.change >= 0 else "-") + format_amount(
        abs(verdict.change), verdict.unit
    )
    if verdict.relative_change is not None:
        change += f" or {verdict.relative_change * 100:+.1f}%"
    if verdict.method == "fisher exact":
        return f"{change}, Fisher exact p={verdict.p_value:.2g}"
    return f"{change}, beyond the noise band ±{verdict.band * 100:.1f}%"


def failure_message(comparison: Comparison, hint: bool = True) -> str:
    """Every regressed metric, and (`hint`) how to accept an intended change."""
    parts = [
        f"{v.metric} {format_value(v.current, v.unit)} vs {format_value(v.baseline, v.unit)}, "
        f"{_why(v)}"
        for v in comparison.regressed
    ]
    message = (
        f"Performance regressed against baseline '{comparison.name}', "
        f"environment {comparison.environment}, version {comparison.baseline_version}: "
        + "; ".join(parts)
        + "."
    )
    loose = [v for v in comparison.regressed if v.method == "tolerance-only"]
    if loose:
        message += (
            f" Decided by the noise band alone: {loose[0].n_baseline} baseline vs "
            f"{loose[0].n_current} current samples, fewer than {MIN_SAMPLES} on a side."
        )
    return f"{message} {ACCEPT_HINT}" if hint else message


def html_table(comparison: Comparison) -> str:
    head = "".join(
        f"<th style='text-align:left;padding:2px 8px'>{h}</th>"
        for h in ("metric", "baseline", "current", "change", "noise band", "p", "verdict")
    )
    rows = []
    for v in comparison.verdicts:
        colour = _VERDICT_COLOURS[v.verdict]
        p_value = f"{v.p_value:.3g}" if v.p_value is not None else "n/a"
        cells = (
            escape(v.metric),
            escape(format_value(v.baseline, v.unit)) + f" <small>(n={v.n_baseline})</small>",
            escape(format_value(v.current, v.unit)) + f" <small>(n={v.n_current})</small>",
            escape(format_change(v)),
            escape(format_band(v)),
            p_value,
            f"<b style='color:{colour}'>{escape(v.verdict)}</b>",
        )
        rows.append(
            "<tr>" + "".join(f"<td style='padding:2px 8px'>{c}</td>" for c in cells) + "</tr>"
        )
    for metric in comparison.not_in_baseline:
        rows.append(
            f"<tr><td style='padding:2px 8px'>{escape(metric)}</td>"
            "<td colspan='6' style='padding:2px 8px'>not in this baseline version; "
            "Update Baseline to start comparing it</td></tr>"
        )
    title = (
        f"Baseline <b>{escape(comparison.name)}</b> "
        f"(environment {escape(comparison.environment)}, version {comparison.baseline_version})"
    )
    return (
        f"<div>{title}<table style='border-collapse:collapse'><tr>{head}</tr>"
        + "".join(rows)
        + f"</table><small>{escape(method_note(comparison))}</small></div>"
    )
