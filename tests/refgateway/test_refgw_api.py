"""The resource API, bearer auth, Server-Timing, backends and JSON-RPC over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests
from refgw_helpers import Gateway, running

TOKEN = "test-api-key"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TIMING = re.compile(
    r"^parse;dur=(?P<parse>\d+\.\d{3}), route;dur=(?P<route>\d+\.\d{3}), "
    r"backend;dur=(?P<backend>\d+\.\d{3}), serialize;dur=(?P<serialize>\d+\.\d{3}), "
    r"total;dur=(?P<total>\d+\.\d{3})$"
)


@pytest.fixture(scope="module")
def gw() -> Iterator[Gateway]:
    with running(
        "--token", TOKEN, "--admin", "--backends", "3", "--max-store-items", "5", "--slow-ms", "150"
    ) as gateway:
        yield gateway


def server_timing(response: requests.Response) -> dict[str, float]:
    match = TIMING.match(response.headers["Server-Timing"])
    assert match, response.headers["Server-Timing"]
    return {k: float(v) for k, v in match.groupdict().items()}


def test_missions_create_list_get_and_evict(gw: Gateway) -> None:
    created = []
    for i in range(7):
        r = requests.post(
            gw.url + "/api/missions",
            json={"name": f"Load Test Mission {i}", "prompt": "p", "backend": "mock"},
            headers=AUTH,
            timeout=5,
        )
        assert r.status_code == 201
        body = r.json()
        assert body["name"] == f"Load Test Mission {i}"
        assert r.headers["Location"] == f"/api/missions/{body['id']}"
        created.append(body["id"])
    listed = requests.get(gw.url + "/api/missions", headers=AUTH, timeout=5).json()
    assert isinstance(listed, list)
    # Only the newest five survive --max-store-items 5, newest first.
    assert [m["id"] for m in listed] == created[::-1][:5]
    two = requests.get(gw.url + "/api/missions", params={"limit": 2}, headers=AUTH, timeout=5)
    assert len(two.json()) == 2
    newest = requests.get(f"{gw.url}/api/missions/{created[-1]}", headers=AUTH, timeout=5)
    assert newest.status_code == 200 and newest.json()["id"] == created[-1]
    evicted = requests.get(f"{gw.url}/api/missions/{created[0]}", headers=AUTH, timeout=5)
    assert evicted.status_code == 404
    assert "evicted" in evicted.json()["error"]["message"]
    stats = requests.get(gw.url + "/admin/stats", headers=AUTH, timeout=5).json()
    assert stats["missions"]["items"] == 5 and stats["missions"]["evictions"] == 2


def test_mission_must_be_a_json_object(gw: Gateway) -> None:
    for body in (b"not json", b"[1, 2]"):
        r = requests.post(gw.url + "/api/missions", data=body, headers=AUTH, timeout=5)
        assert r.status_code == 400
        assert r.json()["error"]["status"] == 400


def test_specs_get_and_search(gw: Gateway) -> None:
    for spec_id in ("001", "002", "003", "010", "020", "050", "100"):
        r = requests.get(f"{gw.url}/api/specs/{spec_id}", headers=AUTH, timeout=5)
        assert r.status_code == 200
        assert r.json()["id"] == spec_id
    for missing in ("999", "0", "abc"):
        r = requests.get(f"{gw.url}/api/specs/{missing}", headers=AUTH, timeout=5)
        assert r.status_code == 404
        assert r.json()["error"]["status"] == 404
    for term in ("config", "test", "loop", "backend", "ui"):
        r = requests.get(gw.url + "/api/specs/search", params={"q": term}, headers=AUTH, timeout=5)
        assert r.status_code == 200
        found = r.json()
        assert isinstance(found, list) and found
        assert all(term in (s["name"] + " ".join(s["tags"])).lower() for s in found)
    r = requests.get(gw.url + "/api/specs/search", headers=AUTH, timeout=5)
    assert r.status_code == 400


def test_bearer_auth(gw: Gateway) -> None:
    url = gw.url + "/api/specs/001"
    missing = requests.get(url, timeout=5)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in missing.json()["error"]["message"]
    wrong = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=5)
    assert wrong.status_code == 401
    assert requests.get(url, headers=AUTH, timeout=5).status_code == 200
    assert requests.get(url, params={"token": TOKEN}, timeout=5).status_code == 200
    # Probes stay open so health checks and scrapers need no token.
    assert requests.get(gw.url + "/health", timeout=5).status_code == 200
    assert requests.get(gw.url + "/api/health", timeout=5).json()["status"] == "ok"
    assert requests.get(gw.url + "/metrics", timeout=5).status_code == 200
    assert requests.get(gw.url + "/admin/stats", timeout=5).status_code == 401
    assert requests.post(gw.url + "/rpc", json={}, timeout=5).status_code == 401


def test_server_timing_on_api_responses(gw: Gateway) -> None:
    fast = requests.get(gw.url + "/api/specs/001", headers=AUTH, timeout=5)
    parts = server_timing(fast)
    assert parts["total"] >= parts["parse"] + parts["route"] + parts["backend"] - 0.003
    slow = requests.get(
        gw.url + "/api/specs/001", params={"backend": "slow"}, headers=AUTH, timeout=5
    )
    # The slow backend sleeps --slow-ms (150 ms), so at least that is charged to it.
    assert server_timing(slow)["backend"] >= 150.0
    assert server_timing(slow)["total"] >= 150.0
    error = requests.get(gw.url + "/api/specs/999", headers=AUTH, timeout=5)
    server_timing(error)
    bad = requests.get(gw.url + "/api/echo", params={"backend": "warp"}, headers=AUTH, timeout=5)
    assert bad.status_code == 400 and "warp" in bad.json()["error"]["message"]


def test_route_backend_option_sets_a_routes_profile() -> None:
    with running("--route-backend", "/api/echo=slow", "--slow-ms", "120") as gw:
        r = requests.get(gw.url + "/api/echo", params={"size": 3}, timeout=5)
        assert server_timing(r)["backend"] >= 120.0
        r = requests.get(gw.url + "/api/echo", params={"size": 3, "backend": "none"}, timeout=5)
        assert server_timing(r)["backend"] == 0.0


def rpc(gw: Gateway, method: str, params: dict | None = None, **query: str) -> dict:
    message = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}
    r = requests.post(gw.url + "/rpc", json=message, params=query, headers=AUTH, timeout=5)
    assert r.status_code == 200
    server_timing(r)
    return r.json()


def test_rpc_tools_list_and_routed_calls(gw: Gateway) -> None:
    tools = rpc(gw, "tools/list")["result"]["tools"]
    assert sorted(t["name"] for t in tools) == sorted(
        f"b{i}.{name}" for i in (1, 2, 3) for name in ("echo", "slow", "increment")
    )
    before = requests.get(gw.url + "/admin/stats", headers=AUTH, timeout=5).json()["tool_calls"]
    for backend in ("b3", "b1", "b3"):
        result = rpc(gw, "tools/call", {"name": f"{backend}.echo", "arguments": {"v": backend}})
        assert result["result"]["backend"] == backend
        assert result["result"]["content"][0]["text"] == f'{{"v": "{backend}"}}'
    after = requests.get(gw.url + "/admin/stats", headers=AUTH, timeout=5).json()["tool_calls"]
    assert {k: after[k] - before[k] for k in after} == {"b1": 1, "b2": 0, "b3": 2}
    metrics = requests.get(gw.url + "/metrics", timeout=5).text
    assert f'perfgate_gateway_tool_calls_total{{backend="b3"}} {float(after["b3"])}' in metrics


def test_rpc_slow_tool_and_override(gw: Gateway) -> None:
    message = {"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "b2.slow"}}
    r = requests.post(gw.url + "/rpc", json=message, headers=AUTH, timeout=5)
    assert server_timing(r)["backend"] >= 150.0
    r = requests.post(gw.url + "/rpc", json=message, params={"backend": "none"}, headers=AUTH)
    assert server_timing(r)["backend"] < 150.0


def test_rpc_errors_batches_and_notifications(gw: Gateway) -> None:
    assert rpc(gw, "nope")["error"]["code"] == -32601
    assert rpc(gw, "tools/call", {"name": "b7.echo"})["error"]["code"] == -32602
    r = requests.post(gw.url + "/rpc", data=b"{oops", headers=AUTH, timeout=5)
    assert r.json()["error"]["code"] == -32700
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "ping"},
        {"jsonrpc": "2.0", "method": "ping"},
        {"jsonrpc": "2.0", "id": 2, "method": "initialize"},
    ]
    answers = requests.post(gw.url + "/rpc", json=batch, headers=AUTH, timeout=5).json()
    assert [a["id"] for a in answers] == [1, 2]
    assert answers[1]["result"]["capabilities"]["resources"]["subscribe"] is True
    note = {"jsonrpc": "2.0", "method": "ping"}
    r = requests.post(gw.url + "/rpc", json=note, headers=AUTH, timeout=5)
    assert r.status_code == 202 and r.content == b""


def test_rpc_resources_over_http(gw: Gateway) -> None:
    uris = [r["uri"] for r in rpc(gw, "resources/list")["result"]["resources"]]
    assert uris == [f"gateway://b{i}/counter" for i in (1, 2, 3)]
    start = rpc(gw, "resources/read", {"uri": uris[1]})["result"]["contents"][0]["text"]
    rpc(gw, "tools/call", {"name": "b2.increment"})
    end = rpc(gw, "resources/read", {"uri": uris[1]})["result"]["contents"][0]["text"]
    assert int(end.split(": ")[1].rstrip("}")) == int(start.split(": ")[1].rstrip("}")) + 1
    sub = rpc(gw, "resources/subscribe", {"uri": uris[0]})
    assert sub["error"]["code"] == -32600 and "/ws" in sub["error"]["message"]
    assert rpc(gw, "resources/read", {"uri": "gateway://b9/x"})["error"]["code"] == -32602
