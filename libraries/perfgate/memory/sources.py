"""Where memory readings come from: a local process tree or a /metrics page."""

from __future__ import annotations

import time
from typing import Protocol

import psutil
import requests
from prometheus_client.parser import text_string_to_metric_families

from perfgate.artifacts import redact
from perfgate.memory.mapping import MappingSnapshot, snapshot_mappings
from perfgate.memory.sample import MemorySample

RSS_METRIC = "process_resident_memory_bytes"
FDS_METRIC = "process_open_fds"
# Runtimes that give memory back only when they collect, so that until their
# first collection a climb cannot be told from a leak (perfgate.memory.cycles):
# by process name, and by the metrics their Prometheus clients export.
COLLECTED_RUNTIMES = {
    "node": "Node.js",
    "nodejs": "Node.js",
    "deno": "Deno",
    "bun": "Bun",
    "java": "the JVM",
    "dotnet": ".NET",
}
COLLECTED_RUNTIME_METRICS = (
    ("nodejs_", "Node.js"),
    ("jvm_", "the JVM"),
    ("dotnet_", ".NET"),
    ("process_runtime_dotnet_", ".NET"),
)


class SourceGone(Exception):
    """The target no longer exists (the process exited)."""


class SampleFailed(Exception):
    """One reading failed but the target may answer next time (a network blip)."""


class MemorySource(Protocol):
    kind: str
    description: str
    notes: list[str]
    # The collected runtime the target runs on ("Node.js"), once seen; None if unknown.
    collector: str | None

    def sample(self) -> MemorySample: ...

    def mappings(self) -> MappingSnapshot | None: ...


class ProcessTreeSource:
    """RSS and USS summed over a process and all its descendants.

    USS (memory only this process holds) needs read access to
    /proc/<pid>/smaps_rollup, which another user's process denies; such a
    process's RSS is counted instead and a note says so. RSS summed over a
    tree counts shared pages (libraries, forked copy-on-write memory) once per
    process, so USS is the figure to compare across worker counts.
    """

    kind = "process tree"

    def __init__(self, pid: int, label: str = "") -> None:
        if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
            raise ValueError(f"a PID must be a positive whole number, got {pid!r}.")
        try:
            self._root = psutil.Process(pid)
        except psutil.NoSuchProcess:
            raise ValueError(
                f"No process with PID {pid} is running; start the target first or check the PID."
            ) from None
        self.pid = pid
        prefix = f"{label}: " if label else ""
        self.description = f"{prefix}PID {pid} ({_name(self._root)}) and its children"
        self.notes: list[str] = []
        self.collector: str | None = None
        self._uss_denied: set[int] = set()
        self._named: set[int] = set()

    def _tree(self) -> list[psutil.Process]:
        try:
            if not self._root.is_running() or self._root.status() == psutil.STATUS_ZOMBIE:
                raise SourceGone(f"process {self.pid} exited")
            return [self._root, *self._root.children(recursive=True)]
        except psutil.NoSuchProcess:
            raise SourceGone(f"process {self.pid} exited") from None

    def sample(self) -> MemorySample:
        began = time.monotonic_ns()
        wall = time.time()
        rss = uss = 0
        files: int | None = 0
        threads = 0
        counted = 0
        for proc in self._tree():
            try:
                with proc.oneshot():
                    r, u = self._memory(proc)
                    t = proc.num_threads()
                    f = _open_files(proc)
            except psutil.NoSuchProcess:
                if proc.pid == self.pid:
                    raise SourceGone(f"process {self.pid} exited") from None
                continue  # a child exited between listing and reading
            except psutil.AccessDenied:
                self._note(f"PID {proc.pid} could not be read (access denied) and is left out.")
                continue
            self._spot_collector(proc)
            rss += r
            uss += u
            threads += t
            files = None if files is None or f is None else files + f
            counted += 1
        return MemorySample.reading(
            began,
            time.monotonic_ns(),
            wall,
            rss,
            uss=uss,
            open_files=files,
            threads=threads,
            processes=counted,
        )

    def _memory(self, proc: psutil.Process) -> tuple[int, int]:
        if proc.pid not in self._uss_denied:
            try:
                full = proc.memory_full_info()
                return full.rss, full.uss
            except psutil.AccessDenied:
                self._uss_denied.add(proc.pid)
                self._note(
                    f"USS of PID {proc.pid} is not permitted (smaps unreadable); its RSS is "
                    "counted as USS instead."
                )
        rss = proc.memory_info().rss
        return rss, rss

    def _note(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)

    def _spot_collector(self, proc: psutil.Process) -> None:
        # Each process is named once: a tree's members rarely change.
        if self.collector is not None or proc.pid in self._named:
            return
        self._named.add(proc.pid)
        self.collector = COLLECTED_RUNTIMES.get(_name(proc).lower())

    def mappings(self) -> MappingSnapshot | None:
        try:
            pids = [p.pid for p in self._tree()]
        except SourceGone:
            return None
        snapshot = snapshot_mappings(pids)
        if snapshot is None:
            self._note("Memory mappings could not be read (access denied); no breakdown.")
        return snapshot


