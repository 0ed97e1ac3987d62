"""Against a scheduler and a worker someone else started (`dask scheduler`, `dask
worker` on 127.0.0.1, each in its own session): a Dask worker whose PerfGate or
distributed version differs is refused before any load starts, in one sentence
naming it; and TLS between this process, the scheduler and the worker, set up as
docs/cluster.md says: a run counts what the gateway counted, and the same address
without this process's certificates, or with ones the other side does not trust,
fails in one sentence."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import dask
import psutil
import pytest
from distributed import Client, Security

from cluster.conftest import requests_counted, stop_groups
from perfgate.gateway.ports import free_port
from perfgate.load.cluster import open_cluster, shared
from perfgate.load.cluster.machines import describe
from perfgate.load.http.plan import plan_run
from perfgate.load.http.runner import execute

pytestmark = pytest.mark.timeout(180)

ROUTE = "/api/echo"
DASK = str(Path(sys.executable).with_name("dask"))
OTHER_VERSION = str(Path(__file__).with_name("other_version.py"))
# What `Run Load Profile ... cluster=ADDRESS` does, in a process of its own that
# gets its TLS files only from the environment, as docs/cluster.md tells users.
RUN = """
import json, sys
from perfgate.load.http.plan import plan_run
from perfgate.load.http.runner import execute
plan = plan_run("smoke", sys.argv[1], clients=4, duration="2 s", warmup="0 s", cluster=sys.argv[2])
result = execute(plan, directory=sys.argv[3]).result
print(json.dumps({"requests": result.requests, "errors": result.errors,
                  "scheduler": result.cluster.scheduler, "machines": result.cluster.machines()}))
"""


def _certificates(directory: Path, name: str) -> dict[str, str]:
    """A CA and a certificate it signed for 127.0.0.1 and localhost (server and client)."""
    directory.mkdir(parents=True, exist_ok=True)
    ca, ca_key = directory / f"{name}-ca.pem", directory / f"{name}-ca.key"
    cert, key, csr = directory / f"{name}.pem", directory / f"{name}.key", directory / "req.csr"
    ext = directory / "ext.cnf"
    ext.write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth,clientAuth\n"
        "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n"
    )
    for args in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
         "-days", "1", "-subj", f"/CN=PerfGate test CA {name}"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
         "-subj", "/CN=localhost"],
        ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
         "-out", cert, "-days", "1", "-extfile", ext],
    ):  # fmt: skip
        subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, timeout=60)
    return {"ca": str(ca), "cert": str(cert), "key": str(key)}


def _tls_flags(files: dict[str, str]) -> list[str]:
    return ["--tls-ca-file", files["ca"], "--tls-cert", files["cert"], "--tls-key", files["key"]]


def _security(files: dict[str, str] | None) -> Security | None:
    if files is None:
        return None
    return Security(tls_ca_file=files["ca"], tls_client_cert=files["cert"],
                    tls_client_key=files["key"], require_encryption=True)  # fmt: skip


@contextlib.contextmanager
def dask_cluster(
    logs: Path, *, worker: Sequence[str] = (), tls: dict[str, str] | None = None
) -> Iterator[str]:
    """`dask scheduler` and one `dask worker` of 2 threads on 127.0.0.1 (TLS with
    `tls`'s files); the scheduler's address once the worker joined. Both are
    stopped, as process groups, when the block ends."""
    scheme = "tls" if tls else "tcp"
    address = f"{scheme}://127.0.0.1:{free_port()}"
    flags = _tls_flags(tls) if tls else []
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(_spawn(logs / "scheduler.log", "scheduler", "--host", f"{scheme}://127.0.0.1",
                            "--port", address.rsplit(":", 1)[1], "--no-dashboard", *flags))  # fmt: skip
        procs.append(_spawn(logs / "worker.log", "worker", address, "--nthreads", "2",
                            "--no-dashboard", "--host", "127.0.0.1", *flags, *worker))  # fmt: skip
        _wait_for_worker(address, _security(tls), procs)
        yield address
    finally:
        stop_groups(procs[::-1])  # the worker first


def _spawn(log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([DASK, *args], stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip


def _wait_for_worker(address: str, security: Security | None, procs: list[Any]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with Client(address, timeout=5, security=security, set_as_default=False) as client:
                client.wait_for_workers(1, timeout=max(1.0, deadline - time.monotonic()))
            return
        except (OSError, TimeoutError):
            dead = [p.args[1] for p in procs if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                raise AssertionError(f"no Dask worker joined {address} (ended: {dead})") from None
            time.sleep(0.5)


def _others_clients(address: str) -> list[str]:
    """The clients the scheduler knows besides the one asking (and Dask's own)."""
    with Client(address, timeout=10, set_as_default=False) as client:
        clients = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.clients))
        return [c for c in clients if c not in (client.id, "fire-and-forget")]


