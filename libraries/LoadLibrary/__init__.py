"""Robot Framework keywords that put HTTP and WebSocket load on a gateway and judge it."""

from __future__ import annotations

from robot.api import logger
from robotlibcore import DynamicCore  # type: ignore[import-untyped]

from perfgate import __version__
from perfgate.artifacts import redact
from perfgate.live.settings import LibraryExport
from perfgate.load.cluster import shared

from .http_keywords import HttpLoadKeywords
from .sse_keywords import SseLoadKeywords
from .websocket_keywords import WebSocketLoadKeywords


class LoadLibrary(DynamicCore):  # type: ignore[misc]
    """Load keywords for HTTP and WebSocket gateways, with verdicts people can defend.

    | ${gw}=        Start Gateway
    | ${result}=    `Run Load Profile`    stress    ${gw.url}/api/echo    thresholds=p95 < 200 ms, error_rate < 1%
    | `Latency Should Be Below`    ${result}    p99    1 s
    | `Get Load Metric`    ${result}    rps    >=    500 rps

    = HTTP load =

    `Run Load Profile` runs a load profile (built in, from a file, or inline
    stages) against one URL or a weighted mix of named requests, and returns
    the result: ``${result.p95}``, ``${result.rps}``, ``${result.error_rate}``,
    ``${result.requests}`` (times in milliseconds, rates as fractions), per
    request name in ``${result.by_name}``. `Latency Should Be Below`,
    `Error Rate Should Be Below`, `Throughput Should Be At Least` and
    `Get Load Metric` judge it afterwards.

    = How the numbers are made =

    Latency is measured with a monotonic nanosecond clock in load-generator
    worker processes (HTTP/1.1 keep-alive, one request at a time per
    connection) and kept in mergeable histograms with three significant
    digits; percentiles err high, never low. In the open model (a request
    rate) latency counts from the moment a request *should* have been sent,
    so a stalled server cannot hide behind a slowed-down client (coordinated
    omission). The warm-up is run but left out of every statistic.

    A result is *suspect* when the load generator itself may have been the
    limit: a worker near 100 % CPU, requests it could not send on time, or
    fewer than 100 samples. A suspect result is logged as a warning and every
    failure message says so.

    = Time scale =

    Every duration of a profile is multiplied by ``time_scale=`` or the Robot
    variable ``${PERF_TIME_SCALE}``, so CI can run the real suites at smoke
    scale (``--variable PERF_TIME_SCALE:0.05``) and a nightly run at full
    length.

    = WebSocket load =

    `Run WebSocket Load` and its assertion keywords, where present, work the
    same way for WebSocket connections and messages.

    = Server-Sent Events load =

    `Run Event Stream Load` opens ``text/event-stream`` responses (GET, or
    POST with a JSON-RPC body) and measures the time to first event, event
    latency, exact loss, disconnections and reconnects (``Last-Event-ID``);
    `Get Event Stream Metric` reads and asserts its result.

    = Live metrics =

    While a load runs, each of its seconds can go to Prometheus by remote write
    (Prometheus started with ``--web.enable-remote-write-receiver``), with the
    run's own timestamps: requests, errors by kind and status, latency as a
    histogram, rate against target, clients, WebSocket and SSE events sent,
    received and lost, event latency, connections. Turn it on with the import
    argument or the variable, so that suites need no change:

    | Library    LoadLibrary    prometheus_url=http://127.0.0.1:9090
    | pabot --variable PERFGATE_PROMETHEUS_URL:http://127.0.0.1:9090 suites/

    Series carry the labels ``run`` (``${PERFGATE_RUN_ID}``, or one id for a
    whole pabot run), ``suite``, ``test``, ``pabot``, ``load``, ``protocol``,
    ``name`` (HTTP request name), ``gateway`` and ``machine``. An unreachable
    Prometheus costs one warning and a count of samples not delivered; the
    run goes on. Every run also writes a live progress file under
    ``${OUTPUT DIR}/perfgate/live/``, which ``perfgate watch`` shows for every
    test running under pabot. See docs/live.md and the Grafana dashboard in
    resources/grafana/.

    = Load from several machines =

    ``cluster=`` on `Run Load Profile`, `Run WebSocket Load` and `Run Event
    Stream Load`, the ``cluster`` import argument or the variable
    ``${PERFGATE_CLUSTER}`` run the load workers on a Dask cluster: ``local``
    (a LocalCluster on this machine) or a scheduler started with
    ``dask scheduler`` and joined by ``dask worker tcp://HOST:8786`` on each
    load machine. The same keywords, verdicts and exact merge; the result's
    ``cluster`` says which machine ran what (docs/cluster.md).

    | Library    LoadLibrary    cluster=tcp://10.0.0.5:8786

    = Secrets =

    The load gets the real headers and URLs; what PerfGate writes (the log at
    every level, the console, the saved JSON results, the charts and tables)
    shows ``***`` instead of the values of the ``Authorization``,
    ``Proxy-Authorization``, ``Cookie`` and ``Set-Cookie`` headers and of any
    header, query parameter or password in a URL whose name contains
    ``token``, ``secret``, ``password``, ``passwd``, ``key``, ``auth`` or
    ``session`` (case-insensitive). The configuration logged at DEBUG level
    shows a request body as its length only (``<body: 123 bytes>``).

    The ``secret_names`` import argument adds names (the same rule: a name that
    contains one, ``-`` and ``_`` alike). They hold for every PerfGate library
    in the robot (or pabot) process:

    | Library    LoadLibrary    secret_names=tenant,x-signature

    Robot itself logs keyword arguments at TRACE level and the values of
    assignments such as ``${headers}=    Create Dictionary    ...`` at INFO:
    pass secrets inline (e.g. ``headers=Authorization: Bearer %{API_TOKEN}``)
    and do not run with ``--loglevel TRACE`` where the log is shared.
    """

    ROBOT_LIBRARY_SCOPE = "GLOBAL"
    ROBOT_LIBRARY_VERSION = __version__

    def __init__(
        self,
        *,
        secret_names: str | list[str] | None = None,
        prometheus_url: str | None = None,
        cluster: str | None = None,
    ) -> None:
        """``secret_names`` adds names whose values are shown as ``***``, separated by commas
        or as a list: see `Secrets`. ``prometheus_url`` sends every run's seconds to that
        Prometheus (its base URL or its remote-write URL); without it
        ``${PERFGATE_PROMETHEUS_URL}`` does, when set: see `Live metrics`. ``cluster`` is
        every run's Dask cluster unless its keyword gives one (``local`` or a scheduler's
        address; without it ``${PERFGATE_CLUSTER}``): see `Load from several machines`.

        | Library    LoadLibrary    secret_names=tenant,x-signature
        | Library    LoadLibrary    prometheus_url=http://127.0.0.1:9090
        | Library    LoadLibrary    cluster=local
        """
        redact.add_names(secret_names)
        shared.set_default(cluster)
        live = LibraryExport(prometheus_url, logger.warn, logger.info)
        self.http = HttpLoadKeywords(live)
        self.websocket = WebSocketLoadKeywords(live)
        self.sse = SseLoadKeywords(live)
        DynamicCore.__init__(self, [self.http, self.websocket, self.sse])
