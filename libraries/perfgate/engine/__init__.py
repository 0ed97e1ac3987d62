"""The HTTP load engine: asyncio protocols + httptools (+ uvloop) in one
worker process per core, merged into one `LoadResult`.

    from perfgate.engine import LoadConfig, run_load
    from perfgate.stages import Stage

    result = run_load(LoadConfig(url="http://127.0.0.1:8080/api/echo",
                                 stages=[Stage(0, 50), Stage(30, 50)]))
    print(result.rps, result.p99)
"""

from perfgate.engine.config import LoadConfig
from perfgate.engine.result import (
    GeneratorHealth,
    LatencySummary,
    LoadResult,
    Progress,
    RequestStats,
    ServerTimingStat,
    TimelineRow,
)
from perfgate.engine.run import WorkerError, run_load
from perfgate.engine.scenario import RequestSpec, Scenario, load_scenario

__all__ = [
    "GeneratorHealth",
    "LatencySummary",
    "LoadConfig",
    "LoadResult",
    "Progress",
    "RequestSpec",
    "RequestStats",
    "Scenario",
    "ServerTimingStat",
    "TimelineRow",
    "WorkerError",
    "load_scenario",
    "run_load",
]
