"""PerfGate kills only what it started and trusts nothing another user could plant.

Each test reproduces a finding of the process-layer review (issue 11). The
other-user cases run a second uid (`nobody`) through `setpriv`, which needs
root, as CI has; they skip elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from perfgate.baseline import fileio
from perfgate.procs import proctree, registry, statedir
from perfgate.procs.reaper_client import ReaperClient, ReaperError

from .conftest import FAKE_GATEWAY, dead_reaper_tag, pid_exists, run_cleanup, wait_all_gone

SLEEP = [sys.executable, "-c", "import time; time.sleep(120)"]
NOBODY = 65534
as_root = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to act as a second user",
)


def fake(*options: str) -> list[str]:
    from perfgate.gateway.ports import free_port

    return [sys.executable, FAKE_GATEWAY, "--port", str(free_port()), *options]


@pytest.fixture
def victim() -> Iterator[subprocess.Popen[bytes]]:
    """An unrelated process of this user that nothing of PerfGate may touch."""
    proc = subprocess.Popen(SLEEP)
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


def as_nobody(command: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
    setpriv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    return subprocess.Popen([*setpriv, *command], **kwargs)  # type: ignore[call-overload]


def wait_for(condition, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# -- the state directory ---------------------------------------------------------


def test_default_state_dir_is_never_in_the_shared_temp_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PERFGATE_STATE_DIR", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert statedir.base_dir() == tmp_path / ".cache" / "perfgate"
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    assert statedir.base_dir() == tmp_path / "run" / "perfgate"


def test_state_and_lock_dirs_are_created_private(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PERFGATE_STATE_DIR", str(tmp_path / "state"))
    with fileio.lock_for(tmp_path / "baseline.json"):
        pass
    registry.write(str(tmp_path / "state"), proctree.Identity(2, 0), {"processes": []})
    for path in (tmp_path / "state", tmp_path / "state" / "locks", tmp_path / "state" / "registry"):
        assert path.stat().st_mode & 0o777 == 0o700, path
    assert (tmp_path / "state" / "registry" / "2.json").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("plant", "says"),
    [
        ("world-writable", "is writable by others (mode 0777)"),
        ("symlink", "is a symbolic link"),
        ("file", "is not a directory"),
    ],
)
def test_a_planted_state_dir_is_refused_with_one_sentence(
    tmp_path: Path, plant: str, says: str
) -> None:
    state = tmp_path / "state"
    if plant == "world-writable":
        state.mkdir()
        state.chmod(0o777)
    elif plant == "symlink":
        (tmp_path / "elsewhere").mkdir(mode=0o700)
        state.symlink_to(tmp_path / "elsewhere")
    else:
        state.write_text("")
    with pytest.raises(statedir.UnsafeStateDirError) as caught:
        statedir.private_dir("registry", base=state)
    message = str(caught.value)
    assert f"'{state}'" in message and says in message
    assert "PERFGATE_STATE_DIR" in message and message.count(". ") == 0


def test_a_planted_lock_dir_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    (tmp_path / "theirs").mkdir(mode=0o777)
    (state / "locks").symlink_to(tmp_path / "theirs")
    monkeypatch.setenv("PERFGATE_STATE_DIR", str(state))
    refused = pytest.raises(statedir.UnsafeStateDirError, match="locks' because it is a symbol")
    with refused, fileio.lock_for(tmp_path / "baseline.json"):
        pass


@as_root
def test_a_state_dir_another_user_created_is_refused_and_nothing_is_killed(
    request: pytest.FixtureRequest, victim: subprocess.Popen[bytes]
) -> None:
    """The attack: another user pre-creates the directory and plants a registry file."""
    sticky = Path(tempfile.mkdtemp(prefix="perfgate-tmp-"))  # a /tmp of its own
    sticky.chmod(0o1777)
    request.addfinalizer(lambda: shutil.rmtree(sticky))
    shared = sticky / f"perfgate-{os.getuid()}"
    plant = textwrap.dedent(
        f"""
        import json, os
        os.makedirs({str(shared / "registry")!r}, mode=0o777)
        os.chmod({str(shared)!r}, 0o777)
        with open({str(shared / "registry" / "999999.json")!r}, "w") as f:
            json.dump({{"version": 2, "reaper": {{"pid": 999999, "start": 1}},
                       "runner": {{"pid": 999998, "start": 1}},
                       "processes": [{{"pid": {victim.pid}, "start": 0}}]}}, f)
        """
    )
    assert as_nobody([sys.executable, "-c", plant]).wait(timeout=30) == 0
    out = run_cleanup(str(shared), check=False)
    assert out.returncode == 2
    assert f"refuses its state directory '{shared}'" in out.stderr
    assert "belongs to uid 65534" in out.stderr
    client = ReaperClient(state_dir=str(shared))
    with pytest.raises(statedir.UnsafeStateDirError):
        client.spawn(SLEEP)
    client.close()
    assert victim.poll() is None


# -- registry files are parsed, never trusted -----------------------------------


def _registry(state: str) -> Path:
    return registry.registry_dir(state)


@pytest.mark.parametrize(
    "content",
    [
        "[]",
        '{"processes": [{"pid": 1}]}',
        "not json",
        '{"version": 2, "reaper": {"pid": "x"}}',
    ],
)
def test_a_malformed_registry_file_is_skipped_with_a_warning(
    state_dir: str, content: str, victim: subprocess.Popen[bytes]
) -> None:
    path = _registry(state_dir) / "424242.json"
    path.write_text(content)
    path.chmod(0o600)
    sweep = registry.clean(state_dir)
    assert sweep.leftovers == []
    assert len(sweep.warnings) == 1 and f"'{path}'" in sweep.warnings[0]
    assert victim.poll() is None
    client = ReaperClient(state_dir=state_dir)  # the first Start Gateway of a run
    try:
        pid = client.spawn(SLEEP)
        assert client.poll(pid) == (None, None)
        assert client.warnings and f"'{path}'" in client.warnings[0]
    finally:
        client.close()


def test_the_old_attack_file_kills_nothing(state_dir: str, victim: subprocess.Popen[bytes]) -> None:
    """What the review planted: a dead reaper owning the victim, by wall-clock create time."""
    create_time = psutil.Process(victim.pid).create_time()
    path = _registry(state_dir) / "999999.json"
    path.write_text(
        json.dumps(
            {
                "reaper": {"pid": 999999, "create_time": 1.0},
                "runner": {"pid": 999998, "create_time": 1.0},
                "tag_prefix": "999999.1000",
                "processes": [{"pid": victim.pid, "create_time": create_time}],
            }
        )
    )
    path.chmod(0o600)
    sweep = registry.clean(state_dir)
    assert sweep.leftovers == [] and len(sweep.warnings) == 1
    time.sleep(0.1)
    assert victim.poll() is None


def test_a_registry_file_others_may_write_is_skipped(
    state_dir: str, victim: subprocess.Popen[bytes]
) -> None:
    identity = proctree.identify(victim.pid)
    assert identity is not None
    content = {
        "version": 2,
        "reaper": {"pid": 999999, "start": 1},
        "runner": {"pid": 999998, "start": 1},
        "tag_prefix": f"{statedir.state_id(state_dir)}.999999.1",
        "processes": [{**identity.to_dict(), "tag": None, "argv": []}],
    }
    path = _registry(state_dir) / "999999.json"
    path.write_text(json.dumps(content))
    path.chmod(0o666)
    sweep = registry.clean(state_dir)
    assert sweep.leftovers == [] and "others may write it" in sweep.warnings[0]
    assert victim.poll() is None
    # The same file, private, is a real leftover of a dead reaper: control.
    path.chmod(0o600)
    assert [item.pid for item in registry.find_leftovers(state_dir).leftovers] == [victim.pid]


# -- identity: PID reuse and clock steps -----------------------------------------


def _take_pid(pid: int) -> subprocess.Popen[bytes] | None:
    """Start a session leader that gets exactly `pid` (root: ns_last_pid), or None."""
    for _ in range(20):
        try:
            Path("/proc/sys/kernel/ns_last_pid").write_text(str(pid - 1))
        except OSError:
            return None
        proc = subprocess.Popen(SLEEP, start_new_session=True)
        if proc.pid == pid:
            return proc
        proc.kill()
        proc.wait()
    return None


@pytest.mark.skipif(os.geteuid() != 0, reason="forcing a PID reuse needs root (ns_last_pid)")
def test_a_reused_pid_of_an_exited_gateway_is_never_signalled(reaper: ReaperClient) -> None:
    pid = reaper.spawn([sys.executable, "-c", "pass"])
    assert wait_for(lambda: reaper.poll(pid)[0] is not None)
    newcomer = _take_pid(pid)
    if newcomer is None:
        pytest.skip("could not make the kernel reuse the PID")
    try:
        outcome = reaper.stop(pid, timeout=1)
        assert outcome.how == "already exited" and outcome.killed == []
        reaper.close()
        time.sleep(0.2)
        assert newcomer.poll() is None, "another session leader with the old PID was killed"
    finally:
        newcomer.kill()
        newcomer.wait()


CLOCK_STEP = """
import threading, time
import psutil, psutil._pslinux as linux

