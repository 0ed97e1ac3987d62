"""Helpers for LoadLibrary's acceptance tests: saved results, free ports, load workers.

Load workers are `python -m perfgate.load.http.worker` processes. Inner robot runs
put PERFGATE_ATEST_MARKER=<marker> in their environment and the workers
inherit it, so the workers of one inner run are those with its marker.
"""

from __future__ import annotations

from pathlib import Path

from robot.api import logger
from robot.libraries.BuiltIn import BuiltIn

from perfgate.gateway.ports import free_port  # noqa: F401 - a keyword of this library
from perfgate.load.http import LoadResult
from perfgate.load.http.runner import read_saved

MARKER = "PERFGATE_ATEST_MARKER"
WORKER_MODULE = "perfgate.load.http.worker"


def _saved(directory: str | None = None) -> list[Path]:
    folder = Path(directory or BuiltIn().get_variable_value("${OUTPUT DIR}")) / "perfgate"
    return sorted(folder.glob("load-*.json"), key=lambda p: p.stat().st_mtime_ns)


def count_saved_load_results() -> int:
    """How many load results this run saved so far."""
    return len(_saved())


def newest_load_result() -> LoadResult:
    """The load result saved last, read back from its JSON file."""
    files = _saved()
    if not files:
        raise AssertionError("No load result was saved under ${OUTPUT DIR}/perfgate.")
    logger.info(f"Reading {files[-1]}")
    return read_saved(files[-1])
