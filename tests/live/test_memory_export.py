"""A memory monitor exported to a real Prometheus while it runs: every reading at its own
time, the leak verdict and rate at the stop, the run's labels; an unreachable or silent
Prometheus costs one warning and never slows the sampling."""

from __future__ import annotations

import math
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from prometheus import free_port

from perfgate.live.memoryseries import VERDICT_NUMBERS, MemoryExport
from perfgate.live.settings import LibraryExport, LiveSettings
from perfgate.memory.monitor import MemoryMonitor, monitor_for
from perfgate.memory.monitors import MonitorRegistry
from perfgate.memory.result import MemoryResult
from perfgate.memory.sources import ProcessTreeSource


@dataclass
class Log:
    warnings: list[str]
    infos: list[str]


def _monitor(pid: int, write_url: str, run: str, interval_s: float = 0.2):
    log = Log([], [])
    labels = {"run": run, "test": "Memory export", "gateway": "gw", "pabot": "2"}
    settings = LiveSettings(write_url, labels, None, log.warnings.append, log.infos.append)
    live = MemoryExport(settings, "edge")
    return MemoryMonitor(ProcessTreeSource(pid), interval_s, alias="edge", live=live), log


def _run(monitor: MemoryMonitor, duration_s: float) -> MemoryResult:
    return monitor_for(monitor, duration_s)


def test_every_reading_arrives_at_its_own_time(shared_gateway, prometheus):
    run = uuid.uuid4().hex[:10]
    monitor, log = _monitor(shared_gateway.proc.pid, prometheus.write_url, run)
    result = _run(monitor, 1.5)
    assert log.warnings == [] and "not delivered" not in log.infos[0], log.infos
    rows = prometheus.query(f'perfgate_memory_rss_bytes{{run="{run}"}}[1m]')
    (series,) = rows
    assert series["metric"]["monitor"] == "edge" and series["metric"]["gateway"] == "gw"
    assert series["metric"]["test"] == "Memory export" and series["metric"]["pabot"] == "2"
    stamps = [round(float(t), 3) for t, _ in series["values"]]
    assert stamps == [round(p.wall, 3) for p in result.points]
    assert [float(v) for _, v in series["values"]] == [p.rss for p in result.points]
    assert len(stamps) == result.samples >= 7
    uss = prometheus.query(f'perfgate_memory_uss_bytes{{run="{run}"}}[1m]')[0]["values"]
    assert float(uss[-1][1]) == result.final_uss_mb * 1024 * 1024


def test_the_verdict_and_rate_arrive_at_the_stop(shared_gateway, prometheus):
    run = uuid.uuid4().hex[:10]
    monitor, _ = _monitor(shared_gateway.proc.pid, prometheus.write_url, run)
    result = _run(monitor, 1.0)
    sel = f'{{run="{run}",monitor="edge"}}'
    assert prometheus.value(f"perfgate_memory_leak_verdict{sel}") == VERDICT_NUMBERS[result.verdict]
    assert prometheus.value(f"perfgate_memory_leak_max_rate_mb_per_hour{sel}") == 5.0
    rate = prometheus.query(f"perfgate_memory_leak_rate_mb_per_hour{sel}")
    finite = math.isfinite(result.leak_rate_mb_per_hour)  # no rate from too short a run
    assert [float(r["value"][1]) for r in rate] == (
        [result.leak_rate_mb_per_hour] if finite else []
    )


def test_the_registry_labels_the_monitor_with_its_gateways_alias(shared_gateway, prometheus):
    @dataclass
    class Gw:  # what GatewayLibrary hands over: an alias, a PID, a URL
        alias: str
        pid: int
        url: str

    alias = f"edge-{uuid.uuid4().hex[:6]}"
    registry = MonitorRegistry(live=LibraryExport(prometheus.url))
    monitor = registry.start(
        registry.create(Gw(alias, shared_gateway.proc.pid, shared_gateway.url), 0.2)
    )
    time.sleep(0.5)
    result = registry.stop(monitor)
    count = prometheus.value(f'count_over_time(perfgate_memory_rss_bytes{{gateway="{alias}"}}[1m])')
    assert count == result.samples


def test_an_unreachable_prometheus_warns_once_and_the_monitor_goes_on(shared_gateway):
    url = f"http://127.0.0.1:{free_port()}/api/v1/write"
    monitor, log = _monitor(shared_gateway.proc.pid, url, "unreachable", interval_s=0.1)
    result = _run(monitor, 1.0)
    assert result.samples >= 8
    assert len(log.warnings) == 1, log.warnings
    assert "did not take its samples" in log.warnings[0]
    # Five series a reading (RSS, USS, open files, threads, processes), then the verdict's.
    undelivered = int(log.warnings[0].split("; ")[-1].split()[0].replace(",", ""))
    assert undelivered >= 5 * result.samples + 2
    assert "0 samples delivered" in log.infos[0]


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A server that takes connections and never answers: every POST hangs 5 s."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/api/v1/write"


def test_a_silent_prometheus_never_slows_the_sampling(shared_gateway, silent_url):
    """Posting in the sampler's thread would take one reading per 5 s."""
    monitor, log = _monitor(shared_gateway.proc.pid, silent_url, "silent", interval_s=0.1)
    result = _run(monitor, 1.5)
    assert result.samples >= 10  # 16 on an idle machine
    assert len(log.warnings) == 1 and "did not answer within 5 s" in log.warnings[0]