real = linux.boot_time


def step_later():
    time.sleep(0.3)
    linux.boot_time = lambda: real() + 1.0  # NTP stepped the clock by a second
    if hasattr(linux, "BOOT_TIME"):
        linux.BOOT_TIME = real() + 1.0


threading.Thread(target=step_later, daemon=True).start()
"""


def test_a_clock_step_leaves_gateways_alone(
    state_dir: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(CLOCK_STEP)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")]))
    client = ReaperClient(state_dir=state_dir)
    try:
        pid = client.spawn(SLEEP)
        time.sleep(1.5)
        assert client.poll(pid) == (None, None)
        assert pid_exists(pid)
    finally:
        client.close()


# -- the cleanup sweep touches only this user's processes of this state dir -------


def test_the_sweep_spares_tags_of_another_state_dir(state_dir: str, tmp_path: Path) -> None:
    other = str(tmp_path / "other-state")
    theirs = subprocess.Popen(SLEEP, env={**os.environ, "PERFGATE_SPAWN": dead_reaper_tag(other)})
    ours = subprocess.Popen(SLEEP, env={**os.environ, "PERFGATE_SPAWN": dead_reaper_tag(state_dir)})
    try:
        killed = [item.pid for item in registry.clean(state_dir).leftovers]
        assert killed == [ours.pid]
        assert ours.wait(timeout=10) == -signal.SIGKILL
        assert theirs.poll() is None
    finally:
        for proc in (theirs, ours):
            proc.kill()
            proc.wait()


@as_root
def test_the_sweep_spares_another_users_tagged_process(state_dir: str) -> None:
    env = {**os.environ, "PERFGATE_SPAWN": dead_reaper_tag(state_dir)}
    theirs = as_nobody(SLEEP, env=env)
    try:
        assert wait_for(lambda: proctree.tag_of(psutil.Process(theirs.pid)) is not None)
        out = run_cleanup(state_dir).stdout
        assert "killed 0 leftover" in out
        assert theirs.poll() is None
    finally:
        theirs.kill()
        theirs.wait()


# -- when the watchdog itself dies ----------------------------------------------


def test_gateways_die_with_a_killed_reaper_and_the_next_request_says_so(
    reaper: ReaperClient,
) -> None:
    plain = reaper.spawn(fake("--fork", "1"))
    escaping = reaper.spawn(fake("--double-fork"))
    scrubbed = reaper.spawn(fake("--double-fork", "--scrub-env"))
    assert wait_for(lambda: len(reaper.members(escaping)) == 2)
    assert wait_for(lambda: len(reaper.members(scrubbed)) == 2)
    time.sleep(0.5)  # one tracking round: the reaper's registry now names the daemons
    pids = [*reaper.members(plain), *reaper.members(escaping), *reaper.members(scrubbed)]
    assert reaper.pid is not None
    started = time.monotonic()
    os.kill(reaper.pid, signal.SIGKILL)
    assert wait_all_gone(pids, timeout=2.0) == [], "processes left 2 s after the reaper died"
    print(f"reaper SIGKILL: every process gone in {time.monotonic() - started:.2f} s")
    with pytest.raises(ReaperError) as caught:
        reaper.poll(plain)
    assert "process reaper" in str(caught.value) and "died with signal SIGKILL" in str(caught.value)
    assert "ended the 3 gateway(s)" in str(caught.value)
    returncode, reason = reaper.poll(plain)
    assert (
        returncode == -signal.SIGKILL and reason is not None and "lost its process reaper" in reason
    )
    fresh = reaper.spawn(SLEEP)  # a new reaper serves the next Start Gateway
    assert reaper.poll(fresh) == (None, None)


def test_cleanup_ends_a_dead_reapers_processes_while_its_runner_lives(
    state_dir: str, victim: subprocess.Popen[bytes]
) -> None:
    identity = proctree.identify(victim.pid)
    me = proctree.identify(os.getpid())
    assert identity is not None and me is not None
    registry.write(
        state_dir,
        proctree.Identity(999999, 1),
        {
            "reaper": {"pid": 999999, "start": 1},
            "runner": me.to_dict(),
            "tag_prefix": f"{statedir.state_id(state_dir)}.999999.1",
            "processes": [{**identity.to_dict(), "tag": None, "argv": []}],
        },
    )
    assert [item.pid for item in registry.clean(state_dir).leftovers] == [victim.pid]
    assert victim.wait(timeout=10) == -signal.SIGKILL


def test_a_daemon_that_scrubs_its_environment_is_stopped_with_its_gateway(
    reaper: ReaperClient,
) -> None:
    pid = reaper.spawn(fake("--double-fork", "--scrub-env"))
    assert wait_for(lambda: len(reaper.members(pid)) == 2)
    daemon = [p for p in reaper.members(pid) if p != pid]
    assert proctree.tag_of(psutil.Process(daemon[0])) is None
    outcome = reaper.stop(pid, timeout=2)
    assert outcome.killed == daemon
    assert wait_all_gone(daemon, timeout=2.0) == []


# -- memory_limit sees the whole gateway -----------------------------------------


def test_memory_limit_counts_a_double_forked_daemon(reaper: ReaperClient) -> None:
    pid = reaper.spawn(
        fake("--double-fork", "--scrub-env", "--daemon-mb", "311"), memory_limit=100 * 2**20
    )
    assert wait_for(lambda: reaper.poll(pid)[0] is not None, timeout=20)
    returncode, reason = reaper.poll(pid)
    assert returncode == -signal.SIGKILL
    assert reason is not None and "memory limit of 100 MiB" in reason and "PSS" in reason


def test_memory_limit_is_enforced_during_a_slow_stop(reaper: ReaperClient) -> None:
    pid = reaper.spawn(fake("--grow-on-term"), memory_limit=150 * 2**20)
    time.sleep(0.5)
    started = time.monotonic()
    outcome = reaper.stop(pid, timeout=30)
    assert time.monotonic() - started < 10
    assert outcome.reason is not None and "memory limit of 150 MiB" in outcome.reason
