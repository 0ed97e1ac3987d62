"""A coordinator in a process of its own, for the cleanup tests to signal:
`python coordinator_proc.py CLUSTER URL` runs a long HTTP load on CLUSTER
("local" or a scheduler address) and, once the first second closed, prints
one JSON line: the Dask worker processes of its own LocalCluster and the
load workers it was told about. SIGTERM ends it as Robot's handler does,
with an exception that runs every `finally`."""

from __future__ import annotations

import json
import signal
import sys
from typing import Any, NoReturn

from perfgate.load.cluster import open_cluster, shared
from perfgate.load.http import LoadConfig, run_load
from perfgate.load.stages import Stage


def _terminated(*_: Any) -> NoReturn:
    raise SystemExit(143)


def main(spec: str, url: str) -> None:
    signal.signal(signal.SIGTERM, _terminated)
    load_pids: list[int] = []
    # As a Robot process has it: the process's open cluster, closed when it ends.
    cluster = open_cluster(spec, local_workers=2)
    shared.adopt("test", cluster)
    told = []

    def running(_: Any) -> None:
        if not told:
            told.append(True)
            print(json.dumps({"dask": cluster.local_pids(), "load": load_pids}), flush=True)

    run_load(
        LoadConfig(url=url, stages=[Stage(0, 2), Stage(60, 2)], workers=2, cluster="test"),
        on_progress=running,
        on_worker_started=load_pids.append,
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
