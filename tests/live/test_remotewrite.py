"""The remote-write client against a real Prometheus: what is sent is what it stores."""

from __future__ import annotations

import time
import uuid

from prometheus import free_port

from perfgate.live.export import Export
from perfgate.live.remotewrite import labels
from perfgate.live.sender import RemoteWriter
from perfgate.live.settings import LiveSettings


def test_samples_arrive_with_their_own_timestamps(prometheus):
    run = uuid.uuid4().hex[:8]
    now_ms = int(time.time() * 1000) - 10_000
    key = labels("perfgate_test_total", [("run", run), ("test", "Ünïcode name"), ("empty", "")])
    writer = RemoteWriter(prometheus.write_url)
    for i in range(5):
        writer.submit({key: [(now_ms + i * 1000, float(i * 10))]})
    totals = writer.close()
    assert (totals.delivered, totals.undelivered, totals.first_error) == (5, 0, "")
    result = prometheus.query_range(
        f'perfgate_test_total{{run="{run}"}}', now_ms / 1000, now_ms / 1000 + 4, 1
    )
    assert len(result) == 1
    assert result[0]["metric"]["test"] == "Ünïcode name" and "empty" not in result[0]["metric"]
    assert [float(v) for _, v in result[0]["values"]] == [0.0, 10.0, 20.0, 30.0, 40.0]
    assert [float(t) for t, _ in result[0]["values"]] == [now_ms / 1000 + i for i in range(5)]


def test_an_unreachable_server_counts_what_was_not_delivered():
    writer = RemoteWriter(f"http://127.0.0.1:{free_port()}/api/v1/write")
    key = labels("perfgate_test_total", [("run", "x")])
    for i in range(3):
        writer.submit({key: [(i * 1000, 1.0)], labels("other", []): [(i * 1000, 2.0)]})
    totals = writer.close()
    assert totals.delivered == 0 and totals.undelivered == 6
    assert totals.first_error == "it could not be reached (connection refused or no route)"


def test_a_full_queue_drops_and_counts_instead_of_waiting():
    writer = RemoteWriter(f"http://127.0.0.1:{free_port()}/api/v1/write", max_pending=1)
    key = labels("perfgate_test_total", [])
    started = time.perf_counter()
    for i in range(200):
        writer.submit({key: [(i, 1.0)]})
    assert time.perf_counter() - started < 0.5  # submit never waits
    totals = writer.close()
    assert totals.undelivered == 200 and totals.delivered == 0


def test_the_messages_never_show_the_urls_password():
    # A Prometheus behind basic auth: the warning and the counts go to log.html.
    url = f"http://perfgate:s3cret-pw@127.0.0.1:{free_port()}/api/v1/write"
    said: list[str] = []
    export = Export(LiveSettings(url, {}, None, said.append, said.append), "test", {}, "Went on")
    export.send(time.time())
    export.close()
    assert len(said) == 2 and "127.0.0.1" in said[0]
    assert not any("s3cret-pw" in line for line in said), said
