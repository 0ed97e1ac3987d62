"""The Robot process's one open cluster, shared by every load keyword.

A run keyword gives `cluster=` ("local", a scheduler address, or nothing);
`resolve` adds the run-wide defaults (LoadLibrary's import argument, then
``${PERFGATE_CLUSTER}``), and `cluster_for` opens that cluster the first time
and hands the same `Cluster` to every later keyword: a warm cluster, so that
only the first run waits for a LocalCluster to start or a scheduler to
answer. Asking for another cluster closes the open one first: one cluster at
a time, so that nothing of a previous one keeps running (a cluster that cannot
be opened leaves the open one as it was). The open cluster is
closed when the process ends (`atexit`, before Dask's own handlers run);
the processes of a LocalCluster are watched by the reaper meanwhile, so that
they go with robot even when it is killed.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from typing import TYPE_CHECKING, Any

from perfgate import robotenv

if TYPE_CHECKING:
    from perfgate.load.cluster.session import Cluster

# Given to a keyword when the run-wide default names a cluster: this run on this machine.
NO_CLUSTER = frozenset({"none", "off", "no"})

# The ``cluster`` argument as the three run keywords document it (libdoc).
KEYWORD_DOC = """``cluster`` runs the load workers on a Dask cluster instead of this
machine: ``local`` (a LocalCluster of worker processes here, to try it out) or
a scheduler's address (``tcp://10.0.0.5:8786``). Default: the library import's
``cluster``, else ``${PERFGATE_CLUSTER}``; ``none`` runs on this machine
whatever those say. The cluster opens with the first run and stays open for
the next ones until robot ends. ``workers`` then counts load workers over the
whole cluster (default: its slots, one a Dask worker thread), and
``${result.cluster}`` says which machine ran which worker
(``${result.cluster.machines()}``) and how well their clocks were known
(``clock_error_s``, ``suspect``). See `Load from several machines`."""

_lock = threading.Lock()
_default: str | None = None  # LoadLibrary's import argument
_open: dict[str, Cluster] = {}  # at most one: spec -> its open cluster


def set_default(spec: str | None) -> None:
    """The library import argument ``cluster=``: every run's cluster unless a keyword gives one."""
    global _default
    _default = spec.strip() if isinstance(spec, str) and spec.strip() else None


def resolve(spec: str | None) -> str | None:
    """The cluster a run goes to: `spec`, else the import argument, else ``${PERFGATE_CLUSTER}``
    (a Robot variable or the environment); None for this machine's worker processes."""
    for value in (spec, _default, robotenv.cluster_setting()):
        text = value.strip() if isinstance(value, str) else ""
        if text:
            return None if text.lower() in NO_CLUSTER else text
    return None


def cluster_for(spec: str | None) -> Cluster | None:
    """The open cluster for `spec` (opened now if need be), or None without one."""
    if spec is None:
        return None
    from perfgate.load.cluster.session import open_cluster
    from perfgate.procs.reaper_client import watch_worker

    key = spec.strip().lower() if spec.strip().lower() == "local" else spec.strip()
    with _lock:
        if key in _open:
            return _open[key]
        # The reaper kills a LocalCluster's processes should robot be killed outright.
        # Opened before the open one is closed: a wrong address leaves the warm one be.
        cluster = open_cluster(key, on_process_started=watch_worker)
        _close_open()
        _open[key] = cluster
        return cluster


def adopt(spec: str, cluster: Cluster) -> None:
    """Use `cluster`, opened elsewhere, for `spec` (tests, a benchmark); closed as ours."""
    with _lock:
        _close_open()
        _open[spec] = cluster


def close_clusters() -> None:
    """Close the open cluster (a LocalCluster stops with it); never raises."""
    with _lock:
        _close_open()


def _close_open() -> None:
    for spec in list(_open):
        cluster = _open.pop(spec)
        # The process is ending or the scheduler is gone: nothing left to keep.
        with contextlib.suppress(Exception):
            cluster.close()


def slots(cluster: Any) -> int | None:
    """The load slots of `cluster` (its Dask workers' threads), or None without one."""
    if cluster is None:
        return None
    return sum(w.slots for w in cluster.dask_workers())


atexit.register(close_clusters)
