"""Fault knobs (errors, leaks, stalls), --max-connections and the /admin endpoints."""

from __future__ import annotations

import http.client
import json
from typing import Any

import psutil
import requests
from refgw_helpers import Gateway, running, wait_for


def stats(gw: Gateway) -> dict[str, Any]:
    return requests.get(gw.url + "/admin/stats", timeout=5).json()


def metric(gw: Gateway, name: str) -> float:
    for line in requests.get(gw.url + "/metrics", timeout=5).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


def test_error_rate_injects_counted_5xx_on_api_routes_only() -> None:
    with running("--admin", "--error-rate", "0.4", "--seed", "3") as gw:
        codes = [
            requests.get(gw.url + "/api/echo", params={"size": 1}, timeout=5).status_code
            for _ in range(100)
        ]
        failed = codes.count(503)
        assert failed + codes.count(200) == 100
        assert 0 < failed < 100
        assert stats(gw)["injected_errors"] == failed
        assert metric(gw, "perfgate_gateway_injected_errors_total") == failed
        r = requests.get(gw.url + "/api/echo", timeout=5)
        while r.status_code != 503:
            r = requests.get(gw.url + "/api/echo", timeout=5)
        assert r.headers["X-PerfGate-Injected"] == "error"
        assert r.json()["error"]["status"] == 503
        # Probes and operations never fail on purpose.
        assert all(requests.get(gw.url + "/health", timeout=5).ok for _ in range(30))
        assert all(requests.get(gw.url + "/admin/stats", timeout=5).ok for _ in range(10))


def test_error_rate_can_change_at_run_time() -> None:
    with running("--admin") as gw:
        assert requests.get(gw.url + "/api/echo", timeout=5).status_code == 200
        r = requests.post(gw.url + "/admin/config", json={"error_rate": 1.0}, timeout=5)
        assert r.json()["error_rate"] == 1.0
        assert {requests.get(gw.url + "/api/echo", timeout=5).status_code for _ in range(5)} == {
            503
        }
        requests.post(gw.url + "/admin/config", json={"error_rate": 0}, timeout=5)
        assert requests.get(gw.url + "/api/echo", timeout=5).status_code == 200


def test_leak_per_request_is_resident_and_releasable() -> None:
    with running("--admin", "--leak-kb-per-request", "256") as gw:
        proc = psutil.Process(gw.proc.pid)
        session = requests.Session()
        session.get(gw.url + "/api/echo", timeout=5)
        before_bytes = stats(gw)["leaked_bytes"]
        before_rss = proc.memory_info().rss
        for _ in range(100):
            session.get(gw.url + "/api/echo", timeout=5)
        leaked = stats(gw)["leaked_bytes"] - before_bytes
        assert leaked == 100 * 256 * 1024
        # Touched memory: RSS grows by (nearly) all of it, not just address space.
        assert proc.memory_info().rss - before_rss > 0.8 * leaked
        assert metric(gw, "perfgate_gateway_leaked_bytes") >= leaked
        freed = requests.post(gw.url + "/admin/leaks/release", timeout=5).json()["freed_bytes"]
        assert freed >= leaked
        assert stats(gw)["leaked_bytes"] < 256 * 1024 * 2


def test_leak_per_minute_grows_resident_memory() -> None:
    # 1200 MB/min = 20 MB/s: a few megabytes show within a fraction of a second.
    with running("--admin", "--leak-mb-per-min", "1200") as gw:
        proc = psutil.Process(gw.proc.pid)
        start_rss = proc.memory_info().rss
        wait_for(lambda: stats(gw)["leaked_bytes"] >= 8 * 1024 * 1024)
        assert proc.memory_info().rss - start_rss >= 6 * 1024 * 1024
        requests.post(gw.url + "/admin/config", json={"leak_mb_per_min": 0}, timeout=5)
        stopped = stats(gw)["leaked_bytes"]
        assert wait_for(lambda: stats(gw)["leaked_bytes"] == stopped, timeout=2)


