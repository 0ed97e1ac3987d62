"""The HTTP client against a local test server: reuse, reconnects, errors, what is sent."""

from __future__ import annotations

import json
import math
import re
import shutil
import ssl
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.helpers import run
from engine.servers import HttpTestServer
from perfgate.load.http import load_scenario


def test_keep_alive_reuses_one_connection_per_client(server: HttpTestServer) -> None:
    result = run(server.url + "/ok", target=3)
    assert result.errors == 0
    assert result.requests > 30
    # One connection per client, plus the start-up check's.
    assert server.connections == 3 + 1
    assert server.requests == result.requests


def test_reconnects_after_connection_close(server: HttpTestServer) -> None:
    result = run(server.url + "/close", target=2)
    assert result.errors == 0
    assert result.requests > 10
    assert server.connections - 1 == result.requests


def test_method_headers_and_body_reach_the_server(server: HttpTestServer) -> None:
    result = run(
        server.url + "/ok?x=1",
        target=1,
        method="PUT",
        headers={"X-Token": "abc", "Content-Type": "text/plain"},
        body="hello body",
    )
    assert result.errors == 0 and result.requests > 0
    seen = server.seen[0]
    assert (seen.method, seen.path) == ("PUT", "/ok?x=1")
    assert seen.headers["x-token"] == "abc"
    assert seen.headers["host"] == f"127.0.0.1:{server.port}"
    assert seen.body == b"hello body"
    assert seen.headers["content-length"] == "10"


def test_head_and_chunked_responses_keep_the_connection(server: HttpTestServer) -> None:
    head = run(server.url + "/ok", target=1, method="HEAD")
    assert head.errors == 0 and head.requests > 10
    chunked = run(server.url + "/chunked", target=1)
    assert chunked.errors == 0 and chunked.requests > 10
    assert server.connections == 2 + 2  # one per run, plus each run's start-up check


def test_errors_are_classified_per_request_name(server: HttpTestServer, tmp_path: Path) -> None:
    scenario = tmp_path / "mix.yaml"
    scenario.write_text(
        """
name: errors
requests:
  - {name: ok, path: /json, expect: {status: 200, json: ["$.id exists", 'status == "ok"',
     "$.items[0].n >= 2"]}}
  - {name: server_error, path: /status/503}
  - {name: not_found, path: /status/404}
  - {name: accepted_404, path: /status/404, expect: {status: "200,404"}}
  - {name: check, path: /badjson, expect: {json: ['status == "ok"']}}
  - {name: reset, path: /reset}
  - {name: eof, path: /eof}
"""
    )
    result = run(server.url, target=2, scenario=scenario, seed=1)
    by = result.by_name
    assert set(by) == {"ok", "server_error", "not_found", "accepted_404", "check", "reset", "eof"}
    assert by["ok"].errors == 0 and by["ok"].requests > 0
    assert by["accepted_404"].errors == 0
    assert by["server_error"].errors_by_kind == {"http_5xx": by["server_error"].requests}
    assert by["server_error"].status_codes == {"503": by["server_error"].requests}
    assert by["not_found"].errors_by_kind == {"http_4xx": by["not_found"].requests}
    assert by["check"].errors_by_kind == {"check": by["check"].requests}
    assert by["reset"].errors_by_kind == {"reset": by["reset"].requests}
    assert by["eof"].errors_by_kind == {"closed": by["eof"].requests}
    assert result.requests == sum(s.requests for s in by.values())
    assert result.errors == sum(s.errors for s in by.values())
    assert result.errors_by_kind["http_4xx"] == by["not_found"].errors
    assert 0 < result.error_rate < 1
    # Goodput counts the successful responses only: overall, per name and per row.
    assert result.goodput == pytest.approx(result.successes / result.duration_s)
    assert by["not_found"].goodput == 0 and by["accepted_404"].goodput > 0
    assert by["ok"].goodput == pytest.approx(by["ok"].rps)
    good = sum(r.goodput * r.width_s for r in result.timeline if not r.warmup)
    assert good == pytest.approx(result.successes)


def test_timeout_is_counted(server: HttpTestServer) -> None:
    result = run(server.url + "/hang", target=2, seconds=1.0, timeout_s=0.3)
    assert result.errors_by_kind.get("timeout", 0) >= 4
    assert result.successes == 0


def test_refused_after_the_server_goes_away(server: HttpTestServer) -> None:
    def stop_server(progress: object) -> None:
        server.stop()

    result = run(server.url + "/ok", target=2, seconds=2.0, on_progress=stop_server)
    assert result.errors_by_kind.get("refused", 0) > 0
    assert result.successes > 0


def test_scenario_placeholders_and_weights(server: HttpTestServer, tmp_path: Path) -> None:
    scenario = tmp_path / "mix.json"
    scenario.write_text(
        json.dumps(
            {
                "requests": [
                    {"name": "read", "weight": 3, "path": "/r/{choice:a|b}"},
                    {
                        "name": "write",
                        "weight": 1,
                        "method": "POST",
                        "path": "/w?seq={seq}",
                        "headers": {"X-Id": "{uuid}"},
                        "body": {"n": "{seq}", "raw": {"braces": "stay"}},
                    },
                ]
            }
        )
    )
    server.keep = 10**7  # every request of the run must be seen, however fast the machine
    result = run(server.url, target=2, scenario=load_scenario(scenario), seed=7)
    reads = [s for s in server.seen if s.path.startswith("/r/")]
    writes = [s for s in server.seen if s.path.startswith("/w")]
    n = len(reads) + len(writes)
    assert n == result.requests > 100
    # Weights 3:1: writes are binomial(n, 1/4); allow 4 standard deviations.
    assert abs(len(writes) - n / 4) <= 4 * math.sqrt(n * 3 / 16)
    assert {s.path for s in reads} == {"/r/a", "/r/b"}
    seqs = [int(s.path.split("=")[1]) for s in writes]
    assert len(set(seqs)) == len(seqs)
    for s in writes:
        uuid.UUID(s.headers["x-id"])
        body = json.loads(s.body)
        assert re.fullmatch(r"\d+", body["n"]) and body["raw"] == {"braces": "stay"}
        assert s.headers["content-type"] == "application/json"
    assert result.by_name["read"].requests == len(reads)
    assert result.by_name["write"].requests == len(writes)


def test_server_timing_is_aggregated(server: HttpTestServer) -> None:
    result = run(server.url + "/timing", target=1)
    assert set(result.server_timing) == {"db", "app"}
    assert result.server_timing["db"].mean == pytest.approx(2.5)
    assert result.server_timing["app"].p95 == pytest.approx(1.0, rel=0.01)
    assert result.server_timing["db"].count == result.requests


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[HttpTestServer]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    srv = HttpTestServer(ssl_context=ctx).start()
    try:
        yield srv
    finally:
        srv.stop()


def test_https_with_verification_off(tls_server: HttpTestServer) -> None:
    assert tls_server.url.startswith("https://")
    with pytest.raises(ConnectionError, match="not trusted"):
        run(tls_server.url + "/ok", target=1)
    result = run(tls_server.url + "/ok", target=2, verify_tls=False)
    assert result.errors == 0 and result.requests > 10
    # Handshakes that completed: the clients and the start-up check.
    assert tls_server.connections == 2 + 1
