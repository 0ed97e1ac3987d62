"""HTTP load keywords: `Run Load Profile` and the assertion keywords on its result.

A thin layer: it turns Robot arguments into `perfgate.load.http` calls, logs,
and turns the core's one-sentence errors into clean Robot failures. All
logic lives in `perfgate.load.http`, `perfgate.load.assertions` and the engine.
"""

from __future__ import annotations

import os
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from robot.api import logger
from robotlibcore import keyword  # type: ignore[import-untyped]

from perfgate import robotenv
from perfgate.artifacts import redact
from perfgate.artifacts.paths import link_html, result_or_saved
from perfgate.errors import PerfGateError, user_errors
from perfgate.load.assertions import (
    generator_warnings,
    get_metric,
    parse_metric,
    suspect_note,
)
from perfgate.load.cluster.shared import KEYWORD_DOC as CLUSTER_DOC
from perfgate.load.http import LoadResult
from perfgate.load.http.capacity import refusal
from perfgate.load.http.plan import RunPlan, plan_run
from perfgate.load.http.report import render_html, summary_line, verdict_line
from perfgate.load.http.result_metrics import KNOWN_METRICS, LoadMetrics
from perfgate.load.http.runner import Outcome, execute, read_saved
from perfgate.load.profiles import profile_table
from perfgate.load.protocol import WorkerError
from perfgate.load.report import suspect_warning
from perfgate.load.stages import format_stages

from .metric_log import log_metric
from .runs import LoadKeywordGroup, live_settings, run_logged


def _search_dirs() -> list[Path]:
    """Where profile and scenario names are looked up: the suite's folder and every
    ``resources/`` folder from there up to the directory robot was started in."""
    dirs: list[Path] = []
    execdir = Path(str(robotenv.variable("EXECDIR") or os.getcwd()))
    source = robotenv.variable("SUITE SOURCE")
    if source:
        suite_dir = Path(str(source))
        suite_dir = suite_dir if suite_dir.is_dir() else suite_dir.parent
        dirs.append(suite_dir)
        for folder in (suite_dir, *suite_dir.parents):
            dirs.append(folder / "resources")
            if folder == execdir:
                break
    dirs.append(execdir / "resources")
    unique: list[Path] = []
    for d in dirs:
        if d not in unique and d.is_dir():
            unique.append(d)
    return unique


def _as_result(result: Any) -> LoadResult:
    return result_or_saved(result, LoadResult, read_saved, "Run Load Profile")


