"""Stage parsing and the exact integral/inversion of piecewise-linear rates."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from perfgate.load.stages import (
    Stage,
    arrival_times,
    expected_arrivals,
    format_stages,
    parse_stages,
    scale_target,
    scale_time,
    target_at,
    total_duration,
    with_duration,
)

EXAMPLE = [Stage(30, 10), Stage(60, 50), Stage(30, 0)]


def random_stages(rng: random.Random) -> list[Stage]:
    stages = []
    for _ in range(rng.randint(1, 6)):
        duration = rng.choice([0.0, rng.uniform(0.1, 5.0), rng.uniform(5.0, 20.0)])
        target = rng.choice([0.0, rng.uniform(0.0, 50.0), rng.uniform(50.0, 400.0)])
        stages.append(Stage(duration, target))
    stages.append(Stage(rng.uniform(0.5, 5.0), rng.uniform(1.0, 100.0)))
    return stages


# -- parsing ------------------------------------------------------------------


def test_parse_the_documented_example() -> None:
    assert parse_stages("30s:10, 1m:50, 30s:0") == EXAMPLE


def test_parse_accepts_robot_time_strings_and_every_separator() -> None:
    text = "1 min 30 s:5; 500 ms : 2.5\n 1h:0 ,2 minutes:7,"
    assert parse_stages(text) == [Stage(90, 5), Stage(0.5, 2.5), Stage(3600, 0), Stage(120, 7)]


def test_parse_accepts_a_list_of_pairs() -> None:
    assert parse_stages(["30s:10", "1m:50, 30s:0"]) == EXAMPLE
    with pytest.raises(ValueError, match="duration:target"):
        parse_stages([])


def test_format_reads_back() -> None:
    stages = [Stage(120, 10), Stage(90, 2.5), Stage(0.5, 0), Stage(3600, 100), Stage(0, 3)]
    assert parse_stages(format_stages(stages)) == stages
    assert format_stages(EXAMPLE) == "30s:10, 1min:50, 30s:0"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "duration:target"),
        ("   ", "duration:target"),
        ("30s", "is not 'duration:target'"),
        (":10", "is not 'duration:target'"),
        ("soon:10", "invalid duration 'soon'"),
        ("-5s:10", "invalid duration"),
        ("30s:-1", "invalid target '-1'"),
        ("30s:ten", "invalid target 'ten'"),
        ("30s:nan", "invalid target 'nan'"),
        ("30s:10, 1m:", "invalid target ''"),
    ],
)
def test_parse_rejects_bad_stages_with_one_sentence(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        parse_stages(text)
    assert "e.g." in str(error.value)


def test_stage_itself_rejects_negative_or_infinite_values() -> None:
    with pytest.raises(ValueError, match="duration"):
        Stage(-1, 5)
    with pytest.raises(ValueError, match="target"):
        Stage(1, math.inf)


# -- shape --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (-1, 0),
        (0, 0),
        (15, 5),
        (30, 10),
        (45, 20),
        (60, 30),
        (90, 50),
        (105, 25),
        (120, 0),
        (500, 0),
    ],
)
def test_target_ramps_linearly_like_k6(t: float, expected: float) -> None:
    assert target_at(EXAMPLE, t) == pytest.approx(expected)


def test_first_stage_ramps_from_start_and_zero_duration_jumps() -> None:
    stages = [Stage(10, 20)]
    assert target_at(stages, 0, start=10) == 10
    assert target_at(stages, 5, start=10) == pytest.approx(15)
    held = [Stage(0, 50), Stage(60, 50), Stage(0, 5), Stage(10, 5)]
    assert target_at(held, 0) == 50
    assert target_at(held, 59.9) == 50
    assert target_at(held, 60) == 5
    assert target_at(held, 1_000) == 5
    assert target_at([], 3, start=7) == 7


def test_total_duration_and_scaling() -> None:
    assert total_duration(EXAMPLE) == 120
    assert total_duration([]) == 0
    assert scale_time(EXAMPLE, 0.5) == [Stage(15, 10), Stage(30, 50), Stage(15, 0)]
    assert scale_target(EXAMPLE, 200) == [Stage(30, 40), Stage(60, 200), Stage(30, 0)]
    stretched = with_duration(EXAMPLE, 12)
    assert total_duration(stretched) == pytest.approx(12)
    assert [s.duration_s for s in stretched] == pytest.approx([3, 6, 3])
    assert [s.target for s in stretched] == [10, 50, 0]


def test_scaling_rejects_impossible_requests() -> None:
    with pytest.raises(ValueError, match="every target is 0"):
        scale_target([Stage(10, 0)], 5)
    with pytest.raises(ValueError, match="last 0 seconds"):
        with_duration([Stage(0, 5)], 10)
    with pytest.raises(ValueError, match="> 0"):
        scale_time(EXAMPLE, 0)
    with pytest.raises(ValueError, match="> 0"):
        with_duration(EXAMPLE, -3)
    with pytest.raises(ValueError, match=">= 0"):
        scale_target(EXAMPLE, math.nan)


# -- the open model's integral ------------------------------------------------


def test_expected_arrivals_of_constant_and_ramping_rates() -> None:
    constant = [Stage(0, 100), Stage(10, 100)]
    assert expected_arrivals(constant, 0, 10) == pytest.approx(1_000)
    assert expected_arrivals(constant, 2.5, 3) == pytest.approx(50)
    ramp = [Stage(10, 100)]  # rate 10 t, integral 5 t^2
    assert expected_arrivals(ramp, 0, 4) == pytest.approx(80)
    assert expected_arrivals(ramp, 4, 10) == pytest.approx(500 - 80)
    assert expected_arrivals(EXAMPLE, 0, 120) == pytest.approx(150 + 1_800 + 750)


def test_nothing_arrives_outside_the_run() -> None:
    ramp = [Stage(10, 100)]
    assert expected_arrivals(ramp, -5, 0) == 0
    assert expected_arrivals(ramp, 10, 50) == 0
    assert expected_arrivals(ramp, -5, 50) == pytest.approx(500)
    with pytest.raises(ValueError, match="before it begins"):
        expected_arrivals(ramp, 5, 1)


@pytest.mark.parametrize("seed", range(20))
def test_expected_arrivals_matches_numerical_integration(seed: int) -> None:
    rng = random.Random(seed)
    stages = random_stages(rng)
    start = rng.choice([0.0, rng.uniform(0, 100)])
    total = total_duration(stages)
    t0, t1 = sorted(rng.uniform(0, total) for _ in range(2))
    grid = np.linspace(t0, t1, 2_001)
    rates = np.array([target_at(stages, t, start) for t in grid])
    # Trapezoids are exact on linear pieces; only the steps holding a stage
    # boundary err, each by less than (highest rate * step).
    numeric = float(np.sum((rates[1:] + rates[:-1]) / 2 * np.diff(grid)))
    boundary_error = len(stages) * 400 * (t1 - t0) / 2_000 + 1e-9
    assert expected_arrivals(stages, t0, t1, start) == pytest.approx(numeric, abs=boundary_error)
    middle = (t0 + t1) / 2
    assert expected_arrivals(stages, t0, middle, start) + expected_arrivals(
        stages, middle, t1, start
    ) == pytest.approx(expected_arrivals(stages, t0, t1, start))


# -- the open model's send times ----------------------------------------------


def test_constant_rate_sends_evenly_spaced_requests() -> None:
    times = list(arrival_times([Stage(0, 100), Stage(10, 100)]))
    assert len(times) == 1_000
    assert times[0] == pytest.approx(0.005)
    assert np.diff(times) == pytest.approx(np.full(999, 0.01))


def test_linear_ramp_times_invert_the_quadratic_integral() -> None:
    times = list(arrival_times([Stage(10, 100)]))
    assert len(times) == 500
    expected = [math.sqrt((k + 0.5) / 5) for k in range(500)]
    assert times == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", range(25))
def test_every_send_time_is_the_exact_inverse_of_the_integral(seed: int) -> None:
    rng = random.Random(seed)
    stages = random_stages(rng)
    start = rng.choice([0.0, rng.uniform(0, 100)])
    phase = rng.choice([0.0, 0.5, rng.random()])
    times = list(arrival_times(stages, start, phase=phase))
    total = expected_arrivals(stages, 0, total_duration(stages), start)
    # Arrivals happen at integral levels phase, 1 + phase, ... up to the total.
    assert len(times) == max(math.floor(total - phase + 1e-9) + 1, 0)
    assert times == sorted(times)
    assert all(0 <= t <= total_duration(stages) + 1e-9 for t in times)
    for k, t in enumerate(times):
        assert expected_arrivals(stages, 0, t, start) == pytest.approx(k + phase, abs=1e-6)


def test_no_requests_while_the_rate_is_zero() -> None:
    stages = [Stage(0, 10), Stage(5, 10), Stage(0, 0), Stage(5, 0), Stage(0, 10), Stage(5, 10)]
    times = list(arrival_times(stages))
    assert len(times) == 100
    assert not [t for t in times if 5 < t < 10]


def test_workers_interleave_into_the_full_schedule() -> None:
    stages = [Stage(3, 90), Stage(4, 30), Stage(2, 120)]
    full = list(arrival_times(stages))
    workers = 3
    share = scale_target(stages, max(s.target for s in stages) / workers)
    split = sorted(
        t for w in range(workers) for t in arrival_times(share, phase=(w + 0.5) / workers)
    )
    assert len(split) == len(full)
    assert split == pytest.approx(full, abs=1e-9)


def test_resume_from_a_point_yields_the_remaining_times() -> None:
    stages = [Stage(5, 50), Stage(5, 50), Stage(5, 0)]
    full = list(arrival_times(stages))
    resumed = list(arrival_times(stages, from_s=6.3))
    assert resumed == [t for t in full if t >= 6.3]
    assert list(arrival_times(stages, from_s=100)) == []


def test_arrival_times_reject_bad_arguments() -> None:
    with pytest.raises(ValueError, match="phase"):
        next(arrival_times(EXAMPLE, phase=1.0))
    with pytest.raises(ValueError, match="from_s"):
        next(arrival_times(EXAMPLE, from_s=-1))
