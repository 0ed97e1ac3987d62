"""The error rate's verdict: any rise from zero, a significant rise beyond the runs' spread
from a nonzero rate (the refusal to record a failing run: test_baseline_workflow.py)."""

from __future__ import annotations

from typing import Any

import pytest

from perfgate.baseline.errorrate import decide_error_rate


def load(error_rate: float = 0.0, requests: int = 10_000) -> dict[str, Any]:
    """A sample as `LoadResult.to_dict` gives it: the rate and its counts."""
    errors = round(error_rate * requests)
    return {"requests": requests, "errors": errors, "error_rate": errors / requests}


def test_errors_in_three_of_five_runs_are_a_regression_from_zero() -> None:
    stored = [load(0.0)] * 5
    current = [load(0.02)] * 3 + [load(0.0)] * 2  # median 2 %, but the old bootstrap said noise
    assert decide_error_rate(stored, current, 0.1, 0.0).verdict == "regressed"
    one_error = [load(1 / 10_000)] + [load(0.0)] * 4  # below the old 0.1-point floor
    assert decide_error_rate(stored, one_error, 0.1, 0.0).verdict == "regressed"
    assert decide_error_rate(stored, [load(0.0)] * 5, 0.1, 0.0).verdict == "within noise"


def test_a_rise_from_a_nonzero_rate_counts_beyond_sampling_noise() -> None:
    stored = [load(0.01)] * 5  # 500 errors in 50,000 requests, no spread between runs
    rise = decide_error_rate(stored, [load(0.02)], 0.25, 0.0)  # 200 of 10,000
    assert rise.verdict == "regressed" and rise.method == "fisher exact"
    assert rise.p_value is not None and rise.p_value < 1e-6
    # 1.1 % of 10,000 is within the sampling noise of 1 %; the 25 % tolerance plays no part.
    noise = decide_error_rate(stored, [load(0.011)], 0.0, 0.0)
    assert noise.verdict == "within noise" and noise.p_value is not None and noise.p_value > 0.05
    # 1 % to 2 % of 100 requests: one more error, which sampling explains.
    few = decide_error_rate([load(0.01, requests=100)], [load(0.02, requests=100)], 0.25, None)
    assert few.verdict == "within noise"
    # A baseline whose runs spread widely widens the band to 3 x their CoV.
    spread = decide_error_rate(stored, [load(0.02)], 0.25, 0.4)
    assert spread.verdict == "within noise" and spread.band_abs == pytest.approx(0.012)
    better = decide_error_rate(stored, [load(0.002)], 0.25, 0.0)
    assert better.verdict == "improved"


def test_rates_without_request_counts_are_decided_like_other_metrics() -> None:
    stored = [{"error_rate": 0.01}]
    verdict = decide_error_rate(stored, [{"error_rate": 0.02}], 0.25, None)
    assert verdict.method == "tolerance-only" and verdict.verdict == "regressed"
