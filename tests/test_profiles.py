"""Built-in and file profiles, and how keyword arguments override them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfgate.load.profiles import (
    BUILTIN_PROFILES,
    Profile,
    get_profile,
    load_profile_file,
    profile_table,
    resolve,
)
from perfgate.load.stages import Stage, parse_stages, target_at, total_duration

REPO = Path(__file__).resolve().parents[1]


# -- built-ins ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "model", "stages"),
    [
        ("smoke", "closed", "0s:1, 30s:1"),
        ("load", "closed", "2m:10, 5m:10, 2m:0"),
        ("stress", "closed", "2m:10, 5m:50, 2m:100, 5m:100, 5m:0"),
        ("soak", "closed", "5m:10, 60m:10, 5m:0"),
        ("spike", "closed", "1m:5, 10s:100, 3m:100, 10s:5, 3m:5, 1m:0"),
    ],
)
def test_builtins_follow_the_seed_k6_shapes(name: str, model: str, stages: str) -> None:
    profile = get_profile(name)
    assert profile.model == model
    assert list(profile.stages) == parse_stages(stages)


def test_every_builtin_is_runnable() -> None:
    expected = {
        "smoke",
        "load",
        "stress",
        "soak",
        "spike",
        "ramp-up",
        "ramp-down",
        "constant",
        "constant-rate",
        "breakpoint",
    }
    assert set(BUILTIN_PROFILES) == expected
    for profile in BUILTIN_PROFILES.values():
        assert profile.duration_s > 0
        assert profile.peak > 0
        assert 0 <= profile.warmup_s < profile.duration_s
        assert profile.description


def test_constant_profiles_hold_their_target_from_the_first_instant() -> None:
    constant = get_profile("constant")
    assert target_at(constant.stages, 0) == 10
    assert target_at(constant.stages, 59.9) == 10
    rate = get_profile("constant-rate")
    assert rate.model == "open"
    assert target_at(rate.stages, 0) == 50


def test_ramps_and_breakpoint() -> None:
    up = get_profile("ramp-up")
    assert target_at(up.stages, 0) == 0
    assert target_at(up.stages, up.duration_s) == 50
    down = get_profile("ramp-down")
    assert target_at(down.stages, 0) == 50
    assert target_at(down.stages, down.duration_s) == 0
    breakpoint_ = get_profile("breakpoint")
    assert breakpoint_.model == "open"
    assert breakpoint_.stop_on_threshold
    assert not get_profile("load").stop_on_threshold
    # A long linear rise, so the rate where things break can be read off.
    assert target_at(breakpoint_.stages, breakpoint_.duration_s / 2) == pytest.approx(500)


def test_builtin_names_forgive_case_and_underscores() -> None:
    assert get_profile("Ramp_Up") is BUILTIN_PROFILES["ramp-up"]
    assert get_profile(" LOAD ") is BUILTIN_PROFILES["load"]


def test_profile_table_lists_every_builtin_with_parseable_stages() -> None:
    table = profile_table()
    assert [row[0] for row in table] == list(BUILTIN_PROFILES)
    for name, model, stages, description in table:
        assert model in ("closed", "open")
        assert tuple(parse_stages(stages)) == BUILTIN_PROFILES[name].stages
        assert description
    assert "Warm-up 5 s" in dict((r[0], r[3]) for r in table)["constant"]


def test_unknown_profile_names_the_choices_and_suggests_one() -> None:
    with pytest.raises(ValueError) as error:
        get_profile("strss", [Path("resources")])
    message = str(error.value)
    assert message.startswith("unknown load profile 'strss' (did you mean 'stress'?); choose one")
    assert "smoke, load, stress" in message
    assert message.endswith(
        "or a .yaml/.json file (searched the current directory, resources/, resources/profiles/)."
    )


def test_a_missing_profile_file_gets_the_closest_file_name() -> None:
    with pytest.raises(ValueError, match=r"'checkout-pek' \(did you mean 'checkout-peak'\?\)"):
        get_profile("checkout-pek", [Path("resources")])


def test_a_missing_scenario_names_every_folder_searched_and_a_close_name() -> None:
    from perfgate.load.http.plan import find_file

    with pytest.raises(ValueError) as error:
        find_file("api-cor", [Path("resources"), Path("suites")], "scenario", "scenarios")
    assert str(error.value) == (
        "scenario file 'api-cor' (did you mean 'api-core'?) not found; searched the current "
        "directory, resources/, resources/scenarios/, suites/, suites/scenarios/."
    )


def test_a_malformed_scenario_names_its_file_and_line(tmp_path: Path) -> None:
    from perfgate.load.http.scenario import load_scenario

    path = write(tmp_path, "bad.yaml", "name: x\nrequests:\n  - name: a\n    path: /x\n   bad: [\n")
    with pytest.raises(ValueError) as error:
        load_scenario(path)
    assert str(error.value).startswith(
        f"scenario file {path} is not valid YAML at line 5, column 4: "
    )
    assert "<unicode string>" not in str(error.value)


# -- files --------------------------------------------------------------------


def test_the_example_file_in_resources_loads() -> None:
    profile = get_profile("checkout-peak", [REPO / "resources"])
    assert profile.name == "checkout-peak"
    assert profile.model == "open"
    assert profile.warmup_s == 10
    assert profile.peak == 300
    assert profile.stages[2] == Stage(15, 300)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


YAML_PROFILE = """\
model: closed
description: Lunch rush
warmup: 1 min
stages: 2m:20, 10m:20, 1m:0
"""


def test_file_lookup_by_name_path_and_search_dir(tmp_path: Path) -> None:
    path = write(tmp_path / "resources" / "profiles", "lunch.yaml", YAML_PROFILE)
    dirs = [tmp_path / "resources"]
    by_name = get_profile("lunch", dirs)
    assert by_name.name == "lunch"  # from the file name
    assert by_name.warmup_s == 60
    assert list(by_name.stages) == parse_stages("2m:20, 10m:20, 1m:0")
    assert get_profile("lunch.yaml", dirs) == by_name
    assert get_profile("profiles/lunch.yaml", dirs) == by_name
    assert get_profile(str(path)) == by_name
    assert get_profile(path) == by_name


def test_json_and_yml_files_and_list_stages(tmp_path: Path) -> None:
    data = {
        "name": "burst",
        "model": "open",
        "stop_on_threshold": True,
        "stages": ["0s:100", {"duration": "30s", "target": 100}, {"duration": 5, "target": 0}],
    }
    write(tmp_path, "burst.json", json.dumps(data))
    profile = get_profile("burst", [tmp_path])
    assert profile == Profile(
        "burst", "open", (Stage(0, 100), Stage(30, 100), Stage(5, 0)), 0.0, "", True
    )
    write(tmp_path, "other.yml", "model: closed\nstages:\n  - 10s:3, 5s:0\n")
    assert get_profile("other", [tmp_path]).stages == (Stage(10, 3), Stage(5, 0))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("stages: 10s:5\n", "needs 'model: closed' (clients) or 'model: open'"),
        ("model: opened\nstages: 10s:5\n", "not 'opened'"),
        ("model: open\n", "'stages' is missing"),
        ("model: open\nstages: []\n", "non-empty list"),
        ("model: open\nstages: 10s:lots\n", "invalid target 'lots'"),
        ("model: open\nstages: [{duration: 5s}]\n", "must be 'duration:target'"),
        ("model: open\nstages: [{duration: 5s, target: many}]\n", "needs a number"),
        ("model: open\nstages: 10s:5\nrate: 3\n", "unknown key(s) rate"),
        ("model: open\nstages: 10s:5\nwarmup: 20s\n", "must be shorter than the run"),
        ("model: open\nstages: 10s:5\nwarmup: soon\n", "invalid duration 'soon'"),
        ("model: open\nstages: 10s:0\n", "every stage target"),
        ("model: open\nstages: 0s:5\n", "lasts 0 seconds"),
        ("model: open\nstages: 10s:5\nstop_on_threshold: maybe\n", "true or false"),
        ("model: open\nstages: 10s:5\nname: [1]\n", "invalid name"),
        ("model: open\nstages: 10s:5\ndescription: [1]\n", "description that is not text"),
        ("- just\n- a list\n", "must hold a mapping"),
        ("", "is empty"),
        ("model: [unclosed\n", "is not valid YAML at line 2, column 1: "),
    ],
)
def test_bad_files_get_one_sentence_naming_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ValueError) as error:
        load_profile_file(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)
    assert "\n" not in str(error.value)


def test_bad_json_is_reported_as_json(tmp_path: Path) -> None:
    write(tmp_path, "bad.json", '{"model": "open",')
    with pytest.raises(ValueError, match="is not valid JSON"):
        get_profile("bad", [tmp_path])


# -- overrides ----------------------------------------------------------------


def test_clients_scale_the_peak_of_a_closed_profile() -> None:
    profile = resolve(get_profile("stress"), clients=40)
    assert profile.peak == 40
    assert [s.target for s in profile.stages] == [4, 20, 40, 40, 0]
    assert profile.duration_s == get_profile("stress").duration_s


def test_rate_scales_the_peak_of_an_open_profile() -> None:
    profile = resolve(get_profile("constant-rate"), rate=200)
    assert [s.target for s in profile.stages] == [200, 200]


def test_duration_stretches_the_stages_and_the_default_warmup() -> None:
    profile = resolve(get_profile("constant"), duration_s=120)
    assert profile.duration_s == pytest.approx(120)
    assert profile.warmup_s == pytest.approx(10)
    load = resolve(get_profile("load"), duration_s=90)
    assert [s.duration_s for s in load.stages] == pytest.approx([20, 50, 20])


def test_stages_replace_and_warmup_overrides() -> None:
    profile = resolve(get_profile("load"), stages="10s:5, 20s:5", warmup_s=3)
    assert profile.stages == (Stage(10, 5), Stage(20, 5))
    assert profile.warmup_s == 3
    from_list = resolve(get_profile("load"), stages=[Stage(0, 2), Stage(10, 2)])
    assert from_list.stages == (Stage(0, 2), Stage(10, 2))


def test_time_scale_multiplies_every_duration_and_the_warmup() -> None:
    base = get_profile("constant-rate")
    fast = resolve(base, time_scale=0.1)
    assert fast.duration_s == pytest.approx(base.duration_s * 0.1)
    assert fast.warmup_s == pytest.approx(0.5)
    assert [s.target for s in fast.stages] == [s.target for s in base.stages]


def test_overrides_apply_in_the_documented_order() -> None:
    profile = resolve(
        get_profile("load"), stages="10s:4, 30s:8", duration_s=20, clients=16, time_scale=0.5
    )
    # stages -> stretched to 20 s -> peak 16 -> halved in time.
    assert [s.duration_s for s in profile.stages] == pytest.approx([2.5, 7.5])
    assert [s.target for s in profile.stages] == [8, 16]
    assert total_duration(profile.stages) == pytest.approx(10)


def test_no_overrides_return_an_equal_profile() -> None:
    assert resolve(get_profile("spike")) == get_profile("spike")


@pytest.mark.parametrize(
    ("profile", "kwargs", "message"),
    [
        ("constant-rate", {"clients": 5}, "open model driven by a request rate; give rate="),
        ("load", {"rate": 5}, "closed model driven by a number of clients; give clients="),
        ("load", {"clients": 2.5}, "whole number of at least 1"),
        ("load", {"clients": 0}, "whole number of at least 1"),
        ("constant-rate", {"rate": 0}, "above 0"),
        ("load", {"time_scale": 0}, "time_scale must be a number above 0"),
        ("load", {"duration_s": -1}, "> 0"),
        ("load", {"warmup_s": -1}, "warmup must be"),
        ("constant", {"warmup_s": 60}, "must be shorter than the run"),
        ("load", {"stages": "10s:0"}, "every stage target"),
        ("load", {"stages": []}, "is empty"),
    ],
)
def test_impossible_overrides_are_one_clear_sentence(profile: str, kwargs, message: str) -> None:
    with pytest.raises(ValueError) as error:
        resolve(get_profile(profile), **kwargs)
    assert message in str(error.value)
