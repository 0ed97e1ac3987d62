"""A `dask worker --preload` module: its Dask worker process reports other
versions than it runs, as a machine with another install would.

    dask worker tcp://127.0.0.1:8786 --preload tests/cluster/other_version.py \
        --pretend PerfGate=0.0.1 --pretend distributed=2000.1.0

PerfGate reads `perfgate.__version__`, `dask.__version__` and
`distributed.__version__` on each Dask worker when it is asked
(`perfgate.load.cluster.machines.describe`), so changing them here is what
the coordinator sees. Dask's own version check reads the installed metadata
and is not fooled: the worker still joins the scheduler.
"""

from __future__ import annotations

from typing import Any

import click
import dask
import distributed

import perfgate

MODULES = {"PerfGate": perfgate, "dask": dask, "distributed": distributed}


@click.command()
@click.option(
    "--pretend", multiple=True, help="NAME=VERSION, NAME one of PerfGate, dask, distributed"
)
def dask_setup(worker: Any, pretend: tuple[str, ...]) -> None:
    for item in pretend:
        name, version = item.split("=", 1)
        MODULES[name].__version__ = version  # type: ignore[attr-defined]
