"""Artifact names unique across processes, atomic JSON, links that survive pabot's merge."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from perfgate import robotenv
from perfgate.artifacts import paths as artifacts
from perfgate.artifacts.paths import (
    artifact_path,
    json_safe,
    link_href,
    link_html,
    safe_name,
    save_json_artifact,
    write_json_atomic,
)


@pytest.fixture
def robot_vars(monkeypatch):
    """Robot variables as a dict, as if Robot were running."""
    values: dict[str, object] = {}
    monkeypatch.setattr(robotenv, "variable", lambda name, default=None: values.get(name, default))
    monkeypatch.delenv("PABOTQUEUEINDEX", raising=False)
    return values


def test_names_carry_queue_pid_and_counter(tmp_path, robot_vars):
    robot_vars["PABOTQUEUEINDEX"] = "3"
    first = artifact_path("load", "stress GET /api", directory=tmp_path)
    second = artifact_path("load", "stress GET /api", directory=tmp_path)
    assert first != second
    pattern = rf"load-stress_GET_api-q3-p{os.getpid()}-\d{{3}}\.json"
    assert re.fullmatch(pattern, first.name) and re.fullmatch(pattern, second.name)


def test_default_directory_is_output_dir_perfgate_and_q0_outside_pabot(tmp_path, robot_vars):
    robot_vars["OUTPUT DIR"] = str(tmp_path)
    path = artifact_path("ws")
    assert path.parent == tmp_path / "perfgate" and path.parent.is_dir()
    assert re.fullmatch(rf"ws-q0-p{os.getpid()}-\d{{3}}\.json", path.name)


def test_an_existing_file_is_never_reused(tmp_path, robot_vars, monkeypatch):
    counter = iter([1, 1, 2])
    monkeypatch.setattr(artifacts, "_counter", counter)
    taken = artifact_path("load", directory=tmp_path)
    taken.write_text("{}")
    assert artifact_path("load", directory=tmp_path) != taken
    assert taken.read_text() == "{}"


def test_processes_in_one_directory_never_collide(tmp_path):
    code = (
        "import sys; from perfgate.artifacts.paths import save_json_artifact as s\n"
        "for i in range(10): s({'i': i}, 'load', 'same', sys.argv[1])"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], env=dict(os.environ))
        for _ in range(2)
    ]
    try:
        for proc in procs:
            assert proc.wait(timeout=60) == 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert len(list(tmp_path.glob("load-same-*.json"))) == 20


def test_json_is_atomic_readable_and_nan_free(tmp_path):
    path = write_json_atomic(tmp_path / "r.json", {"p95": math.nan, "rows": [1.5, math.inf]})
    assert json.loads(path.read_text()) == {"p95": None, "rows": [1.5, None]}
    assert path.stat().st_mode & 0o644 == 0o644
    assert not list(tmp_path.glob(".*tmp"))


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    path = write_json_atomic(tmp_path / "r.json", {"a": 1})
    with pytest.raises(TypeError):
        write_json_atomic(path, {"a": object()})
    assert json.loads(path.read_text()) == {"a": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_save_returns_the_written_path(tmp_path, robot_vars):
    path = save_json_artifact({"kind": "load"}, "load", "x", tmp_path)
    assert json.loads(path.read_text()) == {"kind": "load"}


def test_links_relative_to_the_log(tmp_path, robot_vars):
    robot_vars["OUTPUT DIR"] = str(tmp_path)
    robot_vars["LOG FILE"] = str(tmp_path / "log.html")
    target = tmp_path / "perfgate" / "a b.json"
    assert link_href(target) == "perfgate/a b.json"
    assert link_html(target) == '<a href="perfgate/a b.json">a b.json</a>'


def test_links_from_a_pabot_process_point_into_its_results_folder(tmp_path, robot_vars):
    process_dir = tmp_path / "pabot_results" / "1"
    robot_vars.update({"OUTPUT DIR": str(process_dir), "LOG FILE": "NONE"})
    robot_vars["PABOTQUEUEINDEX"] = "1"
    href = link_href(process_dir / "perfgate" / "x.json")
    # pabot's merge strips '../../', leaving a path relative to the merged log.html.
    assert href == "../../pabot_results/1/perfgate/x.json"
    assert (process_dir / href).resolve() == (process_dir / "perfgate" / "x.json").resolve()


def test_helpers():
    assert safe_name("  ") == "run"
    assert safe_name("GET /api/v1.2") == "GET_api_v1.2"
    assert json_safe((1.0, {"x": -math.inf})) == [1.0, {"x": None}]
    with pytest.raises(ValueError, match="suffix"):
        artifact_path("x", suffix="json", directory=Path("."))
