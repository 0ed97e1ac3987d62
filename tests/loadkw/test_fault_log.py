"""What Run Load Profile logs of a run whose gateway died or never answered (issue 17): the
failure, not a warning that blames the load generator for the samples it could not get."""

from __future__ import annotations

import logging

from LoadLibrary.http_keywords import HttpLoadKeywords
from perfgate.load.http.plan import plan_run
from perfgate.load.http.runner import execute


def test_a_run_never_answered_is_not_called_suspect(server, tmp_path, caplog) -> None:
    # /reset answers every request with a reset connection: no sample, every request failed.
    plan = plan_run(
        "constant", f"{server.url}/reset", clients=2, duration="1.2 s", warmup="0 s", workers=1
    )
    outcome = execute(plan, directory=tmp_path)
    assert outcome.verdict.faults
    with caplog.at_level(logging.INFO):
        HttpLoadKeywords._log_outcome(plan, outcome)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "never got one answer" in caplog.text
    # The same figures without the fault: the generator's warning is there.
    outcome.verdict.faults.clear()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        HttpLoadKeywords._log_outcome(plan, outcome)
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warned and "the result is suspect" in warned[0]
