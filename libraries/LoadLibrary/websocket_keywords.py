"""WebSocket load keywords: `Run WebSocket Load` and the assertion keywords on its result.

A thin layer: it turns Robot arguments into `perfgate.load.ws` calls, logs,
and turns the core's one-sentence errors into clean Robot failures. All
logic lives in `perfgate.load.ws` and `perfgate.load.assertions`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from robot.api import logger
from robotlibcore import keyword  # type: ignore[import-untyped,unused-ignore]

from perfgate.artifacts import redact
from perfgate.artifacts.paths import link_html, result_or_saved
from perfgate.errors import PerfGateError, user_errors
from perfgate.load.cluster.shared import KEYWORD_DOC as CLUSTER_DOC
from perfgate.load.events.errors import FatalRunError
from perfgate.load.events.stamps import TimeFormat
from perfgate.load.protocol import WorkerError
from perfgate.load.report import suspect_warning
from perfgate.load.ws.criteria import DEFAULT_THRESHOLDS, get_ws_metric
from perfgate.load.ws.plan import WsPlan, plan_websocket_run
from perfgate.load.ws.report import render_html, summary_line, verdict_line
from perfgate.load.ws.result import WS_METRICS, WebSocketResult
from perfgate.load.ws.runner import WS_RUNNER, Outcome, read_saved

from .metric_log import log_metric
from .runs import LoadKeywordGroup, run_event_load


def _as_result(result: Any) -> WebSocketResult:
    return result_or_saved(result, WebSocketResult, read_saved, "Run WebSocket Load")


class WebSocketLoadKeywords(LoadKeywordGroup):
    """The WebSocket and Socket.IO load keywords."""

    @keyword("Run WebSocket Load")
    @user_errors(ValueError, ConnectionError, WorkerError, FatalRunError)
    def run_websocket_load(
        self,
        url: str,
        connections: int | str = 50,
        event_rate: float | str = 100,
        duration: timedelta | str = "30 s",
        warmup: timedelta | str = "5 s",
        mode: str = "broadcast",
        thresholds: str | list[str] | None = None,
        ramp: str | None = None,
        churn_rate: float | str | None = None,
        channel: str | None = None,
        publish_url: str | None = None,
        publish_body: str | None = None,
        publish_message: str | None = None,
        subscribe_message: str | None = None,
        unsubscribe_message: str | None = None,
        echo_message: str | None = None,
        protocol: dict[str, str] | str | None = None,
        time_format: TimeFormat = "perfgate",
        gateway: Any = None,
        headers: dict[str, str] | str | list[str] | None = None,
        workers: int | None = None,
        timeout: timedelta | str = "10 s",
        reconnect: bool = True,
        verify_tls: bool = True,
        time_scale: float | str | None = None,
        name: str = "",
        engine: Literal["websocket", "socket.io"] = "websocket",
        namespace: str | None = None,
        socketio_auth: dict[str, Any] | str | None = None,
        cluster: str | None = None,
    ) -> WebSocketResult:
        # The documentation is RUN_WEBSOCKET_LOAD_DOC, below the class.
        arguments = locals()
        return run_event_load(
            WS_RUNNER, plan_websocket_run, arguments, self._log_plan, self._log_outcome,
            self.live,
        )  # fmt: skip

    @staticmethod
    def _log_outcome(outcome: Outcome[WebSocketResult]) -> None:
        result, verdict = outcome.result, outcome.verdict
        link = link_html(outcome.json_path)
        logger.info(f"{summary_line(result)} {verdict_line(verdict)}")
        logger.info(f"Result saved as {link}", html=True)
        logger.info(render_html(result, verdict, link), html=True)
        suspect = suspect_warning(
            f"WebSocket load on {result.url}", result.warnings, verdict,
            " The figures may describe the load generator rather than the gateway.",
        )  # fmt: skip
        if suspect:
            logger.warn(suspect)
        if result.latency_note and result.events_received:
            logger.warn(
                f"WebSocket load on {result.url}: event latency was not measured: "
                f"{result.latency_note}."
            )

    @staticmethod
    def _log_plan(plan: WsPlan) -> None:
        cfg = plan.config
        scale = f" (time scale {plan.time_scale:g})" if plan.time_scale != 1 else ""
        ramp = "all at once" if cfg.ramp == float("inf") else f"{cfg.ramp:,.4g} connections/s"
        kind = (
            "WebSocket"
            if cfg.socketio is None
            else f"Socket.IO (namespace {cfg.socketio.namespace})"
        )
        logger.info(
            f"{kind} {cfg.mode} on {redact.url(cfg.url)}: {cfg.connections:,} connections "
            f"(ramp {ramp}), {cfg.event_rate:g} events/s, {cfg.duration_s:g} s with a warm-up of "
            f"{cfg.warmup_s:g} s{scale}."
        )
        logger.info(f"Thresholds: {', '.join(t.text for t in plan.thresholds) or 'none'}.")
        logger.debug(f"WebSocket configuration: {redact.config(cfg)}")

    @keyword("Get WebSocket Metric")
    @user_errors()
    def get_websocket_metric(
        self,
        result: WebSocketResult | str,
        metric: str,
        operator: str | None = None,
        expected: str | None = None,
        message: str = "",
    ) -> float | None:
        """Returns ``metric`` of a WebSocket result and, given ``operator`` and ``expected``, asserts it.

        ``metric`` is one of ``connection_success_rate``, ``connect_mean``,
        ``connect_p50``, ``connect_p95``, ``connect_p99``, ``connect_max``,
        ``event_latency_mean``, ``event_latency_p50``, ``event_latency_p95``,
        ``event_latency_p99``, ``event_latency_max`` (ms), ``event_loss_rate``
        (a fraction), ``events_expected``, ``events_received``,
        ``events_lost``, ``events_duplicated``, ``events_out_of_order``,
        ``events_sent``, ``events_per_s``, ``publish_errors``,
        ``disconnections``, ``reconnects``, ``connect_attempts``,
        ``connect_failures``, ``gateway_memory_peak_mb``,
        ``gateway_memory_growth_mb``.

        ``operator`` is ``<  <=  >  >=  ==  !=`` (or ``less than``,
        ``greater than``, ``equal``, ``should be``, ``inequal``); ``expected``
        takes the units of a threshold (``200 ms``, ``1%``). A metric without
        data fails any assertion and returns ``None`` without one.
        ``message`` replaces the failure message.

        | ${lost}=    Get WebSocket Metric    ${ws}    events_lost
        | Get WebSocket Metric    ${ws}    disconnections    ==    0
        | Get WebSocket Metric    ${ws}    event_latency_p99    <    50 ms
        """
        value = get_ws_metric(_as_result(result), metric, operator, expected, message)
        log_metric(metric, operator, expected, WS_METRICS, value)
        return value

    @keyword
    def event_latency_should_be_below(
        self, result: WebSocketResult | str, percentile: str, limit: str, message: str = ""
    ) -> float | None:
        """Fails unless the event latency ``percentile`` of a WebSocket result is below ``limit``.

        ``percentile`` is ``p50``, ``p95``, ``p99``, ``max`` or ``mean``;
        ``limit`` a time (``200 ms``, ``1 s``; a plain number is ms). The
        latency is publish to receipt (broadcast, churn) or the round trip
        (echo), over the events published after the warm-up. Returns the
        value in ms.

        | Event Latency Should Be Below    ${ws}    p95    200 ms
        """
        metric = self._latency_metric("event_latency", percentile)
        return self.get_websocket_metric(result, metric, "<", limit, message)

    @keyword
    def connection_time_should_be_below(
        self, result: WebSocketResult | str, percentile: str, limit: str, message: str = ""
    ) -> float | None:
        """Fails unless the connection (handshake) time ``percentile`` is below ``limit``.

        ``percentile`` is ``p50``, ``p95``, ``p99``, ``max`` or ``mean``, over
        every successful connection of the run (the ramp included).

        | Connection Time Should Be Below    ${ws}    p95    500 ms
        """
        metric = self._latency_metric("connect", percentile)
        return self.get_websocket_metric(result, metric, "<", limit, message)

    @keyword
    def event_loss_should_be_below(
        self, result: WebSocketResult | str, limit: str, message: str = ""
    ) -> float | None:
        """Fails unless the event loss rate of a WebSocket result is below ``limit``.

        ``limit`` is a percentage (``0.1%``) or a fraction (``0.001``); ``0``
        means that no event may be lost at all. Loss is counted exactly from
        the gateway's sequence numbers: every event published while a client
        was subscribed that never reached it (including those published while
        the server had dropped its connection). Returns the rate as a
        fraction.

        | Event Loss Should Be Below    ${ws}    0.1%
        | Event Loss Should Be Below    ${ws}    0
        """
        op = "<"
        text = str(limit).strip().rstrip("%").strip()
        try:
            if float(text) == 0:
                op = "=="
        except ValueError:
            pass  # build_check gives the sentence for a malformed limit
        return self.get_websocket_metric(result, "event_loss_rate", op, limit, message)

    @keyword
    def connection_success_rate_should_be_above(
        self, result: WebSocketResult | str, limit: str, message: str = ""
    ) -> float | None:
        """Fails unless the share of successful connection attempts is above ``limit``.

        ``limit`` is a percentage (``99.5%``) or a fraction. Every attempt of
        the run counts, reconnections included.

        | Connection Success Rate Should Be Above    ${ws}    99.5%
        """
        return self.get_websocket_metric(result, "connection_success_rate", ">", limit, message)

    @staticmethod
    def _latency_metric(prefix: str, percentile: str) -> str:
        key = str(percentile).strip().lower().replace("avg", "mean")
        if key not in ("p50", "p95", "p99", "max", "mean"):
            raise PerfGateError(
                f"Percentile must be p50, p95, p99, max or mean, not {percentile!r}."
            )
        return f"{prefix}_{key}"


RUN_WEBSOCKET_LOAD_DOC = f"""Opens ``connections`` WebSocket clients on ``url``, drives events through the gateway and returns a WebSocketResult.

