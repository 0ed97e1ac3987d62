"""The one module of PerfGate's core that reads Robot Framework's runtime.

Robot's variables (``${OUTPUT DIR}``, ``${PERF_TIME_SCALE}``, ``${PERFGATE_CLUSTER}``, pabot's
``${PABOTQUEUEINDEX}``...), its library instances and whether it runs at all
are read here and nowhere else in `perfgate`; everything else takes them as
arguments or calls these functions. Outside a Robot run (unit tests, the
``perfgate`` command, worker processes) every function answers as if no
variable were set, so the core runs the same without Robot.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

TIME_SCALE_VARIABLE = "PERF_TIME_SCALE"
CLUSTER_VARIABLE = "PERFGATE_CLUSTER"


def _builtin() -> Any:
    """Robot's BuiltIn library when Robot is running, else None."""
    from robot.running.context import EXECUTION_CONTEXTS

    if EXECUTION_CONTEXTS.current is None:
        return None
    from robot.libraries.BuiltIn import BuiltIn

    return BuiltIn()


def running() -> bool:
    """Whether this code runs inside a Robot Framework execution."""
    return _builtin() is not None


def variable(name: str, default: Any = None) -> Any:
    """The value of the Robot variable ``${name}``, or `default` when unset or outside Robot."""
    builtin = _builtin()
    if builtin is None:
        return default
    return builtin.get_variable_value("${" + name + "}", default)


def output_dir() -> Path:
    """Robot's ``${OUTPUT DIR}``, or the current directory when Robot is not running."""
    return Path(str(variable("OUTPUT DIR") or os.getcwd()))


def pabot_queue_index() -> str | None:
    """pabot's queue index of this process, or None when not run by pabot.

    pabot gives it to its robot processes as a Robot *variable*, not in the
    environment; outside Robot's variable scope (a helper process) the
    environment is the only hint left.
    """
    value = variable("PABOTQUEUEINDEX")
    if value is None:
        value = os.environ.get("PABOTQUEUEINDEX")
    return None if value is None or str(value) == "" else str(value)


def time_scale() -> Any:
    """``${PERF_TIME_SCALE}`` as Robot holds it (text or number), or None when not set."""
    return variable(TIME_SCALE_VARIABLE)


def library_instance(name: str) -> Any:
    """The instance of the library `name` imported in this run, or None (not imported, no Robot)."""
    builtin = _builtin()
    if builtin is None:
        return None
    try:
        return builtin.get_library_instance(name)
    except RuntimeError:  # not imported in this run
        return None


def run_keyword(name: str, *args: Any) -> Any:
    """Runs the keyword `name` with `args` in the current Robot run and returns its result."""
    builtin = _builtin()
    if builtin is None:
        raise RuntimeError(f"Cannot run the keyword '{name}': Robot Framework is not running.")
    return builtin.run_keyword(name, *args)


def test_and_suite() -> tuple[str, str]:
    """``${TEST NAME}`` and ``${SUITE NAME}`` ("" each outside a test or outside Robot)."""
    return str(variable("TEST NAME") or ""), str(variable("SUITE NAME") or "")


def setting(name: str) -> str:
    """A PerfGate setting given as the Robot variable ``${name}`` or, for CI that cannot
    pass variables to every pabot process, the environment variable of the same name."""
    value = variable(name)
    if value is None:
        value = os.environ.get(name)
    return "" if value is None else str(value).strip()


def cluster_setting() -> str:
    """``${PERFGATE_CLUSTER}`` (or the environment variable): the Dask cluster every load
    run goes to unless its keyword or the library import names one; "" when not set."""
    return setting(CLUSTER_VARIABLE)
