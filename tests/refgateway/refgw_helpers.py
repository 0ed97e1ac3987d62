"""Run real reference-gateway processes on free 127.0.0.1 ports, and clean up."""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

START_LINE = re.compile(
    r"^perfgate-gateway listening on http://127\.0\.0\.1:(?P<port>\d+) "
    r"pid=(?P<pid>\d+) workers=(?P<workers>\d+)"
)


@dataclass
class Gateway:
    proc: subprocess.Popen[str]
    port: int
    line: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM and wait; return the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)


def read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if ready:
            return proc.stdout.readline()
        if proc.poll() is not None:
            break
    return ""


def launch(*args: str, timeout: float = 15.0) -> Gateway:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfgate.refgateway", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = read_line(proc, timeout)
    match = START_LINE.match(line)
    if not match:
        _kill(proc)
        err = proc.stderr.read() if proc.stderr else ""
        raise AssertionError(f"no start line; got {line!r}, stderr {err!r}")
    return Gateway(proc, int(match["port"]), line.strip())


def _kill(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()


def kill_tree(gw: Gateway) -> None:
    # Workers die with the master (PR_SET_PDEATHSIG), but kill them
    # explicitly too so a failed test never leaves one behind.
    try:
        import psutil

        children = psutil.Process(gw.proc.pid).children(recursive=True)
    except Exception:
        children = []
    _kill(gw.proc)
    for child in children:
        with contextlib.suppress(Exception):
            child.kill()


@contextlib.contextmanager
def running(*args: str) -> Iterator[Gateway]:
    gw = launch(*args)
    try:
        yield gw
    finally:
        kill_tree(gw)


def wait_for(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll `check` until it returns something truthy; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s; last value {value!r}")
        time.sleep(interval)
