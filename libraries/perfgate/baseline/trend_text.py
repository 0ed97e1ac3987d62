"""Sentences about series, and the plain-text summary for CI logs."""

from __future__ import annotations

from itertools import groupby

from perfgate.baseline.report import format_amount, format_value
from perfgate.baseline.trend_model import Series


def describe_trend(series: Series) -> str:
    """The trend and, when heading towards the limit, when it would be crossed."""
    projection = series.projection
    if projection.p_value is None:
        return (
            f"too few runs on the current baseline for a trend ({projection.points_used}, need 4)"
        )
    rate = f"{'+' if projection.slope_per_run >= 0 else '-'}"
    rate += f"{format_amount(abs(projection.slope_per_run), series.unit)}/run"
    if projection.direction == "flat":
        return f"no trend ({rate}, Mann-Kendall p={projection.p_value:.2g})"
    text = f"getting {projection.direction} at {rate} (Mann-Kendall p={projection.p_value:.2g})"
    if projection.direction != "worse":
        return text
    if projection.beyond_limit:
        return text + "; already beyond the regression limit"
    if projection.limit is None:
        return text + "; no regression limit known yet (nothing compared)"
    if projection.runs_to_limit is None:
        return text
    crossing = (
        f"; at this rate it crosses the regression limit "
        f"{format_value(projection.limit, series.unit)} in about "
        f"{projection.runs_to_limit:.0f} runs"
    )
    if projection.eta is not None:
        crossing += f" (around {projection.eta:%Y-%m-%d %H:%M} UTC at the recent pace of runs)"
    return text + crossing


def title_of(series: Series) -> str:
    test = f" / {series.test}" if series.test else ""
    return f"[{series.environment}] {series.baseline}{test}"


def text_summary(series: list[Series], source: str, bad_lines: list[int]) -> str:
    lines: list[str] = []
    runs = max((len(s.points) for s in series), default=0)
    lines.append(f"PerfGate trends from {source}: {len(series)} series, up to {runs} runs each.")
    if bad_lines:
        lines.append(
            f"Skipped {len(bad_lines)} unreadable history lines (first: line {bad_lines[0]})."
        )
    for title, group in groupby(series, key=title_of):
        items = list(group)
        lines.append("")
        lines.append(title)
        if items[0].fingerprints > 1:
            lines.append(
                f"  note: {items[0].fingerprints} machine fingerprints share this environment"
            )
        for item in items:
            latest = item.points[-1]
            baseline = (
                f"baseline {format_value(latest.baseline, item.unit)}"
                if latest.baseline is not None
                else "no baseline compared"
            )
            version = f" (v{latest.baseline_version})" if latest.baseline_version else ""
            lines.append(
                f"  {item.metric:<24} latest {format_value(latest.value, item.unit)}, "
                f"{baseline}{version}; {describe_trend(item)}"
            )
            regressions = item.regressions
            if regressions:
                runs_text = ", ".join(str(p.run) for p in regressions[-5:])
                lines.append(
                    f"  {'':<24} regressed in {len(regressions)} of {len(item.points)} runs "
                    f"(latest runs: {runs_text})"
                )
    return "\n".join(lines) + "\n"