def _dask_worker(address: str) -> tuple[str, int]:
    with Client(address, timeout=10, set_as_default=False) as client:
        [(worker, pid)] = client.run(os.getpid).items()
        return worker, pid


@pytest.mark.parametrize(("name", "version"), [("PerfGate", "0.0.1"), ("distributed", "2000.1.0")])
def test_a_live_worker_with_another_version_is_refused_before_any_load(
    name: str, version: str, shared_gateway: Any, tmp_path: Path
) -> None:
    pretend = ["--preload", OTHER_VERSION, "--pretend", f"{name}={version}"]
    with dask_cluster(tmp_path, worker=pretend) as address:
        worker, pid = _dask_worker(address)
        ours = describe()["versions"][name]
        sentence = (
            f"the Dask worker {worker} on {socket.gethostname()} runs {name} {version}, "
            f"this machine {name} {ours}: install the same versions on every machine."
        )
        before = requests_counted(shared_gateway.url, ROUTE)
        plan = plan_run("smoke", shared_gateway.url + ROUTE, clients=2, duration="2 s",
                        warmup="0 s", cluster=address)  # fmt: skip
        with pytest.raises(ValueError, match=f"^{re.escape(sentence)}$"):
            execute(plan, directory=tmp_path)
        # Nothing started and nothing left: no request, no load worker under the Dask
        # worker, our client gone from the scheduler, no open cluster kept.
        assert requests_counted(shared_gateway.url, ROUTE) == before
        assert psutil.Process(pid).children(recursive=True) == []
        assert _others_clients(address) == []
        assert address not in shared._open


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return _certificates(tmp_path_factory.mktemp("tls"), "ours")


