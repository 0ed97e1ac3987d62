"""What Compare To Baseline and Update Baseline do, without Robot Framework.

Everything is validated before anything is written, so bad arguments never
leave a half-recorded baseline or history entry behind. No version is ever
recorded from a load result whose error rate is above its limit
(`perfgate.baseline.errorrate`): the first record and PERFGATE_UPDATE_BASELINES
fail saying why, `Update Baseline` refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from perfgate.baseline import access, history, journal, store
from perfgate.baseline.compare import Comparison, chosen_metrics, compare, parse_metrics
from perfgate.baseline.errorrate import recording_refusal
from perfgate.baseline.fingerprint import Fingerprint, current_fingerprint
from perfgate.baseline.gitinfo import current_commit
from perfgate.baseline.metric_table import samples_from, saved_results
from perfgate.baseline.names import validate_name
from perfgate.baseline.report import failure_message
from perfgate.baseline.tolerance import parse_tolerances
from perfgate.live.baselineseries import export_comparison
from perfgate.live.settings import LiveSettings

Missing = Literal["record", "fail", "skip"]
OtherEnvironment = Literal["skip", "compare", "fail"]
Action = Literal["compared", "recorded", "updated", "skipped"]

DEFAULT_UPDATE_REASON = "updated by a run with PERFGATE_UPDATE_BASELINES"


@dataclass(frozen=True)
class Settings:
    baselines_dir: Path
    history_file: Path
    environment: str | None = None
    update_all: bool = False
    update_reason: str = DEFAULT_UPDATE_REASON
    live: LiveSettings | None = None  # where each comparison's verdicts go (perfgate.live)


@dataclass(frozen=True)
class RunContext:
    """Where in the suite a result came from, for the history."""

    test: str | None = None
    suite: str | None = None
    commit: str | None = None


@dataclass(frozen=True)
class Outcome:
    action: Action
    path: Path
    baseline: store.Baseline | None
    comparison: Comparison | None = None
    warnings: list[str] = field(default_factory=list)
    failure: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "path": str(self.path),
            "baseline_version": self.baseline.current.version if self.baseline else None,
            "regressed": bool(self.comparison and self.comparison.regressed),
            "comparison": self.comparison.to_dict() if self.comparison else None,
            "warnings": list(self.warnings),
        }


def compare_to_baseline(
    settings: Settings,
    result: Any,
    name: str,
    *,
    tolerance: str | float | None = None,
    metrics: str | Sequence[str] | None = None,
    environment: str | None = None,
    missing: Missing = "record",
    other_environment: OtherEnvironment = "skip",
    context: RunContext | None = None,
) -> Outcome:
    if missing not in ("record", "fail", "skip"):
        raise ValueError(f"missing={missing!r} is not valid: use record, fail or skip.")
    if other_environment not in ("skip", "compare", "fail"):
        raise ValueError(
            f"other_environment={other_environment!r} is not valid: use skip, compare or fail."
        )
    result = saved_results(result)
    kind, samples = samples_from(result)
    tolerances = parse_tolerances(tolerance)
    chosen = chosen_metrics(kind, samples, parse_metrics(metrics))
    fingerprint = current_fingerprint()
    label = _label(settings, environment, fingerprint)
    path = store.baseline_path(settings.baselines_dir, label, name)
    run = _Run(settings, name, label, kind, fingerprint, samples, _with_commit(context))
    warnings: list[str] = []
    refusal = recording_refusal(result, samples, name) if kind == "load" else None

    baseline = store.load(path)
    if baseline is None:
        early, baseline = _record_missing(run, path, missing, refusal)
        if early is not None:
            return early
    assert baseline is not None
    early = _other_environment(run, path, baseline, other_environment, warnings)
    if early is not None:
        return early

    comparison = compare(baseline, kind, samples, chosen, tolerances)
    export_comparison(settings.live, comparison)
    if comparison.not_in_baseline:
        warnings.append(
            f"Baseline '{name}' has no {', '.join(comparison.not_in_baseline)} yet; "
            "those were not compared."
        )
    if settings.update_all and refusal is None:
        updated, _ = run.record(path, settings.update_reason, "updated", comparison)
        warnings.append(
            f"Baseline '{name}' updated to version {updated.current.version} in {path} "
            f"(PERFGATE_UPDATE_BASELINES): {settings.update_reason}"
        )
        return Outcome("updated", path, updated, comparison, warnings)
    run.log("compared", baseline, comparison)
    failures = [refusal] if settings.update_all and refusal is not None else []
    if comparison.regressed:
        # A run that already updates every baseline needs no hint how to accept a change.
        failures.append(failure_message(comparison, hint=not settings.update_all))
    return Outcome("compared", path, baseline, comparison, warnings, " ".join(failures) or None)


def _record_missing(
    run: _Run, path: Path, missing: Missing, refusal: str | None
) -> tuple[Outcome | None, store.Baseline | None]:
    """No baseline yet: the outcome to return, or the baseline another process recorded a
    moment ago to compare with."""
    settings, name, label = run.settings, run.name, run.label
    if missing == "fail" and not settings.update_all:
        failure = (
            f"No baseline '{name}' for environment {label} ({path}): record one with "
            "Update Baseline or compare with missing=record."
        )
        return Outcome("skipped", path, None, failure=failure), None
    if missing == "skip" and not settings.update_all:
        warning = (
            f"No baseline '{name}' for environment {label} ({path}); nothing was compared "
            "(missing=skip)."
        )
        run.log("skipped", None)
        return Outcome("skipped", path, None, warnings=[warning]), None
    if refusal is not None:
        return Outcome("skipped", path, None, failure=refusal), None
    reason = (
        settings.update_reason
        if settings.update_all
        else "first run: recorded by Compare To Baseline (missing=record)"
    )
    baseline, written = run.record(path, reason, "recorded", only_if_missing=True)
    if not written:
        return None, baseline
    warning = (
        f"No baseline '{name}' for environment {label} yet: recorded this result as "
        f"version 1 in {path}; review and commit it."
    )
    return Outcome("recorded", path, baseline, warnings=[warning]), None


def _other_environment(
    run: _Run,
    path: Path,
    baseline: store.Baseline,
    other_environment: OtherEnvironment,
    warnings: list[str],
) -> Outcome | None:
    """A baseline from another fingerprint: the outcome to return, or None to compare."""
    stored, name, label = baseline.current.fingerprint, run.name, run.label
    if stored.digest == run.fingerprint.digest or run.settings.update_all:
        return None
    difference = _describe_difference(stored, run.fingerprint)
    if other_environment == "fail":
        failure = (
            f"Baseline '{name}' ({label}) was recorded on another environment "
            f"({difference}): record one here or pass other_environment=compare."
        )
        return Outcome("skipped", path, baseline, failure=failure)
    if other_environment == "skip":
        warnings.append(
            f"Baseline '{name}' ({label}) was recorded on another environment "
            f"({difference}); not compared. Pass other_environment=compare to compare anyway, "
            "or use an environment label per machine type."
        )
        run.log("skipped", baseline)
        return Outcome("skipped", path, baseline, warnings=warnings)
    warnings.append(
        f"Comparing with baseline '{name}' ({label}) from another environment ({difference}) "
        "because other_environment=compare."
    )
    return None


def update_baseline(
    settings: Settings,
    result: Any,
    name: str,
    *,
    reason: str,
    environment: str | None = None,
    context: RunContext | None = None,
) -> Outcome:
    warnings: list[str] = []
    if not reason.strip():
        reason = "(no reason given)"
        warnings.append(
            f"Baseline '{name}' updated without a reason: pass reason= to tell the reviewer "
            "of the baseline diff why the new numbers are right."
        )
    result = saved_results(result)
    kind, samples = samples_from(result)
    refusal = recording_refusal(result, samples, name) if kind == "load" else None
    if refusal is not None:
        raise ValueError(refusal)
    fingerprint = current_fingerprint()
    label = _label(settings, environment, fingerprint)
    path = store.baseline_path(settings.baselines_dir, label, name)
    run = _Run(settings, name, label, kind, fingerprint, samples, _with_commit(context))
    baseline, _ = run.record(path, reason.strip(), None)
    event: Action = "updated" if baseline.current.version > 1 else "recorded"
    return Outcome(event, path, baseline, warnings=warnings)


def read_baseline(settings: Settings, name: str, environment: str | None = None) -> store.Baseline:
    """The stored baseline `name`; a one-sentence error when there is none."""
    label = _label(settings, environment, current_fingerprint())
    path = store.baseline_path(settings.baselines_dir, label, name)
    baseline = store.load(path)
    if baseline is None:
        raise ValueError(f"No baseline '{name}' for environment {label} ({path}).")
    return baseline


def check_before_run(settings: Settings, name: str, environment: str | None = None) -> Path:
    """Fail now, not after the load, when baseline `name` could not be read or recorded:
    a name or label that cannot be a file name, a baselines directory or history file this
    user cannot write, a baseline file that is damaged. Returns the baseline's path.

    An existing baseline only compared is only read: a read-only checkout may compare.
    """
    label = _label(settings, environment, current_fingerprint())
    path = store.baseline_path(settings.baselines_dir, label, name)
    access.check_history_file(settings.history_file)
    if settings.update_all or not path.exists():
        access.check_baseline_file(path)
    store.load(path)
    return path


def _with_commit(context: RunContext | None) -> RunContext:
    context = context or RunContext()
    return context if context.commit else replace(context, commit=current_commit())


def _label(settings: Settings, environment: str | None, fingerprint: Fingerprint) -> str:
    label = (environment or "").strip() or (settings.environment or "").strip()
    return validate_name(label, "Environment label") if label else fingerprint.default_label


def _describe_difference(stored: Fingerprint, current: Fingerprint) -> str:
    before, now = stored.to_dict(), current.to_dict()
    keys = ("cpu_model", "cores", "memory_gib", "os", "python", "perfgate")
    changed = [f"{key} {before[key]} -> {now[key]}" for key in keys if before[key] != now[key]]
    return ", ".join(changed) or f"fingerprint {stored.digest} -> {current.digest}"


@dataclass(frozen=True)
class _Run:
    """One keyword call's result: what it records as a baseline version and in the history."""

    settings: Settings
    name: str
    label: str
    kind: str
    fingerprint: Fingerprint
    samples: list[dict[str, float]]
    context: RunContext

    def record(
        self,
        path: Path,
        reason: str,
        event: Action | None,
        comparison: Comparison | None = None,
        only_if_missing: bool = False,
    ) -> tuple[store.Baseline, bool]:
        """`store.record` with the history line of the new version (written both or neither).

        `event` None: "recorded" for version 1, "updated" after.
        """

        def line(baseline: store.Baseline) -> journal.HistoryLine:
            chosen = event or ("updated" if baseline.current.version > 1 else "recorded")
            entry = self.entry(chosen, baseline, comparison)
            return journal.HistoryLine(self.settings.history_file, history.render(entry))

        return store.record(
            path,
            name=self.name,
            environment=self.label,
            kind=self.kind,
            samples=self.samples,
            reason=reason,
            fingerprint=self.fingerprint,
            git_commit=self.context.commit,
            only_if_missing=only_if_missing,
            history=line,
        )

    def log(
        self, event: Action, baseline: store.Baseline | None, comparison: Comparison | None = None
    ) -> None:
        """Append a history line for a result that wrote no baseline version."""
        history.append(self.settings.history_file, self.entry(event, baseline, comparison))

    def entry(
        self, event: Action, baseline: store.Baseline | None, comparison: Comparison | None
    ) -> history.HistoryEntry:
        samples = self.samples
        common = set(samples[0]).intersection(*samples[1:]) if samples else set()
        values = {key: float(np.median([s[key] for s in samples])) for key in sorted(common)}
        verdicts: dict[str, dict[str, Any]] = {}
        for verdict in comparison.verdicts if comparison else []:
            sign = 1.0 if verdict.direction == "lower" else -1.0
            verdicts[verdict.metric] = {
                "verdict": verdict.verdict,
                "method": verdict.method,
                "baseline": verdict.baseline,
                # The value beyond which this metric counts as regressed.
                "limit": verdict.baseline + sign * verdict.band_abs,
            }
        return history.HistoryEntry(
            time=store.now_iso(),
            event=event,
            baseline=self.name,
            environment=self.label,
            kind=self.kind,
            fingerprint=self.fingerprint.to_dict(),
            baseline_version=baseline.current.version if baseline else None,
            values=values,
            samples=len(samples),
            test=self.context.test,
            suite=self.context.suite,
            git_commit=self.context.commit,
            verdicts=verdicts,
        )
