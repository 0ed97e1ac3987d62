"""--workers sharing one port, worker lifetime, and GET /metrics."""

from __future__ import annotations

import os
import re
import signal
from concurrent.futures import ThreadPoolExecutor

import psutil
import requests
from refgw_helpers import running, wait_for


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _health_pid(url: str) -> int:
    # A new connection per call, so the kernel hands each to any worker.
    with requests.Session() as session:
        return int(session.get(url + "/health", timeout=5).json()["pid"])


def test_two_workers_share_one_port_and_stop_on_sigterm() -> None:
    with running("--workers", "2") as gw:
        assert "workers=2" in gw.line
        children = wait_for(lambda: len(c := psutil.Process(gw.proc.pid).children()) == 2 and c)
        child_pids = {c.pid for c in children}
        seen: set[int] = set()
        with ThreadPoolExecutor(8) as pool:
            for _ in range(50):
                seen.update(pool.map(_health_pid, [gw.url] * 16))
                if seen == child_pids:
                    break
        assert seen == child_pids
        assert gw.stop() == 0
        assert all(_gone(pid) for pid in child_pids)


def test_workers_die_with_a_killed_master() -> None:
    with running("--workers", "2") as gw:
        children = wait_for(lambda: len(c := psutil.Process(gw.proc.pid).children()) == 2 and c)
        os.kill(gw.proc.pid, signal.SIGKILL)
        gw.proc.wait(timeout=10)
        wait_for(lambda: all(_gone(c.pid) for c in children))


def test_a_dead_worker_stops_the_gateway_with_an_error() -> None:
    with running("--workers", "2") as gw:
        children = wait_for(lambda: len(c := psutil.Process(gw.proc.pid).children()) == 2 and c)
        children[0].kill()
        assert gw.proc.wait(timeout=15) == 1
        assert gw.proc.stderr is not None
        assert "exited with -9; stopping the others." in gw.proc.stderr.read()
        wait_for(lambda: _gone(children[1].pid))


def test_metrics_count_requests_by_route_and_status() -> None:
    with running() as gw:
        with requests.Session() as s:
            for _ in range(7):
                s.get(gw.url + "/api/echo", params={"size": 10}, timeout=5)
            for _ in range(3):
                s.get(gw.url + "/api/specs/999", timeout=5)
            s.get(gw.url + "/no/such/thing", timeout=5)
            s.get(gw.url + "/no/other/thing", timeout=5)
            text = s.get(gw.url + "/metrics", timeout=5).text
        samples = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                samples[name] = float(value)
        requests_total = "perfgate_gateway_requests_total"
        assert samples[f'{requests_total}{{method="GET",route="/api/echo",status="200"}}'] == 7
        assert (
            samples[f'{requests_total}{{method="GET",route="/api/specs/{{id}}",status="404"}}'] == 3
        )
        assert samples[f'{requests_total}{{method="GET",route="unmatched",status="404"}}'] == 2
        duration = "perfgate_gateway_request_duration_seconds"
        assert samples[f'{duration}_count{{route="/api/echo"}}'] == 7
        assert samples[f'{duration}_bucket{{le="+Inf",route="/api/echo"}}'] == 7
        assert samples["process_resident_memory_bytes"] > 10_000_000
        assert samples["perfgate_gateway_open_connections"] >= 1
        assert samples["perfgate_gateway_websockets"] == 0
        assert re.search(r"^# TYPE perfgate_gateway_requests_total counter$", text, re.M)
