"""The result of a load run: dataclasses that serialise to JSON-safe dicts.

Latencies are milliseconds as floats; a statistic of no samples is NaN in
memory and null in JSON. The format is documented in docs/engine.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from perfgate.artifacts.paths import json_safe, write_json_atomic
from perfgate.itemaccess import ItemAccess
from perfgate.load.cluster.record import ClusterRun, cluster_json, read_cluster
from perfgate.load.errorlimit import DEFAULT_LIMIT, ErrorLimit
from perfgate.load.gate import BreakingPoint
from perfgate.load.resultjson import NAN, defaults_to_nan, null_to_nan, number, saved_fields
from perfgate.measure.histogram import Histogram

PERCENTILES = (("p50", 50.0), ("p75", 75.0), ("p90", 90.0), ("p95", 95.0), ("p99", 99.0),
               ("p99_9", 99.9))  # fmt: skip


@dataclass(kw_only=True)
class Latencies:
    """The latency statistics in ms that a run, each request name and the open model's
    service time report alike; NaN when there were no samples (`latency_fields`)."""

    min: float = NAN
    mean: float = NAN
    stdev: float = NAN
    p50: float = NAN
    p75: float = NAN
    p90: float = NAN
    p95: float = NAN
    p99: float = NAN
    p99_9: float = NAN
    max: float = NAN


@dataclass(kw_only=True)
class RequestCounts:
    """The counts and rates that a run and each request name report alike (the merge's
    `_request_counts`)."""

    requests: int = 0
    successes: int = 0
    errors: int = 0
    error_rate: float = 0.0
    rps: float = 0.0
    goodput: float = NAN  # successful responses per second (NaN: a result saved before it)
    errors_by_kind: dict[str, int] = field(default_factory=dict)
    status_codes: dict[str, int] = field(default_factory=dict)


_LATENCY_NAMES = tuple(f.name for f in fields(Latencies))


def latency_fields(hist: Histogram | None) -> dict[str, Any]:
    """min, mean, stdev, p50 ... p99_9, max in ms from a ns histogram (NaN when empty)."""
    if hist is None or hist.count == 0:
        return dict.fromkeys(_LATENCY_NAMES, NAN)
    values = hist.percentiles([p for _, p in PERCENTILES])
    out = {"min": hist.min / 1e6, "mean": hist.mean / 1e6, "stdev": hist.stdev / 1e6}
    out.update({k: v / 1e6 for (k, _), v in zip(PERCENTILES, values, strict=True)})
    out["max"] = hist.max / 1e6
    return out


# A dataclass's fields come base by base, from the last base it lists to the first, then its
# own. These bases hold the field a summary shows first, before its counts and latencies, so
# that its repr (in log.html) and the field list of a KeyError read as they always have.
@dataclass
class _Counted:
    count: int = 0  # samples


@dataclass
class _Named:
    name: str


@dataclass
class LatencySummary(Latencies, _Counted, ItemAccess):
    """A latency summary in ms; `summary.p50` and `summary["p50"]` alike (the JSON shows a dict)."""

    @classmethod
    def from_histogram(cls, hist: Histogram | None) -> LatencySummary:
        return cls(count=0 if hist is None else hist.count, **latency_fields(hist))


@dataclass
class RequestStats(Latencies, RequestCounts, _Named, ItemAccess):
    """Counts and latency of one named request (or of all requests)."""


@dataclass
class TimelineRow(ItemAccess):
    """One second of the run (warm-up seconds included, flagged); before the last hour of a
    long run, 10 or 60 seconds (`perfgate.measure.timeline`)."""

    t: float  # seconds from the start of the run
    rps: float  # requests / width_s
    p50: float  # of every response in the row
    p95: float
    p99: float
    requests: int
    errors: int
    active: int  # closed: clients; open: open connections; at the end of the row
    target: float  # closed: clients; open: req/s; at the end of the row
    missed: int = 0
    warmup: bool = False
    width_s: float = 1.0  # seconds the row covers
    goodput: float = NAN  # successful responses / width_s


@dataclass
class ServerTimingStat(ItemAccess):
    count: int
    mean: float  # ms
    p95: float  # ms


@dataclass
class GeneratorHealth(ItemAccess):
    cpu_percent: list[float] = field(default_factory=list)  # per worker, over the measured period
    intended: int = 0  # open model: requests the schedule asked for (measured period)
    missed: int = 0  # open model: of those, never sent
    warnings: list[str] = field(default_factory=list)


@dataclass
class LoadResult(Latencies, RequestCounts):
    url: str
    model: str
    profile: str
    stages: list[dict[str, float]]
    warmup_s: float
    duration_s: float  # the measured period (seconds), warm-up excluded
    workers: int
    target_rps: float | None = None  # open model: mean intended rate over the measured period
    service: LatencySummary | None = None  # open model: uncorrected service time
    timeline: list[TimelineRow] = field(default_factory=list)
    by_name: dict[str, RequestStats] = field(default_factory=dict)
    server_timing: dict[str, ServerTimingStat] = field(default_factory=dict)
    health: GeneratorHealth = field(default_factory=GeneratorHealth)
    suspect: bool = False
    stopped_early: bool = False
    histograms: dict[str, Any] = field(default_factory=dict)  # Histogram.to_dict forms
    cluster: ClusterRun | None = None  # a run on a Dask cluster: which machine ran what
    kind: str = "load"
    # Set by `Run Load Profile` (perfgate.load.http.runner) and read from Robot
    # (${result.breaking_point.target}); `to_dict` leaves them out: the saved JSON keeps
    # the breaking point in its verdict and the path under its own key.
    breaking_point: BreakingPoint | None = None  # of a stop_on_threshold run
    error_limit: ErrorLimit = DEFAULT_LIMIT  # `perfgate.load.errorlimit`, from the thresholds
    json_path: str | None = None

    @property
    def warnings(self) -> list[str]:
        return self.health.warnings

    def __repr__(self) -> str:
        # Robot logs `${result} = <repr>`; the dataclass repr would dump
        # every timeline row and histogram bucket into log.html.
        return (
            f"LoadResult({self.profile or self.model}: {self.requests} requests, "
            f"{self.rps:.1f} req/s, p95 {self.p95:.2f} ms, errors {self.error_rate:.2%}"
            f"{', suspect' if self.suspect else ''})"
        )

    def metric(self, name: str, scope: str | None = None) -> float | None:
        """A threshold metric (`p95`, `p99.9`, `error_rate`, `rps`, ...), overall or for the
        request named `scope`; `service_p99` etc. read the open model's service time.
        None when it was not measured, so that a gate on it fails instead of passing."""
        attr = name.strip().replace(".", "_")
        source: Any = self if scope is None else self.by_name.get(scope)
        if attr.startswith("service_") and scope is None:
            source, attr = self.service, attr[len("service_") :]
            if attr not in _LATENCY_ATTRS:
                return None
        if source is None or attr not in _METRIC_ATTRS:
            return None
        return number(getattr(source, attr))

    def latency_histogram(self) -> Histogram | None:
        data = self.histograms.get("latency")
        return None if data is None else Histogram.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in _RUN_FIELDS:
            del data[name]
        data["cluster"] = cluster_json(self.cluster)
        return json_safe(data)

    def save_json(self, path: str | Path) -> Path:
        """Write the result as JSON atomically (temp file + rename)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        return write_json_atomic(target, self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoadResult:
        """Rebuild a result from `to_dict` output (e.g. a saved JSON file)."""
        d = _nan_fields(saved_fields(cls, data, "load", "load result", skip=_RUN_FIELDS))
        if d.get("service") is not None:
            d["service"] = LatencySummary(**_nan_fields(d["service"]))
        d["timeline"] = [TimelineRow(**_nan_fields(r)) for r in d.get("timeline", [])]
        d["by_name"] = {k: RequestStats(**_nan_fields(v)) for k, v in d.get("by_name", {}).items()}
        d["server_timing"] = {
            k: ServerTimingStat(**_nan_fields(v)) for k, v in d.get("server_timing", {}).items()
        }
        d["health"] = GeneratorHealth(**d.get("health", {}))
        d["cluster"] = read_cluster(d.get("cluster"))
        return cls(**d)


_RUN_FIELDS = frozenset({"breaking_point", "error_limit", "json_path"})
_LATENCY_ATTRS = frozenset(_LATENCY_NAMES)
_METRIC_ATTRS = _LATENCY_ATTRS | {"rps", "goodput", "error_rate", "requests", "errors", "successes"}


_NULLABLE_FLOATS = defaults_to_nan(LoadResult)  # the latencies and goodput


def _nan_fields(d: dict[str, Any]) -> dict[str, Any]:
    """Latency statistics saved as null (no samples) come back as NaN."""
    return null_to_nan(d, _NULLABLE_FLOATS)


@dataclass
class NameCounts:
    """One request name's counts and latency histogram (ns): over the measured period in the
    merge, over one second in `Progress.second_by_name`."""

    latency: Histogram = field(default_factory=Histogram)
    requests: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # by kind
    status: dict[int, int] = field(default_factory=dict)  # by HTTP status


@dataclass
class Progress(Latencies):
    """What `on_progress` gets once a second: the second just finished and
    running totals over the measured period so far (warm-up excluded)."""

    row: TimelineRow
    elapsed_s: float
    duration_s: float
    warmup: bool
    requests: int
    errors: int
    error_rate: float
    rps: float
    missed: int
    # The second just closed, by request name (empty during the warm-up), and the load
    # generator's CPU seconds in it: what live export (perfgate.live) sends.
    second_by_name: dict[str, NameCounts] = field(default_factory=dict)
    cpu_s: float = 0.0
    # The same second by load worker (index): its CPU seconds and requests, which live
    # export sums by the machine that ran each worker (a cluster run's per-machine series).
    worker_cpu_s: dict[int, float] = field(default_factory=dict)
    worker_requests: dict[int, float] = field(default_factory=dict)

    def metric(self, name: str, scope: str | None = None) -> float | None:
        """Running overall value of a threshold metric (None for per-name scopes)."""
        attr = name.strip().replace(".", "_")
        if scope is not None or attr not in _METRIC_ATTRS - {"successes", "goodput"}:
            return None
        return number(getattr(self, attr))