class HttpLoadKeywords(LoadKeywordGroup):
    """The HTTP load keywords."""

    @keyword
    @user_errors(ValueError, ConnectionError, WorkerError)
    def run_load_profile(
        self,
        profile: str,
        url: str,
        clients: int | None = None,
        rate: float | str | None = None,
        duration: timedelta | str | None = None,
        stages: str | list[str] | None = None,
        warmup: timedelta | str | None = None,
        time_scale: float | None = None,
        thresholds: str | list[str] | None = None,
        abort_on_fail: bool = False,
        scenario: str | None = None,
        method: str = "GET",
        headers: str | dict[str, str] | list[str] | None = None,
        body: str | dict[str, Any] | list[Any] | None = None,
        workers: int | None = None,
        timeout: timedelta | str | None = None,
        verify_tls: bool = True,
        cluster: str | None = None,
    ) -> LoadResult:
        # The documentation is RUN_LOAD_PROFILE_DOC, below the class: it holds the
        # profile table generated from perfgate.load.profiles, so it cannot drift.
        plan = plan_run(
            profile,
            url,
            clients=clients,
            rate=rate,
            duration=duration,
            stages=stages,
            warmup=warmup,
            time_scale=time_scale,
            thresholds=thresholds,
            abort_on_fail=abort_on_fail,
            scenario=scenario,
            method=method,
            headers=headers,
            body=body,
            workers=workers,
            timeout=timeout,
            verify_tls=verify_tls,
            search_dirs=_search_dirs(),
            cluster=cluster,
        )
        self._log_plan(plan)
        return run_logged(
            partial(execute, plan),
            partial(self._log_outcome, plan),
            live_settings(self.live, url=url),
        )

    @staticmethod
    def _log_outcome(plan: RunPlan, outcome: Outcome[LoadResult]) -> None:
        result, verdict = outcome.result, outcome.verdict
        logger.info(f"{summary_line(result, plan)} {verdict_line(verdict)}")
        logger.info(f"Result saved as {link_html(outcome.json_path)}", html=True)
        logger.info(render_html(result, plan, verdict, link_html(outcome.json_path)), html=True)
        suspect = suspect_warning(
            f"Load '{plan.profile.name}' on {result.url}", generator_warnings(result), verdict,
            " The figures may describe the load generator rather than the system under test.",
        )  # fmt: skip
        if suspect:
            logger.warn(suspect)

    @staticmethod
    def _log_plan(plan: RunPlan) -> None:
        profile = plan.profile
        unit = "req/s" if profile.model == "open" else "clients"
        scale = f" (time scale {plan.time_scale:g})" if plan.time_scale != 1 else ""
        logger.info(
            f"Profile '{profile.name}', {profile.model} model ({unit}): stages "
            f"{format_stages(profile.stages)}, {profile.duration_s:g} s with a warm-up of "
            f"{profile.warmup_s:g} s{scale}; requests: {', '.join(plan.request_names)}."
        )
        if plan.thresholds:
            logger.info(f"Thresholds: {', '.join(t.text for t in plan.thresholds)}.")
        logger.debug(f"Engine configuration: {redact.config(plan.config)}")

    @keyword
    @user_errors()
    def get_load_metric(
        self,
        result: LoadResult | str,
        metric: str,
        operator: str | None = None,
        expected: str | None = None,
        message: str = "",
    ) -> float | None:
        """Returns ``metric`` of a load result and, given ``operator`` and ``expected``, asserts it.

        ``metric`` is any threshold metric: ``p50 p75 p90 p95 p99 p99.9 min max
        mean stdev`` (ms), ``rps`` (every response), ``goodput`` (successful
        responses) and ``target_rps`` (req/s), ``error_rate`` (a fraction:
        0.01 is 1 %), ``requests errors successes``, ``service_p95`` etc.
        (open model: time from the actual send), ``breaking_point`` (see
        `Run Load Profile`). For one request name: ``create.p95`` or
        ``p95{name=GET /x}``.

        Capacity and throughput figures count only successful responses:
        ``rps`` and ``goodput`` fail, with or without an assertion, when the
        run's error rate is above its ``error_rate`` threshold (50 % when it
        gave none), and ``breaking_point`` fails when no request succeeded
        by the second the load broke in. The failure names the error rate.

        ``operator`` is ``<  <=  >  >=  ==  !=`` (or ``less than``,
        ``greater than``, ``equal``, ``should be``, ``inequal``); ``expected``
        takes the units of a threshold (``200 ms``, ``1.5 s``, ``1%``,
        ``500 rps``). A metric without data (no samples, a request name that
        never ran) fails any assertion and returns ``None`` without one.
        ``message`` replaces the failure message. A suspect result (see
        `Run Load Profile`) says so in the failure.

        ``result`` is what `Run Load Profile` returned, or the path of the JSON
        file it saved.

        | ${p95}=    Get Load Metric    ${result}    p95
        | Get Load Metric    ${result}    p95    <    200 ms
        | Get Load Metric    ${result}    create.p99    <=    1 s
        | Get Load Metric    ${result}    error_rate    ==    0
        """
        load = _as_result(result)
        metrics = LoadMetrics(load)
        ref = self._ref(metric)
        refused = refusal(load, ref.metric, ref.scope)
        if refused is not None:
            raise AssertionError(refused + suspect_note(generator_warnings(load)))
        value = get_metric(
            metrics,
            metric,
            operator,
            expected,
            known=KNOWN_METRICS,
            names=metrics.names,
            warnings=generator_warnings(load),
            message=message,
        )
        log_metric(metric, operator, expected, KNOWN_METRICS, value)
        return value

    @keyword
    def latency_should_be_below(
        self, result: LoadResult | str, metric: str, limit: str, message: str = ""
    ) -> float | None:
        """Fails unless the latency ``metric`` of a load result is below ``limit``.

        ``metric`` is a latency: ``p50 p75 p90 p95 p99 p99.9 min max mean``,
        ``service_p95`` etc., or one request's: ``create.p95``. ``limit`` is a
        time: ``200 ms``, ``1.5 s`` (a plain number is ms). Returns the value
        (ms). The failure names the metric, its value and the limit, and says
        when the result is suspect.

        | Latency Should Be Below    ${result}    p95    200 ms
        | Latency Should Be Below    ${result}    create.p99    1.5 s
        """
        ref = self._ref(metric)
        if ref.kind != "time":
            raise PerfGateError(
                f"Latency Should Be Below takes a latency metric such as p95 or create.p99, "
                f"not {metric!r}; use Get Load Metric for other metrics."
            )
        return self.get_load_metric(result, metric, "<", limit, message)

    @keyword
    def error_rate_should_be_below(
        self, result: LoadResult | str, limit: str, name: str | None = None, message: str = ""
    ) -> float | None:
        """Fails unless the error rate of a load result is below ``limit``.

        ``limit`` is a percentage (``1%``, ``0.5 %``) or a fraction (``0.01``).
        Give ``name`` to judge one request of a scenario. Returns the rate as
        a fraction. Errors are responses with a status the request did not
        expect, failed checks and failed connections (see the result's
        ``errors_by_kind``).

        | Error Rate Should Be Below    ${result}    1%
        | Error Rate Should Be Below    ${result}    0.1%    name=create
        """
        return self.get_load_metric(result, self._scoped("error_rate", name), "<", limit, message)

    @keyword
    def throughput_should_be_at_least(
        self, result: LoadResult | str, limit: str, name: str | None = None, message: str = ""
    ) -> float | None:
        """Fails unless a load result got at least ``limit`` successful responses per second.

        Throughput is goodput: responses with an expected status (2xx or 3xx
        unless a scenario says otherwise) and passing checks, per second of
        the measured period (warm-up excluded). A run whose error rate is
        above its ``error_rate`` threshold (50 % when it gave none) never
        passes, whatever its rate. ``limit`` is a rate: ``500``, ``500 rps``,
        ``500/s``, ``1.5k rps``, ``30000 rpm``. Give ``name`` for one request
        of a scenario. Returns the goodput.

        | Throughput Should Be At Least    ${result}    500 rps
        """
        return self.get_load_metric(result, self._scoped("goodput", name), ">=", limit, message)

    @staticmethod
    def _ref(metric: str) -> Any:
        with user_errors():
            return parse_metric(metric, KNOWN_METRICS)

    @staticmethod
    def _scoped(metric: str, name: str | None) -> str:
        if name is None or not str(name).strip():
            return metric
        return f"{metric}{{name={str(name).strip()}}}"


