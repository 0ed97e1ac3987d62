"""The running memory monitors of one MemoryLibrary, and the test or suite each belongs to.

A monitor started in a test belongs to that test, one started in a suite
setup to that suite, one started where no scope is known (a listener, a
library import) to the run. When its scope ends, a monitor still running is
stopped and its result saved, so no sampling thread outlives the run; the
caller is told which (`AutoStopped`) to warn about them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from perfgate.gateway.lookup import find_gateway
from perfgate.live.memoryseries import MemoryExport, gateway_alias
from perfgate.live.settings import LibraryExport
from perfgate.memory.heap.watch import HeapWatch
from perfgate.memory.leak import LeakCriteria
from perfgate.memory.monitor import MemoryMonitor
from perfgate.memory.report import save_json
from perfgate.memory.result import MemoryResult
from perfgate.memory.targets import GatewayFinder, resolve_source

_NO_SCOPE = ""


@dataclass
class _Running:
    monitor: MemoryMonitor
    scope: str  # "test:<id>", "suite:<id>" or _NO_SCOPE


@dataclass(frozen=True)
class AutoStopped:
    """A monitor its test or suite forgot: its saved result, or why it could not be stopped."""

    name: str
    result: MemoryResult | None
    error: str = ""


class MonitorRegistry:
    """Creates monitors with unique names, keeps the running ones, stops what a scope forgot."""

    def __init__(
        self, gateway_finder: GatewayFinder = find_gateway, live: LibraryExport | None = None
    ) -> None:
        self._find_gateway = gateway_finder
        self._live = live  # the library's prometheus_url= (perfgate.live)
        self._running: dict[str, _Running] = {}
        self._scopes: list[str] = []
        self._numbers = itertools.count(1)

    def create(
        self,
        target: Any,
        interval_s: float,
        alias: str = "",
        criteria: LeakCriteria | None = None,
        heap_watch: HeapWatch | None = None,
    ) -> MemoryMonitor:
        """A monitor, not started yet, on `target` (a Gateway, alias, PID or metrics URL).

        Named `alias`, or ``memory1``, ``memory2``, ... ValueError in one
        sentence for a target that cannot be watched.
        """
        name = alias or f"memory{next(self._numbers)}"
        self._check_free(name)
        source = resolve_source(target, self._find_gateway)
        settings = self._live.settings(gateway_alias(target)) if self._live else None
        live = MemoryExport(settings, name) if settings else None
        return MemoryMonitor(
            source, interval_s, alias=name, criteria=criteria, heap_watch=heap_watch, live=live
        )

    def _check_free(self, name: str) -> None:
        if name in self._running:
            raise ValueError(
                f"A memory monitor with alias '{name}' is already running; stop it first or give "
                "another alias."
            )

    def start(self, monitor: MemoryMonitor) -> MemoryMonitor:
        """Starts `monitor` (its first sample is taken at once) and keeps it in the current scope."""
        self._check_free(monitor.alias)
        monitor.start()
        scope = self._scopes[-1] if self._scopes else _NO_SCOPE
        self._running[monitor.alias] = _Running(monitor, scope)
        return monitor

    def stop(
        self, monitor: MemoryMonitor | str | None, requests: int | None = None
    ) -> MemoryResult:
        """Stops the monitor (an object, its alias, or by default the last started): its result."""
        running = self._running.pop(self._name_of(monitor))
        return running.monitor.stop(requests)

    def _name_of(self, monitor: MemoryMonitor | str | None) -> str:
        if isinstance(monitor, MemoryMonitor):
            name = monitor.alias
        elif monitor is None or monitor == "":
            if not self._running:
                raise ValueError(
                    "No memory monitor is running; start one with Start Memory Monitor."
                )
            name = list(self._running)[-1]
        else:
            name = str(monitor)
        if name not in self._running:
            known = ", ".join(self._running) or "none"
            raise ValueError(f"No running memory monitor '{name}'; running monitors: {known}.")
        return name

    # -- scopes -------------------------------------------------------------------

    def enter_suite(self, suite_id: str) -> None:
        self._scopes.append(f"suite:{suite_id}")

    def enter_test(self, test_id: str) -> None:
        self._scopes.append(f"test:{test_id}")

    def leave_test(self) -> list[AutoStopped]:
        """Stops and saves the monitors of the test that ends."""
        scope = self._scopes.pop() if self._scopes else None
        return self._auto_stop(lambda s: s == scope)

    def leave_suite(self) -> list[AutoStopped]:
        """Stops and saves the monitors of the suite that ends."""
        scope = self._scopes.pop() if self._scopes else None
        # Tests' monitors are gone already; what is left belongs to this
        # suite, or was started where no scope was known.
        return self._auto_stop(lambda s: s in (scope, _NO_SCOPE) or s.startswith("test:"))

    def stop_all(self) -> list[AutoStopped]:
        """Stops and saves every monitor still running (the run ends)."""
        return self._auto_stop(lambda s: True)

    def _auto_stop(self, belongs: Callable[[str], bool]) -> list[AutoStopped]:
        stopped = []
        for name in [n for n, r in self._running.items() if belongs(r.scope)]:
            running = self._running.pop(name)
            try:
                result = save_json(running.monitor.stop())
            except Exception as exc:  # a listener must not fail the run: report it
                running.monitor.halt()
                stopped.append(AutoStopped(name, None, str(exc)))
                continue
            stopped.append(AutoStopped(name, result))
        return stopped
