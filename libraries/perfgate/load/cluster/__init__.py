"""Load from several machines: the load pipeline's workers on a Dask cluster.

`open_cluster(spec)` gives a `Cluster` ("local", or a scheduler address);
`perfgate.load.coordinator.run_workers(run, ..., cluster=cluster)` runs a
protocol's workers on it instead of on this machine, and leaves in
`cluster.last_run` (a `ClusterRun`) which machine ran which worker and how
well the clocks were known. See docs/cluster.md.

Needs the `cluster` extra (`pip install robotframework-perfgate[cluster]`),
on this machine and every Dask worker's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from perfgate.load.cluster.clock import CLOCK_BOUND_S
from perfgate.load.cluster.record import ClusterRun, PlacedWorker

if TYPE_CHECKING:
    from perfgate.load.cluster.session import Cluster, open_cluster

__all__ = ["CLOCK_BOUND_S", "Cluster", "ClusterRun", "PlacedWorker", "open_cluster"]


def __getattr__(name: str) -> Any:
    # Results carry a ClusterRun whether or not `distributed` is installed (the
    # `cluster` extra): only what talks to Dask imports it, when first asked for.
    if name in ("Cluster", "open_cluster"):
        from perfgate.load.cluster import session

        return getattr(session, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
