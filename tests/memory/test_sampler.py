"""The sampler on a real process tree that allocates memory."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from perfgate.memory.monitor import MemoryMonitor, monitor_for
from perfgate.memory.sample import MemorySample
from perfgate.memory.sources import ProcessTreeSource
from perfgate.memory.targets import resolve_source

ALLOCATOR = Path(__file__).with_name("allocator.py")


class Allocator:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ALLOCATOR)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.read() == "ready"

    def read(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        assert self.read() == "ok"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self) -> None:
        try:
            for child in psutil.Process(self.pid).children(recursive=True):
                child.kill()
        except psutil.NoSuchProcess:
            pass
        self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def allocator() -> Iterator[Allocator]:
    proc = Allocator()
    try:
        yield proc
    finally:
        proc.kill()


def wait_for(condition, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def memory_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("perfgate-memory")]


def test_sampler_sees_allocation_in_the_process_tree(allocator):
    monitor = MemoryMonitor(ProcessTreeSource(allocator.pid), interval_s=0.05, alias="alloc")
    monitor.start()
    try:
        wait_for(lambda: monitor.series.count >= 3)
        allocator.send("alloc 40")
        allocator.send("spawn 30")  # a grandchild with 30 MB more
        wait_for(lambda: monitor.series.last.processes == 2)
        count = monitor.series.count
        wait_for(lambda: monitor.series.count >= count + 3)
    finally:
        result = monitor.stop()
    assert not memory_threads()
    assert result.samples >= 6
    assert result.peak_mb - result.initial_mb >= 65
    assert result.final_uss_mb - result.initial_uss_mb >= 65
    assert result.processes_max == 2
    assert result.open_files_max is not None and result.open_files_max >= 3
    assert result.threads_max is not None and result.threads_max >= 2
    assert result.sampling_ms_mean > 0
    assert result.started_at.endswith("+00:00")
    times = [p.mono_ns for p in result.points]
    assert times == sorted(times)
    # Mapping growth was captured: the 40 MB is anonymous or heap memory.
    grew = {g.name: g.growth for g in result.mapping_growth}
    assert grew["anonymous"] + grew["heap"] >= 60 * 1024 * 1024


def test_sampler_notes_when_the_target_exits(allocator):
    monitor = MemoryMonitor(ProcessTreeSource(allocator.pid), interval_s=0.05)
    monitor.start()
    try:
        wait_for(lambda: monitor.series.count >= 2)
        allocator.kill()
        wait_for(lambda: not monitor.running)
    finally:
        result = monitor.stop()
    assert any("went away" in note for note in result.notes)


def test_uss_falls_back_to_rss_where_not_permitted(allocator, monkeypatch):
    def denied(self):
        raise psutil.AccessDenied(self.pid)

    monkeypatch.setattr(psutil.Process, "memory_full_info", denied)
    source = ProcessTreeSource(allocator.pid)
    sample = source.sample()
    assert sample.uss == sample.rss
    assert any("USS" in note and "not permitted" in note for note in source.notes)


def test_blocking_monitor_returns_after_the_duration(allocator):
    monitor = MemoryMonitor(ProcessTreeSource(allocator.pid), interval_s=0.05)
    result = monitor_for(monitor, 0.5)
    assert result.samples >= 3
    assert result.duration_s >= 0.4
    assert not memory_threads()


def test_blocking_monitor_stops_its_thread_on_a_timeout(allocator):
    class Timeout(BaseException):
        pass

    calls = []

    def sleep(seconds: float) -> None:
        calls.append(seconds)
        if len(calls) == 3:
            raise Timeout()
        time.sleep(seconds)

    monitor = MemoryMonitor(ProcessTreeSource(allocator.pid), interval_s=0.05)
    with pytest.raises(Timeout):
        monitor_for(monitor, 3600, sleep=sleep)
    assert not monitor.running
    assert not memory_threads()


def test_bad_targets_fail_with_a_clear_message():
    with pytest.raises(ValueError, match="No process with PID"):
        resolve_source(2**22 + 12345)
    with pytest.raises(ValueError, match="not a PID or URL"):
        resolve_source("no-such-alias")
    with pytest.raises(ValueError, match="interval"):
        MemoryMonitor(ProcessTreeSource(psutil.Process().pid), interval_s=0)


def test_gateway_objects_and_aliases_resolve(allocator):
    class Gw:
        alias, pid, url = "gw", allocator.pid, "http://127.0.0.1:1"

    source = resolve_source("gw", lambda alias: Gw())
    assert isinstance(source, ProcessTreeSource) and source.pid == allocator.pid
    assert "gateway 'gw'" in source.description
    assert resolve_source(str(allocator.pid)).pid == allocator.pid  # type: ignore[attr-defined]


def test_a_monitor_cannot_be_stopped_twice(allocator):
    monitor = MemoryMonitor(ProcessTreeSource(allocator.pid), interval_s=0.05)
    monitor.start()
    monitor.stop()
    with pytest.raises(RuntimeError, match="already stopped"):
        monitor.stop()


class SlowSource:
    """Readings that take 30 ms, with RSS rising 1 MB each."""

    kind = "fake"
    description = "a slow fake"

    def __init__(self) -> None:
        self.notes: list[str] = []
        self.rss = 100 << 20

    def sample(self) -> MemorySample:
        time.sleep(0.03)
        self.rss += 1 << 20
        return MemorySample(time.monotonic_ns(), time.time(), self.rss, self.rss)

    def mappings(self) -> None:
        return None


def test_slow_readings_skip_slots_and_leave_a_note():
    monitor = MemoryMonitor(SlowSource(), interval_s=0.02)
    result = monitor_for(monitor, 0.5)
    assert result.samples >= 3
    assert any("skipped" in note for note in result.notes)
    assert any("use a longer interval" in note for note in result.notes)
    assert result.sampling_ms_mean >= 30
