"""The Prometheus source against a tiny local /metrics server and the reference gateway."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psutil
import pytest

from perfgate.memory.display import BYTES_PER_MB
from perfgate.memory.monitor import MemoryMonitor
from perfgate.memory.sources import (
    PrometheusSource,
    SampleFailed,
    collector_in_metrics,
    parse_metrics,
)
from perfgate.memory.targets import metrics_url, resolve_source

PAGE = """# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes {rss}
# HELP process_open_fds Number of open file descriptors.
# TYPE process_open_fds gauge
process_open_fds 17.0
"""


class MetricsServer:
    """Serves /metrics with an RSS that grows 1 MB per request; status is settable."""

    def __init__(self) -> None:
        self.requests = 0
        self.status = 200
        self.body: str | None = None
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests += 1
                rss = (100 + owner.requests) * BYTES_PER_MB
                body = (owner.body or PAGE.format(rss=repr(float(rss)))).encode()
                self.send_response(owner.status)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[MetricsServer]:
    srv = MetricsServer()
    try:
        yield srv
    finally:
        srv.close()


def test_parse_metrics_sums_labelled_series_and_reads_fds():
    text = (
        "# TYPE process_resident_memory_bytes gauge\n"
        'process_resident_memory_bytes{worker="0"} 1048576\n'
        'process_resident_memory_bytes{worker="1"} 2097152\n'
    )
    assert parse_metrics(text) == (3 * 1048576, None)
    assert parse_metrics(PAGE.format(rss="5e6")) == (5_000_000, 17)


def test_parse_metrics_without_rss_says_what_to_do():
    with pytest.raises(ValueError, match="no process_resident_memory_bytes"):
        parse_metrics("# TYPE other gauge\nother 1\n")


def test_the_metrics_of_a_collected_runtime_name_it():
    page = "process_resident_memory_bytes 1e8\n"
    assert collector_in_metrics(page) is None
    assert collector_in_metrics(page + "nodejs_heap_size_used_bytes 4e7\n") == "Node.js"
    assert collector_in_metrics('jvm_memory_bytes_used{area="heap"} 1\n' + page) == "the JVM"
    assert collector_in_metrics(page + "python_gc_collections_total 3\n") is None


def test_metrics_url_adds_the_path_only_when_missing():
    assert metrics_url("http://h:1") == "http://h:1/metrics"
    assert metrics_url("http://h:1/") == "http://h:1/metrics"
    assert metrics_url("http://h:1/custom") == "http://h:1/custom"


def test_prometheus_source_reads_the_local_server(server):
    source = resolve_source(server.url)
    assert isinstance(source, PrometheusSource)
    first, second = source.sample(), source.sample()
    assert second.rss - first.rss == BYTES_PER_MB
    assert first.open_files == 17 and first.uss is None


def test_monitor_over_metrics_survives_a_failing_endpoint(server):
    monitor = MemoryMonitor(PrometheusSource(metrics_url(server.url)), interval_s=0.05)
    monitor.start()
    try:
        deadline = time.monotonic() + 10
        while monitor.series.count < 3:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        server.status = 500
        failing_since = server.requests
        while server.requests < failing_since + 3:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        server.status = 200
    finally:
        result = monitor.stop()
    assert result.samples >= 4
    assert result.peak_mb > result.initial_mb
    assert result.final_uss_mb is None
    assert any("did not answer" in note for note in result.notes)
    assert any("USS" in note for note in result.notes)


def test_unreachable_or_wrong_endpoint_fails_at_start(server):
    server.body = "# TYPE other gauge\nother 1\n"
    with pytest.raises(ValueError, match="process_resident_memory_bytes"):
        MemoryMonitor(PrometheusSource(metrics_url(server.url))).start()
    server.status = 404
    with pytest.raises(ValueError, match="did not answer"):
        MemoryMonitor(PrometheusSource(metrics_url(server.url))).start()
    with pytest.raises(SampleFailed):
        PrometheusSource("http://127.0.0.1:9/metrics", timeout_s=1).sample()


def test_reference_gateway_metrics_match_its_process_rss():
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfgate.refgateway", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+) pid=(\d+)", line)
        assert match, f"unexpected start line: {line!r}"
        url, pid = match.group(1), int(match.group(2))
        metrics = resolve_source(url).sample()
        local = psutil.Process(pid).memory_info().rss
        assert abs(metrics.rss - local) < 10 * BYTES_PER_MB
        assert metrics.open_files is not None and metrics.open_files > 0
    finally:
        proc.kill()
        proc.wait(timeout=10)
