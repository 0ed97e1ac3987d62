"""Robot Framework keywords for baselines and regression verdicts (thin layer over perfgate.baseline)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from robot.api import logger
from robot.api.deco import keyword, library
from robot.libraries.BuiltIn import BuiltIn
from robot.utils import escape, normalize

import perfgate
from perfgate import robotenv
from perfgate.baseline import workflow
from perfgate.baseline.names import validate_name
from perfgate.baseline.report import html_table
from perfgate.errors import PerfGateError, user_errors
from perfgate.live.settings import LibraryExport

_TRUE = {"true", "yes", "on", "1"}
# The keywords that read or write a baseline, checked when a test starts.
_BASELINE_KEYWORDS = {"comparetobaseline", "updatebaseline"}
_ARGUMENT_NAMES = {"result", "name", "environment", "tolerance", "metrics", "missing"}
_ARGUMENT_NAMES |= {"other_environment", "reason"}


@library(scope="GLOBAL", version=perfgate.__version__, auto_keywords=False)
class BaselineLibrary:
    """Compare performance results with reviewed baselines kept as JSON files in git.

    A regression is reported only when it is both *real* and *large enough to
    matter*, so that shared CI machines, where p95 varies by several percent
    from run to run, do not raise false alarms.

    = Baselines =

    A baseline is the file ``baselines/<environment>/<name>.json``. It holds
    the samples of one or more repeated runs, their summary (median, mean,
    stdev, min, max) and coefficient of variation (CoV) per metric, the
    environment fingerprint (CPU model, cores, memory, OS, Python and
    PerfGate versions), the git commit, the time, the reason, and all
    previous versions. Keys are sorted, numbers have six significant digits
    and the file ends with a newline, so an update reads as a small diff in
    review. Writes are atomic and locked: parallel pabot processes never
    lose or corrupt an update. A damaged file is reported with its path and
    is never overwritten.

    The directory is ``baselines`` under the current working directory,
    unless set with the ``baselines_dir`` import argument or the variable
    ``${PERFGATE_BASELINES_DIR}``.

    When a test starts, every `Compare To Baseline` and `Update Baseline`
    in its body whose name can be resolved then is checked: the directory
    and history file can be written, the baseline file is valid. A problem
    fails the test at once, in one sentence, instead of after its load.

    = Environments =

    The environment label defaults to a short hash of the machine
    fingerprint (``env-1a2b3c4d5e``) and can be set per keyword
    (``environment=ci-large``), with the ``environment`` import argument or
    the variable ``${PERFGATE_ENVIRONMENT}``. A baseline recorded on another
    fingerprint is never compared silently: see ``other_environment`` in
    `Compare To Baseline`.

    = Updating =

    `Update Baseline` records a new version on purpose. Running a suite with
    ``--variable PERFGATE_UPDATE_BASELINES:True`` makes every
    `Compare To Baseline` of the run record its result as the new version
    instead of failing; the reason recorded is ``${PERFGATE_UPDATE_REASON}``
    when set.

    = History =

    Every compared or recorded result is appended as a JSON line to
    ``results/history.jsonl`` (set with the ``history_file`` import argument
    or ``${PERFGATE_HISTORY_FILE}``). ``perfgate trends`` turns it into an
    HTML report with charts and trend projections, or a text summary with
    ``--text``.

    = Example =

    | ***** Settings *****
    | Library    LoadLibrary
    | Library    BaselineLibrary
    |
    | ***** Test Cases *****
    | Checkout Stays Fast
    |     ${samples}=    Run Repeated    5    Run Load Profile    constant-rate    ${URL}    rate=200    duration=20s
    |     Compare To Baseline    ${samples}    checkout    tolerance=p95:10%, rps:5%
    """

    def __init__(
        self,
        baselines_dir: str | None = None,
        history_file: str | None = None,
        environment: str | None = None,
        prometheus_url: str | None = None,
    ) -> None:
        """All arguments are optional; variables set at run time are used when they are not given.

        - ``baselines_dir``: where baselines live (default ``${PERFGATE_BASELINES_DIR}``,
          else ``baselines`` under the current directory).
        - ``history_file``: the JSON-lines history (default ``${PERFGATE_HISTORY_FILE}``,
          else ``results/history.jsonl``).
        - ``environment``: the environment label (default ``${PERFGATE_ENVIRONMENT}``,
          else a short fingerprint of this machine).
        - ``prometheus_url``: send each `Compare To Baseline`'s verdicts (per metric: the
          baseline's and the current value, the verdict as -1, 0 or 1) to that Prometheus
          by remote write (default ``${PERFGATE_PROMETHEUS_URL}``, else nothing is sent;
          docs/live.md).
        """
        if environment:
            validate_name(environment, "Environment label")
        self._baselines_dir = baselines_dir or None
        self._history_file = history_file or None
        self._environment = environment or None
        self._live = LibraryExport(prometheus_url, logger.warn, logger.info)
        self.ROBOT_LIBRARY_LISTENER = self

    @keyword
    @user_errors(ValueError, OSError)
    def compare_to_baseline(
        self,
        result: Any,
        name: str,
        tolerance: str | None = None,
        metrics: str | list[str] | None = None,
        environment: str | None = None,
        missing: Literal["record", "fail", "skip"] = "record",
        other_environment: Literal["skip", "compare", "fail"] = "skip",
    ) -> dict[str, Any]:
        """Compares ``result`` with the baseline ``name`` and fails if any compared metric regressed.

        ``result`` is a LoadResult, WebSocketResult or MemoryResult, a
        dictionary with a ``kind`` key, or a list of them: repeated samples
        of the same measurement (see `Run Repeated`). Log.html gets a table
        of metric, baseline, current, change, noise band, p-value and
        verdict (improved / within noise / regressed); the failure message
        names every regressed metric.

        == How a regression is decided ==

        A metric regressed only when both hold:

        1. The difference is significant: a one-sided Mann-Whitney U test
           finds the current samples worse than the baseline samples at
           alpha 0.05. This needs at least 5 samples on each side.
        2. The whole change lies beyond the noise band: the conservative end
           of a bootstrap 90% confidence interval of the change in medians is
           further from the baseline than max(tolerance, 3 x the baseline's
           CoV), and than a small absolute floor per metric (0.05 ms,
           0.1 percentage points of error rate, 2 MB, ...).

        With fewer than 5 samples on a side no test is possible: the
        medians are compared with the noise band alone, the default
        tolerance is a generous 25% instead of 10%, and the log says so.
        An improvement is decided the same way in the other direction.
        Latencies, error and loss rates and memory are better when lower;
        ``rps``, ``goodput``, ``requests`` and ``connection_success_rate``
        when higher.

        == Error rates ==

        A load result's ``error_rate`` is compared whenever both sides have
        one, named in ``metrics`` or not, and any rise counts; the
        tolerance does not apply. From a baseline without errors, any error
        is a regression. From a nonzero rate, a rise regressed when a
        one-sided Fisher exact test of the request counts finds it
        significant and it exceeds 3 x the baseline's CoV (the spread of
        its runs); a rise within that sampling noise is within noise.

        No baseline is recorded from a load result whose error rate is above
        its limit (its run's ``error_rate`` threshold, else 50%): the first
        run fails saying why instead of recording failures as the baseline,
        and ``PERFGATE_UPDATE_BASELINES`` does not update from it.

        == Arguments ==

        - ``tolerance``: the smallest change that matters, as ``10%``,
          ``0.1`` or per metric: ``p95:10%, rps:5%``; a bare value in such
          a list applies to the other metrics (``15%, p95:10%``). Default
          10% (25% with fewer than 5 samples on a side).
        - ``metrics``: which metrics to compare, like ``p95, p99, rps``.
          Defaults: load ``p50 p95 p99 rps error_rate``; websocket
          ``connect_p95 event_latency_p95 event_latency_p99
          event_loss_rate connection_success_rate``; memory
          ``leak_rate_mb_per_hour growth_mb peak_mb``.
        - ``environment``: the environment label; see `Environments`.
        - ``missing``: when there is no baseline yet, ``record`` writes this
          result as version 1 and warns, ``fail`` fails, ``skip`` warns and
          compares nothing.
        - ``other_environment``: when the baseline was recorded on a machine
          with another fingerprint, ``skip`` warns and compares nothing,
          ``compare`` warns and compares anyway, ``fail`` fails.

        Returns a dictionary with the ``action`` taken (compared, recorded,
        updated, skipped), ``regressed`` and the per-metric ``comparison``.

        Examples:
        | Compare To Baseline | ${result} | checkout |
        | Compare To Baseline | ${samples} | checkout | tolerance=p95:10%, rps:5% | metrics=p95, rps |
        | Compare To Baseline | ${result} | login | environment=ci-large | missing=fail |
        """
        outcome = self._call(
            workflow.compare_to_baseline,
            result,
            name,
            tolerance=tolerance,
            metrics=metrics,
            environment=environment,
            missing=missing,
            other_environment=other_environment,
        )
        if outcome.comparison is not None:
            logger.info(html_table(outcome.comparison), html=True)
        for warning in outcome.warnings:
            logger.warn(warning)
        if outcome.failure:
            raise AssertionError(outcome.failure)
        return outcome.to_dict()

    @keyword
    @user_errors(ValueError, OSError)
    def update_baseline(
        self,
        result: Any,
        name: str,
        reason: str = "",
        environment: str | None = None,
    ) -> dict[str, Any]:
        """Records ``result`` as the new version of baseline ``name``, keeping the old ones.

        Use it on purpose, when a change made performance different and the
        new numbers are right. ``reason`` is stored in the file for the
        reviewer of the diff; empty, the version records "(no reason given)"
        and a warning asks for one. ``environment`` is the environment label
        (see `Environments`). ``result`` may be a list of repeated samples;
        five or more make later comparisons statistical. The previous
        version moves to the file's ``previous`` list. A load result whose
        error rate is above its limit is refused (see `Compare To Baseline`).

        Example:
        | ${samples}= | Run Repeated | 5 | Run Load Profile | constant | ${URL} |
        | Update Baseline | ${samples} | checkout | reason=HTTP/2 upstream doubles throughput |
        """
        outcome = self._call(
            workflow.update_baseline, result, name, reason=reason, environment=environment
        )
        assert outcome.baseline is not None
        logger.info(
            f"Baseline '{name}' is now version {outcome.baseline.current.version} "
            f"({len(outcome.baseline.current.samples)} samples) in {outcome.path}."
        )
        for warning in outcome.warnings:
            logger.warn(warning)
        return outcome.to_dict()

    @keyword
    def run_repeated(self, n: int, keyword: str, *args: Any) -> list[Any]:
        """Runs ``keyword`` with ``args`` ``n`` times and returns the list of its results.

        Several samples of the same measurement let `Compare To Baseline`
        use a significance test instead of a bare tolerance; 5 or more are
        needed for that.

        Example:
        | ${samples}= | Run Repeated | 5 | Run Load Profile | constant-rate | ${URL} | rate=100 | duration=10s |
        """
        if n < 1:
            raise PerfGateError(f"Run Repeated needs n of 1 or more, got {n}.")
        results = []
        for index in range(n):
            logger.info(f"Run Repeated: sample {index + 1} of {n}.")
            results.append(robotenv.run_keyword(keyword, *args))
        return results

    @keyword
    @user_errors(ValueError, OSError)
    def get_baseline(self, name: str, environment: str | None = None) -> dict[str, Any]:
        """Returns the stored baseline ``name`` as a dictionary (the file's content).

        ``environment`` is the environment label (see `Environments`); not
        given, the library's. Fails when there is none, or when the file is
        damaged.

        | ${baseline}=    Get Baseline    checkout
        | Should Be Equal As Integers    ${baseline}[version]    3
        | Log    ${baseline}[summary][p95][median]
        """
        return workflow.read_baseline(self._settings(), name, environment).to_dict()

    # -- listener: check the baselines a test uses before its load ----------------

    ROBOT_LISTENER_API_VERSION = 3

    def _start_test(self, data: Any, result: Any) -> None:
        if _dry_run():
            return
        for name, environment in _baseline_calls(data.body):
            try:
                workflow.check_before_run(self._settings(), name, environment)
            except (ValueError, OSError) as error:
                message = f"Stopped before the load, for baseline '{name}': {error}"
                # A failing first step: the test's setup has run, its load does not.
                fail = data.body.create_keyword("BuiltIn.Fail", args=[escape(message)])
                data.body.pop()
                data.body.insert(0, fail)
                return

    def _call(self, action: Any, result: Any, name: str, **options: Any) -> Any:
        """`action` (a workflow step) with this library's settings and the running test."""
        return action(self._settings(), result, name, context=self._context(), **options)

    def _settings(self) -> workflow.Settings:
        baselines_dir = self._baselines_dir or _variable("PERFGATE_BASELINES_DIR")
        history_file = self._history_file or _variable("PERFGATE_HISTORY_FILE")
        update = _variable("PERFGATE_UPDATE_BASELINES")
        reason = _variable("PERFGATE_UPDATE_REASON")
        return workflow.Settings(
            baselines_dir=Path(baselines_dir or "baselines"),
            history_file=Path(history_file or "results/history.jsonl"),
            environment=self._environment or _variable("PERFGATE_ENVIRONMENT") or None,
            update_all=str(update).strip().lower() in _TRUE if update is not None else False,
            update_reason=str(reason) if reason else workflow.DEFAULT_UPDATE_REASON,
            live=self._live.settings(),
        )

    def _context(self) -> workflow.RunContext:
        return workflow.RunContext(test=_variable("TEST_NAME"), suite=_variable("SUITE_NAME"))


def _baseline_calls(body: Any) -> Iterator[tuple[str, str | None]]:
    """(name, environment) of every baseline keyword in `body`, control structures
    included, whose arguments can be resolved before the test runs."""
    for item in body:
        found = _baseline_call(item)
        if found is not None:
            yield found
        yield from _baseline_calls(getattr(item, "body", ()))


def _baseline_call(item: Any) -> tuple[str, str | None] | None:
    if getattr(item, "type", None) != "KEYWORD" or not item.name:
        return None
    if normalize(item.name.rsplit(".", 1)[-1]) not in _BASELINE_KEYWORDS:
        return None
    return _name_and_environment(item.args)


def _name_and_environment(args: tuple[Any, ...]) -> tuple[str, str | None] | None:
    """The resolved ``name`` and ``environment`` arguments; None when they are not known
    yet (set by an earlier step of the test)."""
    positional = [str(a) for a in args if not _named(a)]
    named = dict(str(a).split("=", 1) for a in args if _named(a))
    raw_name = named.get("name", positional[1] if len(positional) > 1 else None)
    if raw_name is None:
        return None
    try:
        builtin = BuiltIn()
        name = str(builtin.replace_variables(raw_name))
        environment = named.get("environment")
        return name, str(builtin.replace_variables(environment)) if environment else None
    except Exception:
        return None


def _named(arg: Any) -> bool:
    head = str(arg).split("=", 1)[0]
    return "=" in str(arg) and head in _ARGUMENT_NAMES


def _dry_run() -> bool:
    try:
        return bool(BuiltIn().dry_run_active)
    except Exception:
        return False


def _variable(name: str) -> str | None:
    """A Robot variable as text; None when unset or when Robot is not running (unit use)."""
    value = robotenv.variable(name)
    return None if value is None else str(value)