def test_stalls_block_the_whole_process() -> None:
    with running("--admin", "--stall-every", "0.4", "--stall-for", "0.25") as gw:
        seen = wait_for(lambda: (s := stats(gw))["stalls"] >= 2 and s)
        # time.sleep() in the loop blocks at least the asked length each time.
        assert seen["stalled_s"] >= 0.25 * seen["stalls"]
        assert metric(gw, "perfgate_gateway_stalls_total") >= 2
        requests.post(gw.url + "/admin/config", json={"stall_every": 0, "stall_for": 0}, timeout=5)
        after = stats(gw)["stalls"]
        assert wait_for(lambda: stats(gw)["stalls"] == after, timeout=1)


def _get_on(conn: http.client.HTTPConnection, path: str) -> tuple[int, str | None]:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status, response.getheader("Connection")


def test_max_connections_refuses_the_extra_connection() -> None:
    with running("--admin", "--max-connections", "2") as gw:
        first = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=5)
        second = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=5)
        third = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=5)
        try:
            assert _get_on(first, "/health")[0] == 200
            assert _get_on(second, "/health")[0] == 200
            status, connection = _get_on(third, "/health")
            assert status == 503 and connection == "close"
            # Admitted connections keep working (keep-alive).
            assert _get_on(first, "/api/echo")[0] == 200
            first.close()
            # Once one closes, a new connection gets its slot.
            wait_for(lambda: _get_on(third, "/health")[0] == 200)
            assert stats_over(second)["rejected_connections"] >= 1
        finally:
            for conn in (first, second, third):
                conn.close()


def stats_over(conn: http.client.HTTPConnection) -> dict[str, Any]:
    conn.request("GET", "/admin/stats")
    return json.loads(conn.getresponse().read())


def test_admin_is_off_unless_enabled() -> None:
    with running() as gw:
        for path in ("/admin/config", "/admin/stats"):
            assert requests.get(gw.url + path, timeout=5).status_code == 404
        assert requests.post(gw.url + "/admin/config", json={}, timeout=5).status_code == 404


def test_admin_config_reads_and_rejects_bad_changes() -> None:
    with running("--admin", "--token", "t", "--max-store-items", "10") as gw:
        auth = {"Authorization": "Bearer t"}
        config = requests.get(gw.url + "/admin/config", headers=auth, timeout=5).json()
        assert config["token"] == "set" and config["max_store_items"] == 10
        for body, words in [
            ({"port": 1}, "cannot be changed at run time"),
            ({"drop_events": -1}, "--drop-events -1.0 must be between 0 and 1"),
            ({"stall_every": 1}, "--stall-every and --stall-for"),
            ([1], "JSON object"),
        ]:
            r = requests.post(gw.url + "/admin/config", json=body, headers=auth, timeout=5)
            assert r.status_code == 400, body
            assert words in r.json()["error"]["message"]
        r = requests.post(gw.url + "/admin/config", data=b"{", headers=auth, timeout=5)
        assert r.status_code == 400
        # Shrinking the store evicts at once.
        for i in range(10):
            requests.post(gw.url + "/api/missions", json={"n": i}, headers=auth, timeout=5)
        r = requests.post(
            gw.url + "/admin/config", json={"max_store_items": 4}, headers=auth, timeout=5
        )
        assert r.json()["max_store_items"] == 4
        s = requests.get(gw.url + "/admin/stats", headers=auth, timeout=5).json()
        assert s["missions"]["items"] == 4 and s["missions"]["evictions"] == 6
        # And a byte bound: 4 missions of ~2 KB do not fit in 3000 bytes.
        big = {"pad": "p" * 2000}
        for _ in range(4):
            requests.post(gw.url + "/api/missions", json=big, headers=auth, timeout=5)
        requests.post(
            gw.url + "/admin/config", json={"max_store_bytes": 3000}, headers=auth, timeout=5
        )
        s = requests.get(gw.url + "/admin/stats", headers=auth, timeout=5).json()
        assert s["missions"]["items"] == 1 and s["missions"]["bytes"] <= 3000
