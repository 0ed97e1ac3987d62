"""Reads what an inner robot run of the suites did, for the suites' acceptance tests."""

from __future__ import annotations

from typing import Any

from robot.api import ExecutionResult, ResultVisitor


class _Tests(ResultVisitor):
    def __init__(self) -> None:
        self.found: dict[str, dict[str, str]] = {}

    def visit_test(self, test: Any) -> None:
        self.found[test.name] = {"status": test.status, "message": test.message}


def tests_in_output(output: str) -> dict[str, dict[str, str]]:
    """Every test of an output.xml by name: ``{name: {status, message}}``."""
    tests = _Tests()
    ExecutionResult(output).visit(tests)
    return tests.found
