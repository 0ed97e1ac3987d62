"""Server-Sent Events load keywords: `Run Event Stream Load` and `Get Event Stream Metric`.

A thin layer: it turns Robot arguments into `perfgate.load.sse` calls, logs,
and turns the core's one-sentence errors into clean Robot failures.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from robot.api import logger
from robotlibcore import keyword  # type: ignore[import-untyped,unused-ignore]

from perfgate.artifacts import redact
from perfgate.artifacts.paths import link_html, result_or_saved
from perfgate.errors import user_errors
from perfgate.load.assertions import get_metric
from perfgate.load.cluster.shared import KEYWORD_DOC as CLUSTER_DOC
from perfgate.load.events.errors import FatalRunError
from perfgate.load.events.stamps import TimeFormat
from perfgate.load.protocol import WorkerError
from perfgate.load.report import suspect_warning
from perfgate.load.sse.plan import DEFAULT_THRESHOLDS, SsePlan, plan_event_stream_run
from perfgate.load.sse.report import render_html, summary_line, verdict_line
from perfgate.load.sse.result import SSE_METRICS, SseResult
from perfgate.load.sse.runner import SSE_RUNNER, Outcome, read_saved

from .metric_log import log_metric
from .runs import LoadKeywordGroup, run_event_load


class SseLoadKeywords(LoadKeywordGroup):
    """The Server-Sent Events load keywords."""

    @keyword
    @user_errors(ValueError, ConnectionError, WorkerError, FatalRunError)
    def run_event_stream_load(
        self,
        url: str,
        connections: int | str = 50,
        event_rate: float | str = 10,
        publish_url: str | None = None,
        publish_body: str | None = None,
        duration: timedelta | str = "30 s",
        warmup: timedelta | str = "5 s",
        ramp: str | None = None,
        method: Literal["GET", "POST"] = "GET",
        body: str | None = None,
        channel: str | None = None,
        thresholds: str | list[str] | None = None,
        protocol: dict[str, str] | str | None = None,
        time_format: TimeFormat = "perfgate",
        gateway: Any = None,
        timeout: timedelta | str = "10 s",
        retry: timedelta | str = "1 s",
        reconnect: bool = True,
        headers: dict[str, str] | str | list[str] | None = None,
        workers: int | None = None,
        verify_tls: bool = True,
        time_scale: float | str | None = None,
        name: str = "",
        cluster: str | None = None,
    ) -> SseResult:
        # The documentation is RUN_EVENT_STREAM_LOAD_DOC, below the class.
        arguments = locals()
        return run_event_load(
            SSE_RUNNER, plan_event_stream_run, arguments, self._log_plan, self._log_outcome,
            self.live,
        )  # fmt: skip

    @staticmethod
    def _log_plan(plan: SsePlan) -> None:
        cfg = plan.config
        scale = f" (time scale {plan.time_scale:g})" if plan.time_scale != 1 else ""
        source = f"{cfg.event_rate:g} events/s published" if cfg.event_rate else "server events"
        ramp = "all at once" if cfg.ramp == float("inf") else f"{cfg.ramp:,.4g} opened/s"
        logger.info(
            f"SSE {cfg.method} {redact.url(cfg.url)}: {cfg.connections:,} streams ({ramp}), "
            f"{source}, {cfg.duration_s:g} s with a warm-up of {cfg.warmup_s:g} s{scale}."
        )
        logger.info(f"Thresholds: {', '.join(t.text for t in plan.thresholds) or 'none'}.")
        logger.debug(f"SSE configuration: {redact.config(cfg)}")

    @staticmethod
    def _log_outcome(outcome: Outcome[SseResult]) -> None:
        """The summary and verdict, the table and charts with the saved file's link, and
        a warning when the load generator may have been the limit."""
        found = outcome.result
        link = link_html(outcome.json_path)
        logger.info(f"{summary_line(found)} {verdict_line(outcome.verdict)}")
        logger.info(render_html(found, outcome.verdict, link), html=True)
        suspect = suspect_warning(f"SSE load on {found.url}", found.warnings, outcome.verdict)
        if suspect:
            logger.warn(suspect)

    @keyword
    @user_errors()
    def get_event_stream_metric(
        self,
        result: SseResult | str,
        metric: str,
        operator: str | None = None,
        expected: str | None = None,
        message: str = "",
    ) -> float | None:
        """Returns ``metric`` of an SSE result (or its saved JSON) and, given ``operator`` and
        ``expected``, asserts it.

        ``metric`` is one of ``connection_success_rate``, ``connect_p50`` ..
        ``connect_max`` (response headers), ``first_event_mean``,
        ``first_event_p50``, ``first_event_p95``, ``first_event_p99``,
        ``first_event_max``, ``event_latency_mean`` .. ``event_latency_max``
        (ms), ``event_loss_rate`` (a fraction), ``events_expected``,
        ``events_received``, ``events_lost``, ``events_duplicated``,
        ``events_out_of_order``, ``events_sent``, ``events_per_s``,
        ``publish_errors``, ``disconnections``, ``reconnects``,
        ``connect_attempts``, ``connect_failures``, ``gateway_memory_peak_mb``,
        ``gateway_memory_growth_mb`` (MB, with ``gateway=``). Operators and units as
        `Get WebSocket Metric`; a metric without data fails any assertion.

        | ${lost}=    Get Event Stream Metric    ${sse}    events_lost
        | Get Event Stream Metric    ${sse}    first_event_p95    <    500 ms
        """
        found = result_or_saved(result, SseResult, read_saved, "Run Event Stream Load")
        value = get_metric(
            found, metric, operator, expected, known=SSE_METRICS, warnings=found.warnings,
            message=message,
        )  # fmt: skip
        log_metric(metric, operator, expected, SSE_METRICS, value)
        return value


RUN_EVENT_STREAM_LOAD_DOC = f"""Opens ``connections`` Server-Sent Events streams on ``url`` (spread over the first half of the warm-up, or as ``ramp`` says), times and counts every event, and returns an SseResult.

