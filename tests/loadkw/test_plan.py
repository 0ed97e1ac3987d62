"""Keyword arguments -> RunPlan: overrides, time scale, requests, and one sentence per mistake."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from perfgate.load.arguments import parse_headers
from perfgate.load.http.plan import plan_run
from perfgate.load.stages import Stage

URL = "http://127.0.0.1:9/api/echo"


@pytest.fixture(autouse=True)
def no_env_scale(monkeypatch):
    monkeypatch.delenv("PERF_TIME_SCALE", raising=False)


def test_a_builtin_profile_with_its_defaults():
    plan = plan_run("constant", URL)
    assert plan.profile.model == "closed"
    assert list(plan.config.stages) == [Stage(0, 10), Stage(60, 10)]
    assert plan.config.warmup_s == 5.0 and plan.time_scale == 1.0
    assert plan.config.profile == "constant" and plan.request_names == ("default",)
    assert plan.config.timeout_s == 10.0 and plan.config.workers is None


def test_overrides_apply_in_order_and_the_time_scale_last():
    plan = plan_run(
        "stress", URL, clients=20, duration=timedelta(minutes=2), time_scale=0.5, warmup="4 s"
    )
    stages = list(plan.config.stages)
    assert sum(s.duration_s for s in stages) == pytest.approx(60.0)  # 2 min * 0.5
    assert max(s.target for s in stages) == 20
    assert plan.config.warmup_s == pytest.approx(2.0)
    # The shape is kept: the stress profile's 10/50/100/100/0 steps scaled to 20.
    assert [s.target for s in stages] == pytest.approx([2, 10, 20, 20, 0])


def test_inline_stages_and_an_open_rate():
    plan = plan_run("constant-rate", URL, rate="200 rps", stages="0s:50, 10s:100")
    assert [(s.duration_s, s.target) for s in plan.config.stages] == [(0, 100), (10, 200)]
    assert plan.config.model == "open"


def test_the_time_scale_comes_from_the_environment_when_not_given(monkeypatch):
    monkeypatch.setenv("PERF_TIME_SCALE", "0.01")
    plan = plan_run("load", URL)
    assert plan.time_scale == 0.01
    assert plan.profile.duration_s == pytest.approx(9 * 60 * 0.01)
    assert plan_run("load", URL, time_scale=1).time_scale == 1.0


def test_robot_empty_values_mean_not_given():
    plan = plan_run("smoke", URL, clients="", rate=None, duration="", stages="", warmup="")
    assert plan.profile.duration_s == 30


def test_headers_and_a_json_body():
    plan = plan_run("smoke", URL, method="post", headers="X-A: 1\nX-B: two: parts", body={"n": 1})
    assert plan.config.headers == {
        "X-A": "1",
        "X-B": "two: parts",
        "Content-Type": "application/json",
    }
    assert json.loads(plan.config.body or "") == {"n": 1}
    assert parse_headers({"Accept": "*/*"}) == {"Accept": "*/*"}
    assert parse_headers(["A: 1", "B:2"]) == {"A": "1", "B": "2"}


def test_profile_and_scenario_files_are_found_in_the_search_dirs(tmp_path):
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "tiny.yaml").write_text("model: open\nstages: 0s:5, 2s:5\n")
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "mix.yaml").write_text(
        "requests:\n  - {name: create, path: /a, weight: 1}\n  - {name: list, path: /b}\n"
    )
    plan = plan_run(
        "tiny", URL, scenario="mix", thresholds="create.p95 < 1 s", search_dirs=[tmp_path]
    )
    assert plan.profile.name == "tiny" and plan.request_names == ("create", "list")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"profile": "strss"}, "unknown load profile 'strss' (did you mean 'stress'?)"),
        ({"profile": ""}, "no load profile given"),
        ({"stages": "30s:10, 1m"}, "stage '1m' is not 'duration:target'"),
        ({"thresholds": "p95 < 1%"}, "compares 'p95' with '1%'"),
        ({"thresholds": "p96 < 1 s"}, "unknown metric 'p96'"),
        ({"url": "ftp://x"}, "the scheme must be http or https"),
        ({"rate": 50}, "give clients=... (e.g. clients=20) instead of rate"),
        ({"clients": 2.5}, "clients must be a whole number of at least 1"),
        ({"time_scale": 0}, "time_scale must be a number above 0"),
        ({"time_scale": "fast"}, "time_scale must be a number above 0"),
        ({"workers": 0}, "workers must be a whole number of at least 1"),
        ({"timeout": "0 s"}, "timeout must be longer than 0 s"),
        ({"duration": "soon"}, "duration must be a duration such as '30 s'"),
        ({"headers": "no colon"}, "header 'no colon' is not 'Name: value'"),
        ({"method": "G E T"}, "invalid HTTP method"),
        ({"scenario": "nowhere.yaml"}, "scenario file 'nowhere.yaml' not found"),
        ({"thresholds": "create.p95 < 1 s"}, "requests are named default"),
        ({"profile": "breakpoint"}, "no thresholds were given"),
        (
            {"abort_on_fail": True, "thresholds": "rps >= 10"},
            "none of the thresholds can be judged while it runs",
        ),
        ({"warmup": "2 min"}, "must be shorter than the run"),
    ],
)
def test_every_mistake_is_one_sentence(kwargs, message):
    args = {"profile": "constant", "url": URL, **kwargs}
    with pytest.raises(ValueError) as error:
        plan_run(args.pop("profile"), args.pop("url"), **args)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_a_scenario_takes_no_single_request_arguments(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("requests:\n  - {name: a, path: /a}\n")
    with pytest.raises(ValueError, match=r"with scenario=\.\.\. each request"):
        plan_run("smoke", URL, scenario=str(scenario), body="x")


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({}, "warm-up 5 s"),
        ({"duration": "15 s"}, "warm-up 1.25 s (the profile's 5 s, shortened by duration=)"),
        (
            {"duration": "30 s", "time_scale": 0.5},
            "warm-up 1.25 s (the profile's 5 s, shortened by duration= and time scale 0.5)",
        ),
        ({"time_scale": 2}, "warm-up 10 s (the profile's 5 s, stretched by time scale 2)"),
        ({"duration": "15 s", "warmup": "3 s"}, "warm-up 3 s (warmup=)"),
        (
            {"time_scale": 1 / 6},
            "warm-up 0.833 s (the profile's 5 s, shortened by time scale 0.167)",
        ),
    ],
)
def test_the_warm_up_used_is_said_with_what_changed_it(kwargs, text):
    """`duration=` shrinks a profile's warm-up in proportion: the summary must say so."""
    assert plan_run("constant", URL, **kwargs).warmup_text() == text
