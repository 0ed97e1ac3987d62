"""What a `Get ... Metric` keyword logs once it has its value: the check that held, or the
value in its metric's unit."""

from __future__ import annotations

from collections.abc import Collection

from robot.api import logger

from perfgate.load.assertions import build_check, parse_metric, passed_text


def log_metric(
    metric: str,
    operator: str | None,
    expected: str | None,
    known: Collection[str],
    value: float | None,
) -> None:
    """``p95 was 12.3 ms, limit < 200 ms: OK`` given an operator, else ``p95 is 12.3 ms.``"""
    if operator:
        logger.info(passed_text(build_check(metric, operator, expected, known), value))
    else:
        ref = parse_metric(metric, known)
        logger.info(f"{ref.text} is {ref.format(value)}.")
