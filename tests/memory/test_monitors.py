"""The monitor registry: unique names, the scope each monitor belongs to, auto-stop; re-judging."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from perfgate.memory.leak import LeakCriteria
from perfgate.memory.monitors import MonitorRegistry
from perfgate.memory.saved import read_saved, rejudge


def sampling_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("perfgate-memory")]


@pytest.fixture
def registry(tmp_path, monkeypatch):
    # Auto-stopped results are saved under the current directory outside Robot.
    monkeypatch.chdir(tmp_path)
    registry = MonitorRegistry(gateway_finder=lambda alias: os.getpid())
    yield registry
    registry.stop_all()


def test_names_are_unique_and_a_running_alias_is_refused(registry):
    first = registry.start(registry.create(os.getpid(), 0.05))
    second = registry.create(os.getpid(), 0.05)
    assert (first.alias, second.alias) == ("memory1", "memory2")
    with pytest.raises(ValueError, match="'memory1' is already running"):
        registry.create(os.getpid(), 0.05, alias="memory1")
    with pytest.raises(ValueError, match="already running"):
        registry.start(first)


def test_stop_by_alias_object_or_last_started(registry):
    a = registry.start(registry.create(os.getpid(), 0.05, alias="a"))
    registry.start(registry.create("any-alias", 0.05, alias="b"))
    assert registry.stop(None).alias == "b"
    assert registry.stop(a).alias == "a"
    with pytest.raises(ValueError, match="No memory monitor is running"):
        registry.stop(None)
    with pytest.raises(ValueError, match="No running memory monitor 'a'; running monitors: none"):
        registry.stop("a")


def test_a_scope_that_ends_stops_and_saves_its_own_monitors(registry, tmp_path):
    registry.enter_suite("s1")
    registry.start(registry.create(os.getpid(), 0.05, alias="suite-wide"))
    registry.enter_test("s1-t1")
    registry.start(registry.create(os.getpid(), 0.05, alias="forgotten"))
    stopped = registry.leave_test()
    assert [s.name for s in stopped] == ["forgotten"]
    assert stopped[0].result is not None and stopped[0].result.json_path
    assert json.loads(Path(stopped[0].result.json_path).read_text())["kind"] == "memory"
    assert sampling_threads() == ["perfgate-memory-suite-wide"]
    assert [s.name for s in registry.leave_suite()] == ["suite-wide"]
    assert not sampling_threads()


def test_rejudge_rewrites_the_saved_file(registry):
    registry.enter_test("t")
    registry.start(registry.create(os.getpid(), 0.05, alias="judged"))
    (stopped,) = registry.leave_test()
    assert stopped.result is not None
    judged = rejudge(stopped.result, max_rate_mb_per_hour=1024.0)
    assert judged.criteria == LeakCriteria(max_rate_mb_per_hour=1024.0)
    assert read_saved(str(judged.json_path)).criteria.max_rate_mb_per_hour == 1024.0