Each stream is a GET (or, with ``method=POST``, a POST of ``body``, e.g. a
JSON-RPC request as streamable-HTTP gateways take) answered with
``text/event-stream``. ``{{channel}}`` in ``url``, ``body`` and
``publish_url`` is replaced by ``channel`` (default: a name unique to the run).

Measured: the time to open a stream (response headers) and to its first
event; event latency, publish to receipt, over the events sent after the
warm-up; exact loss, duplicates and order from each event's ``id:`` (or,
with ``protocol={{"seq_field": "data.seq"}}``, a sequence number in its JSON
data); disconnections and reconnects.

Events come from:
- ``publish_url`` (an HTTP trigger, POSTed ``publish_body`` at ``event_rate``
  per second, ``{{seq}}`` and ``{{ts_ns}}`` - the send time - filled in, as
  `Run WebSocket Load` does); the latency is exact, one clock at both ends;
- or the server (``event_rate=0``), with its send time in ``time_field``
  read as ``time_format`` (``epoch_ms`` for ``Date.now()``, ``epoch_ns``, ...).

A stream the server ends, or that breaks, is a disconnection; with
``reconnect`` (default) it is reopened after the server's ``retry:`` time
(else ``retry``) with ``Last-Event-ID``, and an event the server does not
replay counts as lost. Loss counts from the channel's number in a
``subscribed`` message (the reference gateway sends one) or else from each
client's first event, up to the run's last number: the channel's own, from
a new stream's ``subscribed`` message at the end, else the highest number any
stream of the run had (the streams stay open up to 1 s more for the
stragglers); the warm-up's events are left out.

``gateway`` (a Gateway from GatewayLibrary, its alias, a PID or a metrics
URL) has its memory sampled during the run: ``${{sse.gateway_memory}}``
(``peak_mb``, ``growth_mb``, the series), a row of the table and a chart.

``protocol`` (a dictionary) names the fields: ``seq_field`` (empty: the
event id), ``time_field`` (default ``data.t``), ``time_format``,
``type_field``, ``subscribed_type``, ``subscribed_seq_field``,
``published_type``, ``error_type``, ``id_field``, ``message_field``,
``publish_body`` (dotted paths into the event's JSON data).

``ramp`` opens the streams at a rate (``ramp=200/s``), within a time
(``ramp=5 s``) or all at once (``ramp=0``); by default all within the first
half of the warm-up, or at once without one.

``duration`` includes ``warmup``; both, and a ``ramp`` given as a time, are
multiplied by ``time_scale`` (default ``${{PERF_TIME_SCALE}}``). ``timeout`` bounds the wait for a stream's
headers and, before the run, for the first event. ``headers`` go with every
request.

{CLUSTER_DOC} The publisher's send stamps are
moved onto each other machine's clock by the offsets measured.

Before the run one probe stream checks the URL: a URL that answers an error
status or anything but ``text/event-stream``, a stream that closes before
its first event, or no event within ``timeout`` fails with one sentence.

``thresholds`` as `Run WebSocket Load`'s, on the metrics of `Get Event Stream
Metric`; the defaults are ``{", ".join(DEFAULT_THRESHOLDS)}`` (``NONE`` first
drops them). The result is saved as JSON under ``${{OUTPUT DIR}}/perfgate/``
before any threshold fails the test, and logged with a table and charts.
A test timeout, Ctrl-C or SIGTERM stops every stream and worker at once; what
was measured until then is saved and logged, marked *partial* (how far the
run got and why it stopped), before the test stops. A gateway that dies
during the run (the one given as ``gateway``, or one GatewayLibrary started
on the URL's port; any other when a full second goes by with no stream open
and its port refuses a new connection) stops the run within about a second
and fails the test with its exit code or signal and its last output lines;
a run in which no stream ever opened fails, whatever its thresholds.

| ${{sse}}=    Run Event Stream Load    ${{gw.url}}/sse/{{channel}}    connections=50    event_rate=20    publish_url=${{gw.url}}/api/events/{{channel}}
| Run Event Stream Load    ${{url}}    event_rate=0    protocol={{"time_field": "ts_ns"}}    time_format=epoch_ns
| Run Event Stream Load    ${{gw.url}}/sse/{{channel}}    event_rate=0    time_format=epoch_ns    protocol={{"time_field": "ts_ns"}}    gateway=${{gw}}
| Run Event Stream Load    ${{gw.url}}/sse/{{channel}}    method=POST    body={{"jsonrpc": "2.0", "id": 1, "method": "subscribe"}}    event_rate=0    time_format=epoch_ns    protocol={{"time_field": "ts_ns"}}
"""

SseLoadKeywords.run_event_stream_load.__doc__ = RUN_EVENT_STREAM_LOAD_DOC