@pytest.fixture(scope="module")
def tls_cluster(
    tls_files: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with dask_cluster(tmp_path_factory.mktemp("tls-logs"), tls=tls_files) as address:
        yield address


def test_a_run_over_tls_counts_what_the_gateway_counted(
    tls_cluster: str, tls_files: dict[str, str], shared_gateway: Any, tmp_path: Path
) -> None:
    env = dict(os.environ, DASK_DISTRIBUTED__COMM__TLS__CA_FILE=tls_files["ca"],
               DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT=tls_files["cert"],
               DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY=tls_files["key"],
               DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION="True")  # fmt: skip
    before = requests_counted(shared_gateway.url, ROUTE)
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN, shared_gateway.url + ROUTE, tls_cluster, str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
    assert proc.returncode == 0, err[-3000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert result["errors"] == 0 and result["requests"] > 50
    assert requests_counted(shared_gateway.url, ROUTE) - before == result["requests"]
    assert result["scheduler"] == tls_cluster
    assert result["machines"] == {socket.gethostname(): [1, 2]}


_NONE = {"ca-file": None, "client.cert": None, "client.key": None}


@pytest.mark.parametrize(
    ("given", "lacks"),
    [
        ({}, "the CA file and the client certificate"),
        ({"ca-file": "ca"}, "the client certificate"),
        ({"client.cert": "cert", "client.key": "key"}, "the CA file"),
    ],
    ids=["nothing", "only the CA", "no CA"],
)
def test_tls_without_a_client_certificate_says_what_to_set(
    tls_cluster: str, tls_files: dict[str, str], given: dict[str, str], lacks: str
) -> None:
    settings = {**_NONE, **{k: tls_files[v] for k, v in given.items()}}
    config = dask.config.set({f"distributed.comm.tls.{k}": v for k, v in settings.items()})
    with config, pytest.raises(ConnectionError) as failed:
        open_cluster(tls_cluster, connect_timeout_s=5)
    assert str(failed.value) == (
        f"the Dask scheduler at {tls_cluster} needs TLS but this process's Dask configuration "
        f"lacks {lacks}: set DASK_DISTRIBUTED__COMM__TLS__CA_FILE, "
        "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT and DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY "
        "(or Dask's configuration) before robot starts."
    )


@pytest.mark.parametrize(
    ("ca", "said"),
    [
        ("other", "does not trust its TLS certificate (SSLCertVerificationError: "),
        ("ours", "ended the TLS handshake (SSL"),
    ],
    ids=["scheduler not trusted", "client not trusted"],
)
def test_a_refused_tls_handshake_is_not_called_unreachable(
    tls_cluster: str, tls_files: dict[str, str], tmp_path: Path, ca: str, said: str
) -> None:
    other = _certificates(tmp_path, "other")
    files = {"ca-file": tls_files["ca"] if ca == "ours" else other["ca"],
             "client.cert": other["cert"], "client.key": other["key"]}  # fmt: skip
    config = dask.config.set({f"distributed.comm.tls.{k}": v for k, v in files.items()})
    began = time.monotonic()
    with config, pytest.raises(ConnectionError) as failed:
        open_cluster(tls_cluster, connect_timeout_s=10)
    assert time.monotonic() - began < 10  # refused at once, not timed out
    message = str(failed.value)
    print(message)
    assert message.startswith(f"the Dask scheduler at {tls_cluster} answered but ")
    assert said in message and message.endswith(("signed it.", "(--tls-ca-file)?"))


def test_a_tcp_address_of_a_tls_scheduler_is_not_called_unreachable(tls_cluster: str) -> None:
    """A TLS scheduler closes a plain tcp:// connection at once: the sentence says it
    answered and what to use, not that it "did not answer within 10 s"."""
    plain = tls_cluster.replace("tls://", "tcp://")
    began = time.monotonic()
    with pytest.raises(ConnectionError) as failed:
        open_cluster(plain, connect_timeout_s=10)
    assert time.monotonic() - began < 5
    assert str(failed.value) == (
        f"the Dask scheduler at {plain} took the connection and closed it at once "
        "(CommClosedError): if it was started with TLS (--tls-cert), give robot its tls:// "
        "address and set DASK_DISTRIBUTED__COMM__TLS__CA_FILE, "
        "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT and DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY."
    )


def test_a_tls_address_of_a_plain_scheduler_says_it_is_not_tls(
    tmp_path: Path, tls_files: dict[str, str]
) -> None:
    files = {"ca-file": tls_files["ca"], "client.cert": tls_files["cert"],
             "client.key": tls_files["key"]}  # fmt: skip
    config = dask.config.set({f"distributed.comm.tls.{k}": v for k, v in files.items()})
    said = []
    with dask_cluster(tmp_path) as plain, config:
        address = plain.replace("tcp://", "tls://")
        # Many times: a plain scheduler speaks first, and Dask's own handshake raced
        # with it (a bare ValueError about an IOStream about one time in four).
        for _ in range(12):
            with pytest.raises(ConnectionError) as failed:
                open_cluster(address, connect_timeout_s=10)
            said.append(str(failed.value))
    assert set(said) == {
        f"the Dask scheduler at {address} answered, but not over TLS: use its tcp:// address, "
        "or start it with --tls-ca-file, --tls-cert and --tls-key."
    }
