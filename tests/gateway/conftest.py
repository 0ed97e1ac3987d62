from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from perfgate.procs.reaper_client import ReaperClient

FAKE_GATEWAY = str(Path(__file__).resolve().parents[2] / "atest" / "fixtures" / "fake_gateway.py")


def fake_command(*options: str) -> list[str]:
    return [sys.executable, FAKE_GATEWAY, "--port", "{port}", *options]


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    directory = str(tmp_path / "registry")
    monkeypatch.setenv("PERFGATE_STATE_DIR", directory)
    return directory


@pytest.fixture
def reaper(state_dir: str) -> Iterator[ReaperClient]:
    client = ReaperClient(state_dir=state_dir)
    try:
        yield client
    finally:
        client.close()


def wait_all_gone(pids: list[int], timeout: float = 10.0) -> list[int]:
    """PIDs still alive (not zombies) after `timeout`; [] is what tests want."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [pid for pid in pids if _alive(pid)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def tagged_processes(tag_prefix: str) -> list[int]:
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("PERFGATE_SPAWN", "").startswith(tag_prefix):
                found.append(proc.pid)
        except psutil.Error:
            continue
    return found


def pid_exists(pid: int) -> bool:
    return _alive(pid)


os.environ.setdefault("PYTHONUNBUFFERED", "1")


def dead_reaper_tag(state_dir: str, n: int = 1) -> str:
    """A spawn tag of `state_dir` naming a reaper that cannot exist (PID above pid_max)."""
    from perfgate.procs import statedir

    return f"{statedir.state_id(state_dir)}.999999999.1.{n}"


def run_cleanup(state_dir: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`perfgate cleanup --state-dir <state_dir>` as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "perfgate.cli", "cleanup", "--state-dir", state_dir],
        capture_output=True,
        text=True,
        timeout=60,
        check=check,
    )
