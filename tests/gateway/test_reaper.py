"""The reaper owns every process PerfGate starts and leaves none behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from perfgate.procs import registry
from perfgate.procs.reaper_client import ReaperClient

from .conftest import FAKE_GATEWAY, dead_reaper_tag, pid_exists, run_cleanup, wait_all_gone

SLEEP = [sys.executable, "-c", "import time; time.sleep(120)"]


def fake(*options: str) -> list[str]:
    from perfgate.gateway.ports import free_port

    return [sys.executable, FAKE_GATEWAY, "--port", str(free_port()), *options]


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def wait_members(reaper: ReaperClient, pid: int, count: int) -> list[int]:
    deadline = time.monotonic() + 10
    while True:
        members = reaper.members(pid)
        if len(members) >= count or time.monotonic() > deadline:
            return members
        time.sleep(0.05)


def test_spawn_poll_and_graceful_stop(reaper: ReaperClient) -> None:
    pid = reaper.spawn(SLEEP)
    assert reaper.poll(pid) == (None, None)
    outcome = reaper.stop(pid, timeout=5)
    assert outcome.how == "terminated"
    assert outcome.returncode == -signal.SIGTERM
    assert not pid_exists(pid)


def test_exit_code_of_a_process_that_ended_by_itself(reaper: ReaperClient) -> None:
    pid = reaper.spawn([sys.executable, "-c", "raise SystemExit(7)"])
    deadline = time.monotonic() + 10
    while reaper.poll(pid)[0] is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert reaper.poll(pid) == (7, None)
    outcome = reaper.stop(pid, timeout=1)
    assert outcome.how == "already exited"
    assert outcome.returncode == 7


def test_process_ignoring_sigterm_is_killed(reaper: ReaperClient) -> None:
    pid = reaper.spawn(fake("--ignore-term"))
    wait_members(reaper, pid, 1)
    time.sleep(0.3)  # let it install its handler
    outcome = reaper.stop(pid, timeout=0.5)
    assert outcome.how == "killed"
    assert outcome.returncode == -signal.SIGKILL
    assert wait_all_gone([pid]) == []


def test_forked_and_double_forked_children_are_killed(reaper: ReaperClient) -> None:
    pid = reaper.spawn(fake("--fork", "2", "--double-fork"))
    # Until the daemon dance is over, its intermediate process still counts.
    deadline = time.monotonic() + 10
    while True:
        members = reaper.members(pid)
        escaped = [m for m in members if _pgid(m) not in (pid, None)]
        if (len(members) == 4 and escaped) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(members) == 4, members
    assert escaped, "the double-forked child should have left the process group"
    # The escapee was adopted by its gateway (made its subreaper), not by init.
    assert psutil.Process(escaped[0]).ppid() == pid
    reaper.stop(pid, timeout=5)
    assert wait_all_gone(members) == []


def test_output_goes_to_the_log_file(reaper: ReaperClient, tmp_path: Path) -> None:
    log = tmp_path / "out.log"
    pid = reaper.spawn(
        [sys.executable, "-c", "import sys; print('hello'); print('oops', file=sys.stderr)"],
        log=str(log),
    )
    deadline = time.monotonic() + 10
    while reaper.poll(pid)[0] is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert log.read_text().split() == ["hello", "oops"]


def test_env_and_cwd_reach_the_process(reaper: ReaperClient, tmp_path: Path) -> None:
    log = tmp_path / "out.log"
    code = "import os; print(os.environ['GREETING'], os.getcwd())"
    env = {**os.environ, "GREETING": "hi"}
    pid = reaper.spawn([sys.executable, "-c", code], env=env, cwd=str(tmp_path), log=str(log))
    deadline = time.monotonic() + 10
    while reaper.poll(pid)[0] is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert log.read_text().split() == ["hi", str(tmp_path)]


def test_command_not_found(reaper: ReaperClient) -> None:
    with pytest.raises(FileNotFoundError):
        reaper.spawn(["perfgate-no-such-command"])


def test_memory_limit_kills_the_tree_and_says_why(reaper: ReaperClient) -> None:
    pid = reaper.spawn(fake("--grow-mb-per-s", "200"), memory_limit=80 * 2**20)
    deadline = time.monotonic() + 20
    while reaper.poll(pid)[0] is None and time.monotonic() < deadline:
        time.sleep(0.05)
    returncode, reason = reaper.poll(pid)
    assert returncode == -signal.SIGKILL
    assert reason is not None and "memory limit of 80 MiB" in reason


def test_watched_processes_die_with_the_reaper(reaper: ReaperClient) -> None:
    outsider = subprocess.Popen(SLEEP)
    try:
        reaper.spawn(SLEEP)  # starts the reaper
        reaper.watch(outsider.pid)
        reaper.close()
        outsider.wait(timeout=10)
        assert outsider.returncode == -signal.SIGKILL
    finally:
        outsider.kill()
        outsider.wait()


def test_close_ends_everything(reaper: ReaperClient) -> None:
    pids = [reaper.spawn(fake("--ignore-term", "--fork", "1")) for _ in range(2)]
    members = [m for pid in pids for m in wait_members(reaper, pid, 2)]
    reaper_pid = reaper.pid
    assert reaper_pid is not None
    reaper.close()
    assert wait_all_gone([*members, reaper_pid]) == []


# SIGINT is restored first: a test run started in the background by a shell
# without job control inherits SIGINT ignored, and Ctrl-C would do nothing.
RUNNER = textwrap.dedent(
    """
    import json, os, signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from perfgate.procs.reaper_client import get_reaper
    reaper = get_reaper()
    pid = reaper.spawn({command!r})

    def pgid(p):
        try:
            return os.getpgid(p)
        except OSError:
            return pid

    deadline = time.monotonic() + 10
    while True:  # until the daemon dance is over: the escapee left the group
        members = reaper.members(pid)
        escaped = [m for m in members if pgid(m) != pid]
        if (len(members) >= {count} and escaped) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    print(json.dumps({{"reaper": reaper.pid, "members": members}}), flush=True)
    {then}
    """
)


def run_runner(then: str, state_dir: str) -> tuple[subprocess.Popen[str], list[int]]:
    script = RUNNER.format(
        command=fake("--ignore-term", "--fork", "1", "--double-fork"), count=3, then=then
    )
    env = {**os.environ, "PERFGATE_STATE_DIR": state_dir}
    runner = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env
    )
    assert runner.stdout is not None
    info = json.loads(runner.stdout.readline())
    return runner, [info["reaper"], *info["members"]]


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGINT"])
def test_nothing_survives_when_the_runner_is_signalled(state_dir: str, how: str) -> None:
    runner, pids = run_runner("time.sleep(120)", state_dir)
    try:
        assert len(pids) == 4
        runner.send_signal(getattr(signal, how))
        runner.wait(timeout=30)
        assert wait_all_gone(pids) == []
    finally:
        runner.kill()
        runner.wait()


def test_nothing_survives_when_the_runner_just_exits(state_dir: str) -> None:
    runner, pids = run_runner("import os; os._exit(0)", state_dir)
    runner.wait(timeout=10)
    assert wait_all_gone(pids) == []


def test_nothing_survives_when_the_runners_anchor_dies(state_dir: str) -> None:
    """Under pabot: pabot killed outright takes gateways and the runner with it."""
    anchor = subprocess.Popen(SLEEP)
    script = textwrap.dedent(
        f"""
        import json, time
        from perfgate.procs.reaper_client import ReaperClient
        client = ReaperClient({state_dir!r}, anchors=[{anchor.pid}])
        pid = client.spawn({SLEEP!r})
        print(json.dumps([client.pid, pid]), flush=True)
        time.sleep(120)
        """
    )
    runner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert runner.stdout is not None
        pids = json.loads(runner.stdout.readline())
        anchor.kill()
        anchor.wait()
        assert wait_all_gone(pids) == []
        assert runner.wait(timeout=10) != 0
    finally:
        runner.kill()
        runner.wait()
        anchor.kill()
        anchor.wait()


def test_garbled_request_does_not_break_the_protocol(reaper: ReaperClient) -> None:
    pid = reaper.spawn(SLEEP)
    proc = reaper._proc
    assert proc is not None and proc.stdin is not None
    os.write(proc.stdin.fileno(), b'{"op": "poll", "pi')  # cut off, as by a signal
    reaper._dirty = True
    assert reaper.poll(pid) == (None, None)


def test_registry_lists_processes_and_is_removed_at_the_end(
    reaper: ReaperClient, state_dir: str
) -> None:
    pid = reaper.spawn(SLEEP)
    files = list(Path(state_dir, "registry").glob("*.json"))
    assert len(files) == 1
    content = json.loads(files[0].read_text())
    assert [p["pid"] for p in content["processes"]] == [pid]
    reaper.close()
    assert list(Path(state_dir, "registry").glob("*.json")) == []


def test_cleanup_finds_and_kills_leftovers_of_a_dead_reaper(state_dir: str) -> None:
    # A process tagged by a reaper that no longer exists, as after a crash
    # in which even the reaper was killed.
    env = {**os.environ, "PERFGATE_SPAWN": dead_reaper_tag(state_dir)}
    leftover = subprocess.Popen(SLEEP, env=env)
    try:
        found = registry.find_leftovers(state_dir).leftovers
        assert leftover.pid in [item.pid for item in found]
        killed = registry.clean(state_dir).leftovers
        assert leftover.pid in [item.pid for item in killed]
        assert leftover.wait(timeout=10) == -signal.SIGKILL
    finally:
        leftover.kill()
        leftover.wait()


def test_cleanup_spares_processes_of_live_runs(reaper: ReaperClient, state_dir: str) -> None:
    pid = reaper.spawn(SLEEP)
    assert pid not in [item.pid for item in registry.find_leftovers(state_dir).leftovers]
    registry.clean(state_dir)
    assert pid_exists(pid)


def test_perfgate_cleanup_command(state_dir: str) -> None:
    env = {**os.environ, "PERFGATE_SPAWN": dead_reaper_tag(state_dir)}
    leftover = subprocess.Popen(SLEEP, env=env)
    try:
        out = run_cleanup(state_dir).stdout
        assert f"killed {leftover.pid}" in out
        assert leftover.wait(timeout=10) == -signal.SIGKILL
    finally:
        leftover.kill()
        leftover.wait()
