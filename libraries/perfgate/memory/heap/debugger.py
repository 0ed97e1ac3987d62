"""Whether this machine's gdb can call a function in a process and hand it back
intact, tried once on a throwaway process of PerfGate's own.

`memray attach` has gdb call functions inside the gateway, and gdb saves and
restores the process's registers around each call. Where it cannot restore
them the gateway is left broken: gdb 13 on a CPU with AMX (Sapphire Rapids and
later) writes an extended register state of the old size, the kernel refuses
it ("Couldn't write extended state status: Bad address"), and the process's
interrupted system call then fails with an errno it never expects (a sleeping
CPython raised OSError 514 and exited). So PerfGate asks a process of its own
first, and never lets gdb near a gateway on such a machine.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading

PROBE_TIMEOUT_S = 30.0
_REGISTERS = "Couldn't write extended state status"
_checked: dict[str, str | None] = {}
_lock = threading.Lock()


def gdb_refusal() -> str | None:
    """None when this machine's gdb calls a function in a process and hands it back
    intact; otherwise why not, as a clause ("gdb 13.1 cannot ... (...)"). Checked
    once per gdb for the life of this process."""
    gdb = shutil.which("gdb")
    if gdb is None:
        return "gdb is not installed"
    with _lock:
        if gdb not in _checked:
            _checked[gdb] = _probe(gdb)
        return _checked[gdb]


def _probe(gdb: str) -> str | None:
    # A Python process, as the gateway is, sleeping in a system call, as a gateway
    # waiting for requests is: the case that breaks.
    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        said = subprocess.run(
            [gdb, "-batch", "-nx", "-p", str(sleeper.pid), "-ex", "call (int)getpid()"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
        )
        output = said.stdout + said.stderr
        alive = sleeper.poll() is None
    except subprocess.TimeoutExpired:
        return f"{_version(gdb)} did not finish a function call within {PROBE_TIMEOUT_S:g} s"
    except OSError as exc:
        return f"{gdb} could not be run ({exc.__class__.__name__}: {exc})"
    finally:
        sleeper.kill()
        sleeper.wait()
    if re.search(rf"^\$1 = {sleeper.pid}$", output, re.MULTILINE) and alive:
        return None
    if "ptrace: " in output:
        # Refused to trace our own process, so it will be refused the gateway too, and
        # the attach says so in its own sentence (ptrace_scope, CAP_SYS_PTRACE): no harm.
        return None
    if _REGISTERS in output:
        return (
            f"{_version(gdb)} cannot restore a process's registers after calling a function "
            f"in it on this CPU ('{_REGISTERS}: Bad address', as gdb before 14 does on a CPU "
            "with AMX), which leaves the process broken"
        )
    return f"{_version(gdb)} could not call a function in a test process ({last_line(output)})"


def last_line(output: str, default: str = "no output") -> str:
    """The last line a debugger printed that says something: its reason, as a rule."""
    return next((line.strip() for line in reversed(output.splitlines()) if line.strip()), default)


def _version(gdb: str) -> str:
    try:
        first = subprocess.run(
            [gdb, "--version"], capture_output=True, text=True, timeout=10
        ).stdout.splitlines()
    except (OSError, subprocess.TimeoutExpired):
        return "gdb"
    found = re.search(r"(\d+\.\d+(?:\.\d+)?)", first[0]) if first else None
    return f"gdb {found.group(1)}" if found else "gdb"
