"""A connection to a Dask cluster, open across runs: `open_cluster("local")`
starts a LocalCluster on this machine (and stops it on close),
`open_cluster("tcp://host:8786")` connects to a scheduler someone started.

Opening checks what a run would otherwise trip over later, each in one
sentence: a scheduler that does not answer, one without workers, and a
machine whose PerfGate, Dask or Python differs from this one's. A `tls://`
scheduler also needs this process's Dask TLS configuration, and a refused
handshake is told apart from a scheduler that does not answer.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from distributed import Client, LocalCluster, Security
from distributed.comm.addressing import parse_address, parse_host_port

from perfgate.load.cluster.crew import ClusterCrew
from perfgate.load.cluster.machines import DaskWorker, check_versions, dask_workers, describe
from perfgate.load.cluster.record import ClusterRun
from perfgate.load.protocol import LoadProtocol

CONNECT_TIMEOUT_S = 10.0
WORKERS_WAIT_S = 5.0  # Dask workers register a moment after the scheduler is up
SCHEMES = ("tcp://", "tls://")
# How users give robot its TLS files (docs/cluster.md), named in the sentences below.
TLS_SETTINGS = (
    "DASK_DISTRIBUTED__COMM__TLS__CA_FILE, DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT "
    "and DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY"
)


@dataclass
class Cluster:
    client: Any  # distributed.Client
    address: str  # the scheduler's
    local: Any | None = None  # the LocalCluster we started, None for someone else's
    last_run: ClusterRun | None = None  # what the last run on it placed where, and its clocks

    def dask_workers(self) -> list[DaskWorker]:
        """The workers connected now, their versions checked against this machine's."""
        described = self.client.run(describe)
        workers = dask_workers(self.client.scheduler_info(n_workers=-1), described)
        check_versions(workers, describe()["versions"])
        return workers

    def local_pids(self) -> list[int]:
        """The Dask worker processes of our LocalCluster (empty for someone else's)."""
        if self.local is None:
            return []
        return sorted(int(pid) for pid in self.client.run(os.getpid).values())

    def crew(self, protocol: LoadProtocol) -> ClusterCrew:
        return ClusterCrew(self, protocol)

    def close(self) -> None:
        """Disconnect; stop the LocalCluster if it is ours (its processes end with it)."""
        self.client.close()
        if self.local is not None:
            self.local.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_cluster(
    spec: str,
    *,
    local_workers: int | None = None,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
    workers_wait_s: float = WORKERS_WAIT_S,
    on_process_started: Callable[[int], Any] | None = None,
) -> Cluster:
    """Connect to `spec`: "local" (a LocalCluster of `local_workers` one-thread workers,
    default one a core) or a scheduler address. `on_process_started(pid)` is called
    for each process of a LocalCluster (e.g. for the reaper to watch)."""
    spec = spec.strip()
    if spec.lower() == "local":
        cluster = _start_local(local_workers)
        for pid in cluster.local_pids():
            if on_process_started is not None:
                on_process_started(pid)
        return cluster
    if not spec.startswith(SCHEMES):
        raise ValueError(
            f"cluster={spec!r}: give 'local' or a Dask scheduler address such as "
            "tcp://10.0.0.5:8786."
        )
    return _connect(spec, connect_timeout_s, workers_wait_s)


