"""The engine's pure parts: checks, templates, Server-Timing, scenarios, config, merging."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import pytest

from perfgate.load.http import LoadConfig, merge
from perfgate.load.http.checks import parse_expectations, parse_json_check, parse_status_expectation
from perfgate.load.http.config import validate, worker_count
from perfgate.load.http.merge import Aggregator
from perfgate.load.http.recorder import Recorder
from perfgate.load.http.scenario import load_scenario, scenario_from_data
from perfgate.load.http.servertiming import parse_server_timing
from perfgate.load.http.templates import SeqCounter, parse_template
from perfgate.load.http.wire import build_wire_requests
from perfgate.load.http.worker import share
from perfgate.load.stages import Stage
from perfgate.load.target import parse_target
from perfgate.measure.histogram import Histogram


def test_status_expectations() -> None:
    assert parse_status_expectation("200, 201") == {200, 201}
    assert parse_status_expectation([204, "3xx"]) == {204, *range(300, 400)}
    assert parse_status_expectation(None) == set(range(200, 400))
    for bad in ("abc", "700", [], {"a": 1}):
        with pytest.raises(ValueError):
            parse_status_expectation(bad)


def test_json_checks() -> None:
    doc = {"id": 7, "status": "ok", "items": [{"n": 2}], "none": None}
    passing = ["$.id exists", "status == \"ok\"", "$.items[0].n >= 2", "$.gone not exists",
               "$.none == null", "$.id != 8", "$.id < 10"]  # fmt: skip
    failing = ["$.gone exists", "status == \"bad\"", "$.items[1].n exists", "$.id > 7",
               "$.status > 3", "$.id not exists"]  # fmt: skip
    assert all(parse_json_check(c).passes(doc) for c in passing)
    assert not any(parse_json_check(c).passes(doc) for c in failing)
    for bad in ("$.id", "status == ok", "$..x exists", "== 3"):
        with pytest.raises(ValueError):
            parse_json_check(bad)


def test_expectations_give_error_kinds() -> None:
    exp = parse_expectations("200", ['$.status == "ok"'])
    assert exp.error_kind(200, b'{"status": "ok"}') is None
    assert exp.error_kind(200, b'{"status": "no"}') == "check"
    assert exp.error_kind(200, b"not json") == "check"
    assert exp.error_kind(503, b"") == "http_5xx"
    assert exp.error_kind(404, b"") == "http_4xx"
    assert exp.error_kind(302, b"") == "status"


def test_templates_render_placeholders_and_keep_json_braces() -> None:
    rng = random.Random(1)
    seq = SeqCounter(1, 3)  # worker 1 of 3
    t = parse_template('{"a": {seq}, "b": "{choice:x|y}", "c": {"d": 1}} {uuid}', seq, rng)
    assert t.static is None
    seq.advance()
    first = t.render()
    seq.advance()
    second = t.render()
    assert first.startswith('{"a": 1, "b": "') and second.startswith('{"a": 4, ')
    assert '"c": {"d": 1}}' in first
    uuid.UUID(first.rsplit(" ", 1)[1])
    assert parse_template("/plain/{not_a_placeholder}", seq, rng).static is not None
    with pytest.raises(ValueError):
        parse_template("{choice:}", seq, rng)


def test_server_timing_parse() -> None:
    assert parse_server_timing(
        b'db;dur=53.2, cache;desc="Cache Read";dur=23.2, miss, x;dur=bad'
    ) == [
        ("db", 53.2),
        ("cache", 23.2),
    ]
    assert parse_server_timing('total;dur="1.5"') == [("total", 1.5)]


def test_recorder_keeps_server_timing_bounded() -> None:
    rec = Recorder(["a"], open_model=False)
    for i in range(100):
        rec.server_timing_header(f"m{i};dur=1".encode())
    assert len(rec.drain()["server_timing"]) == 32


def test_wire_requests_are_prebuilt_when_static() -> None:
    target = parse_target("http://example.test:8080/base?q=1")
    specs = scenario_from_data(
        [
            {"name": "s", "path": "/x", "headers": {"A": "1"}},
            {"name": "d", "method": "POST", "path": "y/{seq}", "body": "b{seq}"},
        ]
    ).requests
    static, dynamic = build_wire_requests(specs, target, SeqCounter(), random.Random(0))
    assert static.prebuilt == (
        b"GET /x HTTP/1.1\r\nHost: example.test:8080\r\nUser-Agent: perfgate\r\nA: 1\r\n\r\n"
    )
    assert dynamic.prebuilt is None
    first, second = dynamic.encode(), dynamic.encode()
    assert first.startswith(b"POST /base/y/0 HTTP/1.1\r\n")
    assert first.endswith(b"Content-Length: 2\r\n\r\nb0")  # one {seq} per request
    assert second.startswith(b"POST /base/y/1 ") and second.endswith(b"b1")


def test_scenario_errors_are_one_sentence(tmp_path: Path) -> None:
    cases = {
        "requests: []": "empty 'requests'",
        "requests: [{path: /a, weight: 0}]": "positive number as weight",
        "requests: [{path: /a, method: FETCH}]": "unknown method",
        "requests: [{path: /a, colour: red}]": "unknown keys",
        "requests: [{name: a, path: /a}, {name: a, path: /b}]": "duplicate request names",
        "requests: [{path: /a, expect: {status: 999}}]": "expected status",
        "{": "not valid YAML",
    }
    for text, message in cases.items():
        f = tmp_path / "s.yaml"
        f.write_text(text)
        with pytest.raises(ValueError, match=message):
            load_scenario(f)
    with pytest.raises(ValueError, match="does not exist"):
        load_scenario(tmp_path / "missing.yaml")


def test_config_validation() -> None:
    ok = [Stage(0, 2), Stage(2, 2)]
    bad = {
        "model": ("model", "sideways"),
        "stages": ("stages", []),
        "warm-up": ("warmup_s", 2),
        "timeout_s": ("timeout_s", 0),
        "workers": ("workers", 0),
        "method": ("method", "GE T"),
    }
    for message, (field, value) in bad.items():
        kw = {"url": "http://127.0.0.1:1/", "stages": ok, field: value}
        with pytest.raises(ValueError, match=message):
            validate(LoadConfig(**kw))  # type: ignore[arg-type]
    cfg = LoadConfig(url="http://127.0.0.1:1/", stages=[Stage(1, 1)], workers=4)
    assert worker_count(cfg) == 1  # no worker without a client
    assert [share(5, i, 2) for i in range(2)] == [3, 2]
    assert sum(share(7.4, i, 3) for i in range(3)) == 7


def _snap(worker: int, second: int, n: int, final: bool = False) -> dict[str, object]:
    from perfgate.measure.histogram import Histogram

    h = Histogram()
    for i in range(n):
        h.record(1_000_000 * (i + 1))
    return {
        "worker": worker,
        "second": second,
        "interval_s": 1.0,
        "final": final,
        "active": 1,
        "target": 1.0,
        "cpu_s": 0.5,
        "missed": 0,
        "intended": 0,
        "server_timing": {},
        "names": {
            "a": {
                "latency": h.to_dict(),
                "service": None,
                "requests": n,
                "errors": {"http_5xx": 1} if n else {},
                "status": {200: n - 1, 503: 1} if n else {},
            }
        },
    }


def test_aggregator_waits_for_every_worker_and_skips_warm_up() -> None:
    agg = Aggregator(workers=2, warmup_s=0.5, duration_s=3, open_model=False)
    assert agg.add(_snap(0, 0, 10)) == []
    closed = agg.add(_snap(1, 0, 10))
    assert [p.row.t for p in closed] == [0.0] and closed[0].warmup
    assert agg.add(_snap(0, 1, 100)) == []
    agg.add(_snap(0, 2, 0, final=True))
    # Worker 1 stopped early: its final second 1 closes seconds 1 and 2.
    closed = agg.add(_snap(1, 1, 100, final=True))
    assert [p.row.t for p in closed] == [1.0, 2.0]
    result = agg.result(
        {"url": "u", "model": "closed", "profile": "", "stages": [], "warmup_s": 0.5, "workers": 2},
        stopped_early=False,
    )
    assert result.requests == 200 and result.errors == 2
    assert result.status_codes == {"200": 198, "503": 2}
    assert result.duration_s == 2.0 and result.rps == 100.0
    assert result.max == 100.0 and result.min == 1.0
    assert result.p50 == pytest.approx(50.0, rel=0.001)
    assert result.health.cpu_percent == [50.0, 50.0]
    assert [r.requests for r in result.timeline] == [20, 200, 0]
    # Goodput: successful responses per second, overall, per name and per row.
    assert result.goodput == 99.0 and result.by_name["a"].goodput == 99.0
    assert [r.goodput for r in result.timeline] == [18.0, 198.0, 0.0]


def test_coarse_rows_keep_their_goodput() -> None:
    agg = Aggregator(workers=1, warmup_s=0, duration_s=20, open_model=False)
    rows = [agg.add(_snap(0, s, 10))[0].row for s in range(10)]
    coarse = merge._coarse_row(rows, Histogram(), 10.0)
    assert coarse.requests == 100 and coarse.errors == 10 and coarse.goodput == 9.0


def test_threshold_metrics_from_result_and_progress() -> None:
    agg = Aggregator(workers=1, warmup_s=0, duration_s=1, open_model=True)
    (progress,) = agg.add(_snap(0, 0, 100, final=True))
    result = agg.result(
        {"url": "u", "model": "open", "profile": "", "stages": [], "warmup_s": 0, "workers": 1},
        stopped_early=False,
    )
    assert result.metric("p99.9") == result.p99_9 == 100.0
    assert result.metric("error_rate") == 0.01
    assert result.metric("p95", "a") == result.by_name["a"].p95
    assert result.metric("p95", "nope") is None  # never measured: a gate must fail
    assert result.metric("service_p99") is None  # no service samples in this snapshot
    assert result.metric("bogus") is None
    assert progress.metric("p99") == result.p99 and progress.metric("requests") == 100
    assert progress.metric("p99", "a") is None