class PrometheusSource:
    """`process_resident_memory_bytes` from a Prometheus text endpoint.

    Lets a gateway on another host be watched. The standard process
    collector gives RSS and open file descriptors, not USS or threads.
    """

    kind = "prometheus"

    def __init__(self, url: str, timeout_s: float = 5.0, label: str = "") -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(
                f"a metrics URL must start with http:// or https://, got {redact.url(url)!r}."
            )
        self.url = url
        # Descriptions, notes and errors are logged and saved with the result.
        self.shown = redact.url(url)
        where = f"{RSS_METRIC} at {self.shown}"
        self.description = f"{label}: {where}" if label else where
        self.notes = [f"USS and threads are not available from {self.shown}; RSS only."]
        self.collector: str | None = None
        self._timeout = timeout_s
        self._session = requests.Session()
        # urllib3 logs each request's URL, query included, at DEBUG level.
        redact.guard_logger("urllib3.connectionpool")

    def sample(self) -> MemorySample:
        began = time.monotonic_ns()
        wall = time.time()
        try:
            response = self._session.get(self.url, timeout=self._timeout)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise SampleFailed(f"{self.shown} did not answer: {redact.text(str(exc))}") from None
        ended = time.monotonic_ns()
        rss, files = parse_metrics(response.text, self.shown)
        if self.collector is None:
            self.collector = collector_in_metrics(response.text)
        return MemorySample.reading(began, ended, wall, rss, open_files=files)

    def mappings(self) -> MappingSnapshot | None:
        return None

    def close(self) -> None:
        self._session.close()


def parse_metrics(text: str, where: str = "the metrics page") -> tuple[int, int | None]:
    """RSS bytes and open file descriptors from Prometheus text exposition.

    Several series (one per worker, labelled) are summed: the target's
    memory is all of them.
    """
    rss: float | None = None
    files: float | None = None
    try:
        for family in text_string_to_metric_families(text):
            if family.name == RSS_METRIC:
                rss = sum(s.value for s in family.samples if s.name == RSS_METRIC)
            elif family.name == FDS_METRIC:
                files = sum(s.value for s in family.samples if s.name == FDS_METRIC)
    except ValueError as exc:
        raise ValueError(f"{where} is not Prometheus text format: {exc}") from None
    if rss is None:
        raise ValueError(
            f"{where} has no {RSS_METRIC}; point the monitor at an endpoint that exports "
            "Prometheus process metrics, or give a PID instead."
        )
    return int(rss), None if files is None else int(files)


def collector_in_metrics(text: str) -> str | None:
    """The collected runtime whose metrics a Prometheus page exports, if any."""
    for line in text.splitlines():
        for prefix, runtime in COLLECTED_RUNTIME_METRICS:
            if line.startswith(prefix):
                return runtime
    return None


def _open_files(proc: psutil.Process) -> int | None:
    """File descriptors: files, sockets and pipes, which is what leaks (POSIX only)."""
    try:
        return proc.num_fds()
    except psutil.AccessDenied:
        return None


def _name(proc: psutil.Process) -> str:
    try:
        return proc.name()
    except psutil.Error:
        return "?"
