"""Start line, /health, /api/echo, bad options and SIGTERM shutdown."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

import requests
from refgw_helpers import Gateway, wait_for


def test_start_line_reports_the_real_port_and_pid(start_gateway) -> None:
    gw = start_gateway()
    assert gw.port > 0
    assert f"pid={gw.proc.pid} workers=1" in gw.line
    assert "auth=off admin=off" in gw.line
    body = requests.get(gw.url + "/health", timeout=5).json()
    assert body["status"] == "ok"
    assert body["pid"] == gw.proc.pid
    assert body["uptime_s"] >= 0
    assert body["version"]


def test_start_line_shows_changed_options_but_never_the_token(start_gateway) -> None:
    gw = start_gateway("--token", "s3cret", "--error-rate", "0.25")
    assert "auth=on" in gw.line
    assert "error_rate=0.25" in gw.line
    assert "s3cret" not in gw.line


def test_echo_sizes_and_bodies(shared_gateway: Gateway) -> None:
    url = shared_gateway.url + "/api/echo"
    for size in (0, 1, 100, 4096, 1_000_000):
        r = requests.get(url, params={"size": size}, timeout=10)
        assert r.status_code == 200
        assert len(r.content) == size
    r = requests.post(url, data=b"hello gateway", timeout=5)
    assert r.content == b"hello gateway"
    r = requests.post(url, params={"size": 10}, data=b"x" * 1000, timeout=5)
    assert len(r.content) == 10
    described = requests.get(url, params={"a": "1"}, timeout=5).json()
    assert described == {"method": "GET", "query": {"a": "1"}, "body_bytes": 0}


def test_echo_rejects_bad_sizes_with_json_errors(shared_gateway: Gateway) -> None:
    url = shared_gateway.url + "/api/echo"
    for bad in ("-1", "abc", str(16 * 1024 * 1024 + 1)):
        r = requests.get(url, params={"size": bad}, timeout=5)
        assert r.status_code == 400
        assert "size" in r.json()["error"]["message"]


def test_request_body_over_limit_is_413(start_gateway) -> None:
    gw = start_gateway("--max-body-bytes", "1000")
    ok = requests.post(gw.url + "/api/echo", data=b"a" * 1000, timeout=5)
    assert ok.status_code == 200
    r = requests.post(gw.url + "/api/echo", data=b"a" * 1001, timeout=5)
    assert r.status_code == 413
    assert r.json()["error"]["status"] == 413

    # Without Content-Length (chunked) the limit holds while reading.
    def chunks():
        for _ in range(11):
            yield b"b" * 100

    r = requests.post(gw.url + "/api/echo", data=chunks(), timeout=5)
    assert r.status_code == 413


def test_unknown_route_is_json_404_and_wrong_method_405(shared_gateway: Gateway) -> None:
    r = requests.get(shared_gateway.url + "/no/such/route", timeout=5)
    assert r.status_code == 404
    assert r.json() == {"error": {"status": 404, "message": "Not Found"}}
    r = requests.delete(shared_gateway.url + "/api/echo", timeout=5)
    assert r.status_code == 405
    assert "GET" in r.headers["Allow"]


def _run_main(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "perfgate.refgateway", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_port_in_use_exits_non_zero_with_one_sentence() -> None:
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        done = _run_main("--port", str(port))
    finally:
        holder.close()
    assert done.returncode != 0
    assert done.stdout == ""
    assert done.stderr.strip() == (
        f"perfgate-gateway: port {port} on 127.0.0.1 is already in use; "
        "choose another --port or 0 for a free one."
    )


def test_bad_options_exit_non_zero_with_one_line() -> None:
    for args, words in [
        # Every rule is unit-tested in-process; these check the process's behaviour.
        (["--error-rate", "-0.5"], "--error-rate"),
        (["--port", "abc"], "--port"),
    ]:
        done = _run_main("--port", "0", *args) if "--port" not in args else _run_main(*args)
        assert done.returncode == 2, args
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert words in lines[0]
        assert done.stdout == ""


def test_sigterm_exits_zero(start_gateway) -> None:
    gw = start_gateway()
    assert requests.get(gw.url + "/health", timeout=5).ok
    assert gw.stop() == 0


def in_flight(gw: Gateway) -> float:
    text = requests.get(gw.url + "/metrics", timeout=5).text
    return float(text.split("\nperfgate_gateway_requests_in_flight ")[1].split()[0])


def test_sigterm_lets_in_flight_requests_finish(start_gateway) -> None:
    gw = start_gateway("--slow-ms", "400")
    results: list[requests.Response] = []
    worker = threading.Thread(
        target=lambda: results.append(
            requests.get(gw.url + "/api/echo", params={"backend": "slow", "size": 5}, timeout=10)
        )
    )
    worker.start()
    # Wait until the request is inside the gateway, then ask it to stop.
    wait_for(lambda: in_flight(gw) >= 2)  # the slow request and this scrape
    assert gw.stop() == 0
    worker.join(10)
    assert results and results[0].status_code == 200
    assert results[0].content == b"perfg"


def test_shutdown_timeout_bounds_the_wait_for_in_flight_requests(start_gateway) -> None:
    gw = start_gateway("--slow-ms", "60000", "--shutdown-timeout", "0.3")
    outcome: list[object] = []

    def slow_request() -> None:
        try:
            outcome.append(
                requests.get(gw.url + "/api/echo", params={"backend": "slow"}, timeout=30)
            )
        except requests.RequestException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=slow_request)
    worker.start()
    wait_for(lambda: in_flight(gw) >= 2)
    # The request would take a minute; the gateway gives it 0.3 s and exits.
    assert gw.stop(timeout=20) == 0
    worker.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], requests.RequestException)


def test_perfgate_gateway_subcommand_reaches_main(capsys) -> None:
    from perfgate.cli import main as perfgate_main

    assert perfgate_main(["gateway", "--error-rate", "7"]) == 2
    assert "--error-rate 7.0 must be between 0 and 1." in capsys.readouterr().err
