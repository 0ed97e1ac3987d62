"""Closed and open load models: client counts, arrival rates, coordinated omission, misses."""

from __future__ import annotations

from engine.helpers import run
from engine.servers import HttpTestServer
from perfgate.load.stages import Stage


def test_closed_model_client_count_follows_the_stages(server: HttpTestServer) -> None:
    stages = [Stage(0, 2), Stage(1, 2), Stage(0, 5), Stage(1, 5), Stage(0, 1), Stage(1, 1)]
    result = run(server.url + "/ok", stages=stages)
    assert [r.active for r in result.timeline] == [2, 5, 1]
    assert [r.target for r in result.timeline] == [2, 5, 1]
    # Five clients at the peak, each with its own connection (+1: start-up check).
    assert server.connections == 5 + 1
    assert result.model == "closed" and result.target_rps is None and result.service is None


def test_closed_model_ramp_and_think_time(server: HttpTestServer) -> None:
    # 0 -> 4 clients over 2 s; each client thinks 50 ms, so at most 20 req/s per client.
    result = run(server.url + "/ok", stages=[Stage(2, 4)], think_time_s=0.05)
    assert [r.target for r in result.timeline] == [2, 4]
    assert result.requests <= 4 * 20 * 2
    assert result.requests >= 10


def test_open_model_delivers_the_target_rate(server: HttpTestServer) -> None:
    result = run(server.url + "/ok", model="open", target=200, seconds=2.0)
    # Count-based: the schedule asks for exactly 400 requests in 2 s.
    assert result.health.intended == 400
    assert 390 <= result.requests <= 400
    assert result.health.missed == 0
    assert abs(result.rps - 200) <= 10
    assert result.target_rps == 200
    assert [round(r.target) for r in result.timeline] == [200, 200]
    assert result.service is not None and result.service.count == result.requests


def test_open_model_latency_is_corrected_for_coordinated_omission(
    server: HttpTestServer,
) -> None:
    # The 100th request freezes the whole server for 300 ms, like a GC pause.
    # With two connections, ~60 scheduled requests wait for the stall to end:
    # measured from their intended send time they are slow, measured from
    # the actual send (service time) they are not.
    server.stall_at, server.stall_s = 100, 0.3
    result = run(server.url + "/stall", model="open", target=200, seconds=2.0, max_connections=2)
    assert result.health.missed == 0
    assert result.service is not None
    assert result.p99 >= 150.0
    assert result.service.p99 < result.p99 / 2
    assert result.max >= 250.0
    # Tens of requests were delayed, not just the one that hit the stall.
    assert result.p90 > result.service.p90


def test_missed_requests_are_counted_when_the_server_is_too_slow(
    server: HttpTestServer,
) -> None:
    # Two connections to a server that takes 100 ms: at most ~20 req/s of the 100 asked for.
    result = run(
        server.url + "/slow?ms=100",
        model="open",
        target=100,
        seconds=2.0,
        max_connections=2,
        max_lag_s=0.2,
    )
    assert result.health.intended == 200
    assert result.health.missed >= 100
    assert result.requests + result.health.missed == 200
    assert result.suspect
    assert any(w.startswith("missed ") for w in result.health.warnings)
    assert server.connections <= 2 + 1


def test_warm_up_is_in_the_timeline_but_not_the_totals(server: HttpTestServer) -> None:
    result = run(server.url + "/ok", target=2, seconds=2.0, warmup_s=1)
    assert [r.warmup for r in result.timeline] == [True, False]
    assert result.requests == result.timeline[1].requests
    assert result.duration_s == 1.0
    assert result.requests < server.requests


def test_fractional_warm_up_ends_on_a_row_edge(server: HttpTestServer) -> None:
    result = run(server.url + "/ok", target=1, seconds=1.5, warmup_s=0.5)
    assert [(r.t, r.warmup) for r in result.timeline] == [(0.0, True), (0.5, False)]
    assert result.duration_s == 1.0
    assert result.requests == result.timeline[1].requests
