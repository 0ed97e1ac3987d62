"""How a comparison reads: the failure message and the log.html table."""

from __future__ import annotations

from html import escape

from perfgate.baseline.compare import Comparison
from perfgate.baseline.decision import ALPHA, CONFIDENCE, MIN_SAMPLES, MetricVerdict

_VERDICT_COLOURS = {"improved": "#1a7f37", "within noise": "#57606a", "regressed": "#cf222e"}


def format_value(value: float, unit: str) -> str:
    if unit == "fraction":
        return f"{value * 100:.3g}%"
    return f"{value:.4g} {unit}"


def format_amount(amount: float, unit: str) -> str:
    """A difference: fractions in percentage points, so 1% -> 2% is not "+100%"."""
    if unit == "fraction":
        return f"{amount * 100:.3g} pp"
    return f"{amount:.4g} {unit}"


def format_change(verdict: MetricVerdict) -> str:
    sign = "+" if verdict.change >= 0 else "-"
    absolute = sign + format_amount(abs(verdict.change), verdict.unit)
    if verdict.relative_change is None:
        return absolute
    return f"{absolute} ({verdict.relative_change * 100:+.1f}%)"


def format_band(verdict: MetricVerdict) -> str:
    widened = verdict.cov is not None and 3 * verdict.cov > verdict.tolerance
    source = f"3 x CoV {verdict.cov * 100:.1f}%" if widened and verdict.cov else "tolerance"
    return (
        f"±{verdict.band * 100:.1f}% ({source}) = ±{format_amount(verdict.band_abs, verdict.unit)}"
    )


def method_note(comparison: Comparison) -> str:
    """One sentence saying how the verdicts were reached, for the log."""
    if not comparison.verdicts:
        return "No metric was compared."
    first = comparison.verdicts[0]
    if comparison.statistical:
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


def failure_message(comparison: Comparison) -> str:
    parts = [
        f"{v.metric} {format_value(v.current, v.unit)} vs {format_value(v.baseline, v.unit)} "
        f"({format_change(v)}, noise band ±{v.band * 100:.1f}%)"
        for v in comparison.regressed
    ]
    message = (
        f"Performance regressed against baseline '{comparison.name}' "
        f"(environment {comparison.environment}, version {comparison.baseline_version}): "
        + "; ".join(parts)
        + "."
    )
    if not comparison.statistical:
        first = comparison.verdicts[0]
        message += (
            f" Decided by the noise band alone ({first.n_baseline} baseline vs "
            f"{first.n_current} current samples, fewer than {MIN_SAMPLES} on a side)."
        )
    return message


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
