"""Baseline files: format, versions, validation and broken files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfgate.baseline import store
from perfgate.baseline.fingerprint import Fingerprint, current_fingerprint
from perfgate.baseline.names import validate_name

FP = Fingerprint("Test CPU", 4, 16, "Linux x86_64", "6.1", "3.11.7", "0.1.0")


def _record(path: Path, samples: list[dict[str, float]], reason: str = "r", **kw: object):
    return store.record(
        path,
        name=path.stem,
        environment=path.parent.name,
        kind=str(kw.get("kind", "load")),
        samples=samples,
        reason=reason,
        fingerprint=FP,
        git_commit="abc123",
        only_if_missing=bool(kw.get("only_if_missing", False)),
    )


def test_file_is_sorted_indented_rounded_and_ends_with_newline(tmp_path: Path) -> None:
    path = store.baseline_path(tmp_path, "ci", "checkout")
    _record(path, [{"p95": 12.345678912, "rps": 1000.0}, {"p95": 0.1 + 0.2, "rps": 990.0}])
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    data = json.loads(text)
    assert text == json.dumps(data, sort_keys=True, indent=2) + "\n"
    assert data["samples"][0]["p95"] == 12.3457
    assert data["samples"][1]["p95"] == 0.3  # not 0.30000000000000004
    assert data["schema"] == 1
    assert data["name"] == "checkout" and data["environment"] == "ci" and data["kind"] == "load"
    assert data["version"] == 1 and data["previous"] == []
    assert data["git_commit"] == "abc123" and data["reason"] == "r"
    assert data["fingerprint"]["cpu_model"] == "Test CPU"
    assert data["fingerprint"]["digest"] == FP.digest
    assert data["summary"]["p95"]["n"] == 2
    assert data["summary"]["rps"]["median"] == 995.0
    assert data["summary"]["rps"]["cov"] == pytest.approx(0.00711, abs=1e-5)
    assert data["created"] == data["updated"] == data["recorded"]


def test_same_content_renders_byte_identical(tmp_path: Path) -> None:
    path = store.baseline_path(tmp_path, "ci", "a")
    baseline, _ = _record(path, [{"p95": 1 / 3}])
    assert store.render(baseline) == path.read_text(encoding="utf-8")
    assert store.render(store.load(path)) == path.read_text(encoding="utf-8")  # type: ignore[arg-type]


def test_update_keeps_previous_versions_in_order(tmp_path: Path) -> None:
    path = store.baseline_path(tmp_path, "ci", "checkout")
    _record(path, [{"p95": 10.0}], reason="first")
    _record(path, [{"p95": 20.0}], reason="second")
    _, written = _record(path, [{"p95": 30.0}], reason="third")
    assert written
    loaded = store.load(path)
    assert loaded is not None
    assert loaded.current.version == 3 and loaded.current.reason == "third"
    assert [v.reason for v in loaded.previous] == ["first", "second"]
    assert [v.samples[0]["p95"] for v in loaded.previous] == [10.0, 20.0]
    assert loaded.created == loaded.previous[0].recorded


def test_only_if_missing_leaves_an_existing_baseline_alone(tmp_path: Path) -> None:
    path = store.baseline_path(tmp_path, "ci", "x")
    _record(path, [{"p95": 10.0}])
    before = path.read_text(encoding="utf-8")
    baseline, written = _record(path, [{"p95": 99.0}], only_if_missing=True)
    assert not written and baseline.current.samples == [{"p95": 10.0}]
    assert path.read_text(encoding="utf-8") == before


def test_kind_change_is_refused(tmp_path: Path) -> None:
    path = store.baseline_path(tmp_path, "ci", "x")
    _record(path, [{"p95": 10.0}])
    with pytest.raises(ValueError, match="holds load results, not memory"):
        _record(path, [{"peak_mb": 10.0}], kind="memory")


def test_missing_file_loads_as_none(tmp_path: Path) -> None:
    assert store.load(tmp_path / "ci" / "nothing.json") is None


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda text: text[:-20], "is not valid JSON (line"),
        (lambda text: "[]", "top level is not a JSON object"),
        (lambda text: text.replace('"schema": 1', '"schema": 9'), "newer PerfGate"),
        (lambda text: text.replace('"name": "broken"', '"name": "other"'), "file is named"),
        (lambda text: text.replace('"kind": "load"', '"kind": "cpu"'), "'kind' 'cpu'"),
        (lambda text: text.replace('"p95": 10.0', '"p95": "fast"'), "is not a finite number"),
        (lambda text: text.replace('"samples": [', '"samplez": ['), "missing key 'samples'"),
        (lambda text: text.replace('"version": 1', '"version": 0'), "positive integer"),
    ],
)
def test_broken_file_names_the_file_and_is_never_overwritten(
    tmp_path: Path, mutate: object, message: str
) -> None:
    path = store.baseline_path(tmp_path, "ci", "broken")
    _record(path, [{"p95": 10.0}])
    broken = mutate(path.read_text(encoding="utf-8"))  # type: ignore[operator]
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(store.BaselineFileError) as error:
        store.load(path)
    assert str(path) in str(error.value) and message in str(error.value)
    assert "will not overwrite" in str(error.value)
    with pytest.raises(store.BaselineFileError):
        _record(path, [{"p95": 11.0}])
    assert path.read_text(encoding="utf-8") == broken


@pytest.mark.parametrize("bad", ["../x", "a/b", "", ".hidden", "x ", "a\\b", "a\nb", "x" * 121])
def test_bad_names_are_refused_in_one_sentence(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="cannot be used as a file name") as error:
        store.baseline_path(tmp_path, "ci", bad)
    assert str(error.value).count(". ") == 0 and str(error.value).endswith(".")


@pytest.mark.parametrize("good", ["checkout", "Login Flow", "api.v2_p95-check", "_x"])
def test_reasonable_names_are_accepted(good: str) -> None:
    assert validate_name(good) == good


def test_environment_label_is_validated_too(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"Environment label '\.\./up'"):
        store.baseline_path(tmp_path, "../up", "fine")


def test_fingerprint_hash_ignores_patch_versions_and_kernel() -> None:
    patched = Fingerprint("Test CPU", 4, 16, "Linux x86_64", "6.9", "3.11.9", "0.1.5")
    assert patched.digest == FP.digest
    other = Fingerprint("Test CPU", 8, 16, "Linux x86_64", "6.1", "3.11.7", "0.1.0")
    assert other.digest != FP.digest
    assert Fingerprint.from_dict(FP.to_dict()) == FP


def test_current_fingerprint_describes_this_machine() -> None:
    fingerprint = current_fingerprint()
    assert fingerprint.cores >= 1 and fingerprint.memory_gib >= 0
    assert fingerprint.cpu_model and fingerprint.os
    assert fingerprint.default_label == f"env-{fingerprint.digest}"
    validate_name(fingerprint.default_label, "Environment label")
