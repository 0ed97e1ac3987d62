"""The Node gateway of tests/fixtures/node-heap, for the heap tests: where it is, its lines, load;
where the reference gateway's leak is.

It is started by the `start_node` fixture of tests/memory/conftest.py.
"""

from __future__ import annotations

import http.client
import shutil
from pathlib import Path

import pytest

from perfgate.gateway.manager import Gateway
from perfgate.memory.heap.debugger import gdb_refusal
from perfgate.refgateway import faults

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "node-heap" / "heap_gateway.js"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(
    NODE is None, reason="node is not installed (apt-get install nodejs)"
)
# The reference gateway's leak knobs keep their bytes at this statement (Faults._leak).
FAULTS = Path(faults.__file__).resolve()
LEAK_LINE = next(
    n for n, line in enumerate(FAULTS.read_text().splitlines(), 1) if "self._leaks.append(" in line
)
# memray attach works where gdb can call a function in a process and restore it; where it
# cannot (gdb 13 on a CPU with AMX) PerfGate refuses, which test_heap_debugger.py tests.
GDB_REFUSAL = gdb_refusal()
needs_gdb = pytest.mark.skipif(
    GDB_REFUSAL is not None, reason=f"memray attach cannot work here: {GDB_REFUSAL}"
)


def function_line(name: str) -> int:
    """The line where the fixture's function `name` (or class `name`'s constructor) starts."""
    lines = FIXTURE.read_text().splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(f"class {name} ")), None)
    if start is not None:
        return next(i + 1 for i in range(start, len(lines)) if "constructor(" in lines[i])
    return next(i + 1 for i, line in enumerate(lines) if line.startswith(f"function {name}("))


def load(gateway: Gateway, requests: int) -> None:
    """`requests` GETs of /api/orders/<n>, one after another on one connection."""
    assert gateway.port is not None
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    try:
        for n in range(requests):
            connection.request("GET", f"/api/orders/{n % 50}")
            connection.getresponse().read()
    finally:
        connection.close()
