"""The HTTP load engine: asyncio protocols + httptools (+ uvloop) in one
worker process per core, merged into one `LoadResult`.

    from perfgate.load.http import LoadConfig, run_load
    from perfgate.load.stages import Stage

    result = run_load(LoadConfig(url="http://127.0.0.1:8080/api/echo",
                                 stages=[Stage(0, 50), Stage(30, 50)]))
    print(result.rps, result.p99)

Around the engine, what `Run Load Profile` does as plain Python the keyword
layer calls:

- `plan`: profile name + keyword arguments -> a checked `RunPlan` (the
  resolved profile, the engine's `LoadConfig`, thresholds);
- `result_metrics`: the metric names a load result answers, breaking point
  included;
- `capacity`: which capacity figures cannot pass from a failing run;
- `console`: the figures of the progress line printed every few seconds;
- `charts`, `report`: what log.html shows (summary table rows, inline SVG);
- `runner`: the whole sequence - run, judge, save JSON.

The protocol-neutral parts they plug into are in `perfgate.load`: `gate`
(thresholds during and after the run), `outcome` (save, read back),
`console` and `report` (the frames), `arguments`.
"""

from perfgate.load.http.config import LoadConfig
from perfgate.load.http.result import LoadResult, Progress, TimelineRow
from perfgate.load.http.run import WorkerError, run_load
from perfgate.load.http.scenario import RequestSpec, Scenario, load_scenario

__all__ = [
    "LoadConfig",
    "LoadResult",
    "Progress",
    "RequestSpec",
    "Scenario",
    "TimelineRow",
    "WorkerError",
    "load_scenario",
    "run_load",
]