def _start_local(workers: int | None) -> Cluster:
    from perfgate.load.coordinator import default_workers

    local = LocalCluster(
        n_workers=workers or default_workers(),
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    try:
        client = Client(local, set_as_default=False)
    except BaseException:
        local.close()
        raise
    return Cluster(client=client, address=str(local.scheduler_address), local=local)


def _connect(address: str, timeout_s: float, workers_wait_s: float) -> Cluster:
    if address.startswith("tls://"):
        _check_handshake(address, _tls_context(address), timeout_s)
    began = time.monotonic()
    try:
        client = Client(address, timeout=timeout_s, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        at_once = time.monotonic() - began < timeout_s / 2
        refused = _tls_refused(address, exc) or (at_once and _closed_at_once(address, exc))
        if refused:
            raise ConnectionError(refused) from None
        raise ConnectionError(
            f"the Dask scheduler at {address} did not answer within {timeout_s:g} s "
            f"({exc.__class__.__name__}): is it running, and is its port open to this machine?"
        ) from None
    try:
        client.wait_for_workers(1, timeout=workers_wait_s)
    except (OSError, TimeoutError):
        client.close()
        raise ConnectionError(
            f"the Dask scheduler at {address} has no workers (waited {workers_wait_s:g} s): "
            f"start `dask worker {address}` on each load machine."
        ) from None
    cluster = Cluster(client=client, address=address)
    try:
        cluster.dask_workers()  # the versions, checked before anything runs
    except BaseException:
        client.close()
        raise
    return cluster


def _tls_context(address: str) -> ssl.SSLContext:
    """The client TLS context Dask's configuration gives this process; ConnectionError
    if it gives none (Dask itself fails with a TypeError about an `ssl_context`)."""
    security = Security()
    try:
        context = security.get_connection_args("client")["ssl_context"]
    except OSError as exc:  # ssl.SSLError included
        raise ConnectionError(
            f"the Dask TLS files of this process cannot be read for {address} "
            f"({exc.__class__.__name__}: {exc}): check {TLS_SETTINGS}."
        ) from None
    if context is None:
        # Security's fields are __slots__ that mypy does not see.
        given = {"the CA file": getattr(security, "tls_ca_file", None),
                 "the client certificate": getattr(security, "tls_client_cert", None)}  # fmt: skip
        lacks = " and ".join(name for name, path in given.items() if not path) or "a client key"
        raise ConnectionError(
            f"the Dask scheduler at {address} needs TLS but this process's Dask configuration "
            f"lacks {lacks}: set {TLS_SETTINGS} (or Dask's configuration) before robot starts."
        )
    return context


def _check_handshake(address: str, context: ssl.SSLContext, timeout_s: float) -> None:
    """Shake hands with a tls:// scheduler before Dask does, and raise the sentence for
    a refused handshake. Dask's own attempt races with a plain scheduler, which speaks
    first: tornado then raises a bare ValueError ("IOStream is not idle") and leaves
    Dask's event loop unusable for the next Client. A scheduler that does not answer
    is left to Dask, which retries until its timeout."""
    host, port = parse_host_port(parse_address(address)[1])
    try:
        with (
            socket.create_connection((host, port), timeout=timeout_s) as raw,
            context.wrap_socket(raw, server_hostname=host),
        ):
            pass
    except ssl.SSLError as exc:
        raise ConnectionError(_tls_refused(address, exc)) from None
    except OSError:
        return


def _closed_at_once(address: str, exc: BaseException) -> str | None:
    """The sentence for a scheduler that took the connection and closed it at once, as
    a TLS scheduler does to a tcp:// client: it answered, so not "did not answer"."""
    if address.startswith("tls://") or exc.__class__.__name__ != "CommClosedError":
        return None
    return (
        f"the Dask scheduler at {address} took the connection and closed it at once "
        f"({exc.__class__.__name__}): if it was started with TLS (--tls-cert), give robot "
        f"its tls:// address and set {TLS_SETTINGS}."
    )


def _tls_refused(address: str, exc: BaseException) -> str | None:
    """The sentence for a TLS handshake that failed, None for anything else: the
    scheduler answered, so "did not answer" would send the user to the firewall."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ssl.SSLError):
        # Dask raises some handshake failures without `from`; tornado keeps the SSL
        # error of a closed stream in `real_error`.
        cause = cause.__cause__ or getattr(cause, "real_error", None) or cause.__context__
    if cause is None:
        return None
    said = getattr(cause, "verify_message", None) or cause.strerror or str(cause)
    reason = f"{cause.__class__.__name__}: {re.sub(r' [(]_ssl[.]c:[0-9]+[)]', '', said)}"
    if getattr(cause, "reason", None) == "WRONG_VERSION_NUMBER":
        return (
            f"the Dask scheduler at {address} answered, but not over TLS: use its tcp:// "
            "address, or start it with --tls-ca-file, --tls-cert and --tls-key."
        )
    if isinstance(cause, ssl.SSLCertVerificationError):
        return (
            f"the Dask scheduler at {address} answered but this machine does not trust its "
            f"TLS certificate ({reason}): DASK_DISTRIBUTED__COMM__TLS__CA_FILE must name "
            "the CA that signed it."
        )
    return (
        f"the Dask scheduler at {address} answered but ended the TLS handshake ({reason}): "
        "is this machine's certificate (DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT) signed "
        "by the CA the scheduler was given (--tls-ca-file)?"
    )