Each event is timed and counted: per-event latency and exact loss,
duplicates and order, connection times and disconnections.

``mode``:
- ``broadcast`` (default): every client subscribes to one channel; events
  are published on it at ``event_rate`` per second, each stamped with its
  send time, and every subscriber's receipt is timed against it (fan-out
  latency). Publishing goes over a WebSocket of its own (``publish_message``)
  or, given ``publish_url``, by HTTP POST of ``publish_body`` to that URL.
- ``echo``: clients send ``event_rate`` messages per second in all (spread
  over the connections), each carrying a number and its send time; the
  latency is the round trip.
- ``churn``: clients connect, subscribe, stay ``connections / churn_rate``
  seconds, unsubscribe and disconnect, in a loop, starting ``churn_rate``
  sessions per second (default: ``connections`` per second) while events are
  published: connection- and subscription-leak tests (add ``gateway=`` to
  watch the gateway's memory).

Loss is exact: the gateway numbers each channel's events (``seq``); a
subscription expects every event after the number its ``subscribed`` reply
gave, up to the one its ``unsubscribed`` reply gives at the end of the run.
A subscriber whose connection the server drops reconnects (``reconnect``)
and the events published meanwhile count as lost too. A server that closes
connections is reported as disconnections, never as an error of this
keyword.

``duration`` includes ``warmup``; the warm-up's events are left out of the
event figures (connection figures cover the whole run). ``ramp`` spreads the
connections: ``200/s``, ``5 s`` (all within 5 s) or ``0`` (all at once);
default: all within the first half of the warm-up, or 100/s without one.
``time_scale`` multiplies ``duration``, ``warmup`` and a ramp given as a time
(default ``${{PERF_TIME_SCALE}}``, else 1). ``workers`` load processes (default
one per 1,000 connections, at most one per core); each raises its open-files
limit to the hard limit, and the keyword fails at once, saying so, when that
is still too low. ``headers`` (a dictionary or ``Name: value`` lines) go with
every handshake and trigger request; ``timeout`` bounds each handshake and
reply; ``verify_tls=False`` accepts self-signed certificates.

{CLUSTER_DOC} On a cluster the publisher (worker 1) and
the clients of another machine read different clocks: PerfGate moves each
send stamp onto the receiving machine's clock by the offsets it measured.

The defaults speak the reference gateway's protocol (docs/refgateway.md).
For another gateway give the templates ``subscribe_message``,
``unsubscribe_message``, ``publish_message``, ``publish_body``,
``echo_message``, in which ``{{channel}}``, ``{{seq}}`` (a counter),
``{{ts_ns}}`` (the send time, monotonic ns) and ``{{client}}`` are replaced,
and in ``protocol`` (a dictionary) the fields to read: ``type_field``,
``event_type``, ``subscribed_type``, ``unsubscribed_type``,
``published_type``, ``echo_type``, ``error_type``, ``seq_field``,
``time_field``, ``echo_seq_field``, ``echo_time_field``, ``id_field``,
``message_field`` (dotted paths such as ``data.t``). ``channel`` defaults to
a name unique to the run.

``time_format`` says what an event's ``time_field`` holds:
- ``perfgate`` (default): PerfGate's own send stamp (``{{ts_ns}}`` in the
  publish template); the latency is exact, one clock at both ends. A value
  that is no send stamp of this run (say the server's ``Date.now()``) gives
  no latency at all, and the result says what the value looks like.
- ``epoch_s``, ``epoch_ms``, ``epoch_us``, ``epoch_ns``: events the server
  generates and stamps with its wall clock, counted from 1970 in that unit
  (``Date.now()`` is ``epoch_ms``; a number or a string of digits). The
  latency is this machine's wall clock at receipt minus the stamp, so the
  server must run on this machine or have a synchronised clock. Its
  uncertainty, one unit of the stamp plus how far the wall clock moved
  against the monotonic clock during the run, is in
  ``${{ws.latency_uncertainty_ms}}``, the log and the JSON; events stamped
  later than they arrived by more than that are counted
  (``${{ws.events_stamped_ahead}}``), never timed, and make the result suspect.

``engine=socket.io`` drives a Socket.IO v4 server over its WebSocket
transport (no long-polling): ``url`` is the server's (``http://host:3000``;
without a path the Engine.IO path is ``/socket.io/``; a query in it goes with
the handshake, as do ``headers``). Every connection connects to ``namespace``
(default ``/``) with ``socketio_auth`` (a dictionary or JSON object) and
answers the server's pings; the connection time covers the whole connect
(upgrade and the namespace's ``40`` answer), and a refused namespace or auth
is a connection failure with the server's reason. The templates become emits,
JSON arrays with the event name first (default ``["subscribe", "{{channel}}"]``,
``["unsubscribe", "{{channel}}"]``, ``["echo", {{"n": {{seq}}, "t": {{ts_ns}}}}]``,
``["publish", {{"channel": "{{channel}}", "n": {{seq}}, "t": {{ts_ns}}}}]``),
sent with an acknowledgement id whose answer is the reply; an event the server
emits reads as ``{{"type": name, "data": first argument}}`` (defaults:
``event_type=event``, ``seq_field=data.seq``, ``time_field=data.t``), an
acknowledgement as ``{{"type": "subscribed", "data": first argument}}`` (or
the error type when that argument has an ``error`` key). See docs/websocket.md.

A run that measured no latency shows none: the summary, the table and the
console say why (``${{ws.latency_note}}``), the timeline's ``p50``/``p95``/``p99``
are ``None``, there is no latency chart, and a threshold or assertion on an
event latency fails with one sentence saying no latency was measured.

``thresholds`` are k6-like expressions on the result's metrics, separated by
commas or given as a list. The defaults are ``{", ".join(DEFAULT_THRESHOLDS)}``;
a threshold on one of those metrics replaces its default, ``NONE`` first
drops them all (``thresholds=NONE, event_latency_p99 < 50 ms``). The keyword
fails when any is breached, listing every breach.

Before any connection of the run, one connection checks the URL and the
protocol: a URL that is not ws:// or wss://, a refused handshake or namespace, a trigger
that cannot be reached or answers an error, or templates the gateway does
not understand fail with one sentence.

The result (times in ms, rates as fractions): ``${{ws.connection_success_rate}}``,
``${{ws.connect_p50}}``, ``${{ws.connect_p95}}``, ``${{ws.connect_p99}}``,
``${{ws.event_latency_p50}}``, ``${{ws.event_latency_p95}}``,
``${{ws.event_latency_p99}}``, ``${{ws.event_latency_max}}``,
``${{ws.events_expected}}``, ``${{ws.events_received}}``, ``${{ws.events_lost}}``,
``${{ws.events_duplicated}}``, ``${{ws.events_out_of_order}}``,
``${{ws.event_loss_rate}}``, ``${{ws.disconnections}}``, ``${{ws.reconnects}}``,
``${{ws.timeline}}`` (rows of ``width_s`` seconds: 1 s for the last hour, coarser
before it; connected clients, events/s, latency, losses),
``${{ws.gateway_memory}}`` (with ``gateway=``: a Gateway from GatewayLibrary, its
alias, a PID or a metrics URL), ``${{ws.json_path}}``. It is saved as JSON under
``${{OUTPUT DIR}}/perfgate/`` before any threshold fails the test, and logged
with a summary table and charts. Progress is printed to the console every
5 s. A test timeout, Ctrl-C or SIGTERM stops every connection and worker at
once; what was measured until then is saved and logged, marked *partial* (how
far the run got and why it stopped), before the test stops.

A gateway that dies during the run (the one given as ``gateway``, or one
GatewayLibrary started on the URL's port; any other when a full second goes
by with no client connected and its port refuses a new connection) stops the
run within about a second and fails the test with its exit code or signal and
its last output lines. A run in which no connection ever opened fails,
whatever its thresholds.

| ${{ws}}=    Run WebSocket Load    ws://127.0.0.1:8080/ws    connections=50    event_rate=100    duration=30 s    warmup=5 s
| Run WebSocket Load    ${{url}}    connections=20000    workers=8    cluster=tcp://10.0.0.5:8786
| Run WebSocket Load    ${{url}}    mode=echo    connections=200    event_rate=100    thresholds=event_latency_p99 < 20 ms
| Run WebSocket Load    ${{url}}    mode=churn    connections=100    churn_rate=50    gateway=${{gw}}
| Run WebSocket Load    ${{url}}    publish_url=${{gw.url}}/api/events/{{channel}}    ramp=200/s
| Run WebSocket Load    http://127.0.0.1:3000    engine=socket.io    namespace=/dash    socketio_auth={{"token": "t"}}    mode=echo
| Run WebSocket Load    ${{url}}    event_rate=0    time_format=epoch_ms    protocol=${{PROTOCOL}}    subscribe_message={{"op": "subscribe", "topic": "{{channel}}"}}
"""

WebSocketLoadKeywords.run_websocket_load.__doc__ = RUN_WEBSOCKET_LOAD_DOC
