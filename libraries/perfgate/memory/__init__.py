"""Memory monitoring and leak verdicts for the processes under test.

`MemoryLibrary` is the Robot face of this package; Python callers use:

- `resolve_source(target)` -> a source for a PID, metrics URL or Gateway;
- `MemoryMonitor(source, interval_s, alias, criteria)` with `start()` /
  `stop(requests=None)`, or `monitor_for(monitor, duration_s)`;
- `MemoryResult` (`kind = "memory"`, `to_dict()`, `with_criteria()`);
- `analyse_leak(times_s, low_mb, high_mb, criteria, collector)` for a bare series;
- `read_saved(path)` for a result saved as JSON, `rejudge(result, **criteria)`
  to judge it again (its file rewritten to match);
- `MonitorRegistry`: the running monitors of a library, the test or suite
  each belongs to, and the auto-stop of those a scope forgot.
"""

from perfgate.memory.leak import (
    INCONCLUSIVE,
    LEAK,
    NO_LEAK,
    LeakAnalysis,
    LeakCriteria,
    analyse_leak,
)
from perfgate.memory.monitor import MemoryMonitor, monitor_for
from perfgate.memory.result import MemoryResult
from perfgate.memory.saved import read_saved
from perfgate.memory.targets import resolve_source

__all__ = [
    "INCONCLUSIVE",
    "LEAK",
    "NO_LEAK",
    "LeakAnalysis",
    "LeakCriteria",
    "MemoryMonitor",
    "MemoryResult",
    "analyse_leak",
    "monitor_for",
    "read_saved",
    "resolve_source",
]