def _profile_rows() -> str:
    rows = ["| =Profile= | =Model= | =Stages= | =What it asks= |"]
    rows += [
        f"| ``{name}`` | {model} | ``{stages}`` | {description} |"
        for name, model, stages, description in profile_table()
    ]
    return "\n".join(rows)


RUN_LOAD_PROFILE_DOC = f"""Puts load on ``url`` in the shape of ``profile`` and returns the result.

``profile`` is a built-in profile, or a YAML/JSON profile file given by path
or by name (found in the suite's folder, or in a ``resources/`` or
``resources/profiles/`` folder from the suite up to where robot was started).
A closed model's targets are clients (each sends its next request when the
previous one is answered); an open model's are arrival rates in requests per
second, sent on schedule whatever the latency.

{_profile_rows()}

Arguments override the profile:
- ``clients`` (closed) or ``rate`` (open; ``200``, ``200 rps``, ``12000 rpm``)
  scale the profile's peak to that value, keeping its shape;
- ``duration`` stretches or shrinks the whole profile to that length;
- ``stages`` replace the shape: ``30s:10, 1m:50, 30s:0`` (each stage ramps
  linearly to its target; ``0s:50`` jumps);
- ``warmup`` is the first part of the run left out of every statistic;
- ``time_scale`` multiplies every duration, the warm-up included (default:
  ``${{PERF_TIME_SCALE}}``, else 1), so CI runs the real suites at smoke scale.

The request: one ``url`` with ``method``, ``headers`` (a dictionary or
``Name: value`` lines) and ``body`` (text, or a dictionary/list sent as JSON);
or a weighted mix of named requests from a ``scenario`` file (YAML/JSON, same
lookup as profiles plus ``resources/scenarios/``; ``url`` is then the base
URL). Statistics are kept per request name (the single request is named
``default``) and overall. ``workers`` load-generator processes (default: one
per core), ``timeout`` per request (default 10 s, not scaled),
``verify_tls=False`` for self-signed certificates.

``thresholds`` are k6-like expressions, separated by commas or given as a
list: ``p95 < 200 ms``, ``p99 < 1.5 s``, ``error_rate < 1%``, ``rps >= 500``,
``create.p95 < 300 ms``, ``p95{{name=GET /x}} < 300 ms``. When any is breached
the keyword fails with one message listing every breach (metric, value, limit).
With ``abort_on_fail=True`` the run stops as soon as an overall latency or
error threshold is already lost on the running totals (after the warm-up and
100 responses), and the test fails; what was measured until then is saved and
logged, marked *partial* (how far the run got and why it stopped).

The ``breakpoint`` profile (and any profile with ``stop_on_threshold: true``)
raises the load until a threshold breaks, judging each second on its own
(two breaching seconds in a row), and stops there; errors break it at the
``error_rate`` threshold, or at 50 % when none is given. That does not fail
the keyword: the result's ``breaking_point`` says where it broke
(``${{result.breaking_point.target}}`` req/s; ``broke`` is false and the
target the highest load reached when it never broke). Assert on it with
`Get Load Metric`: ``Get Load Metric    ${{result}}    breaking_point    >=    500 rps``.
Only served load counts: when no request succeeded up to the second it broke
in, there is no breaking point above 0 and the keyword fails, naming the
error rate. So does a run with a threshold on ``rps``, ``goodput`` or
``breaking_point`` whose error rate is above its ``error_rate`` threshold
(50 % when none).

The result (times in ms, rates as fractions): ``${{result.p95}}``,
``${{result.p99}}``, ``${{result.rps}}`` (every response),
``${{result.goodput}}`` (successful responses per second), ``${{result.error_rate}}``,
``${{result.requests}}``, ``${{result.errors}}``, ``${{result.by_name['create'].p95}}``,
``${{result.timeline}}`` (rows of ``width_s`` seconds: 1 s for the last hour,
coarser before it), ``${{result.suspect}}``, ``${{result.json_path}}``. It
is saved as JSON under ``${{OUTPUT DIR}}/perfgate/`` (named so that pabot
processes never overwrite each other) before any threshold fails the test, and
linked from the log, with a summary table and charts. A result whose load
generator was saturated (a CPU-bound worker, requests it failed to send on
time, too few samples) is *suspect*: it is logged as a warning and every
failure message says so.

Progress is printed to the console every 5 s, on its own line, with the time
left (``[constant] 12/60 s  ETA 48 s  412 req/s ...``). A test timeout, Ctrl-C or
SIGTERM stops the load at once; no worker process outlives the run, and what
was measured until then is saved and logged, marked *partial*, before the test
stops.

A gateway that dies during the run stops it within about a second and fails
the test with its exit code or signal and its last output lines: a gateway
GatewayLibrary started on the URL's port is watched; any other is taken for
dead when a full second goes without one answer and a new connection to its
port fails. A run that never got one answer fails, whatever its thresholds.

{CLUSTER_DOC}

| ${{result}}=    Run Load Profile    stress    ${{GATEWAY.url}}/api/echo
| Run Load Profile    constant    ${{url}}    clients=50    duration=2 min    thresholds=p95 < 200 ms, error_rate < 1%
| Run Load Profile    constant-rate    ${{url}}    rate=500 rps    abort_on_fail=True    thresholds=p99 < 1 s
| Run Load Profile    load    ${{GATEWAY.url}}    scenario=shop.yaml    thresholds=create.p95 < 300 ms
| ${{r}}=    Run Load Profile    breakpoint    ${{url}}    thresholds=p95 < 500 ms, error_rate < 1%
| Run Load Profile    constant    ${{url}}    clients=400    workers=8    cluster=tcp://10.0.0.5:8786
"""

HttpLoadKeywords.run_load_profile.__doc__ = RUN_LOAD_PROFILE_DOC
