"""Where a measurement was taken: the environment fingerprint.

Numbers from a 2-core CI runner and a 32-core workstation must never be
compared as if they were the same machine. The fingerprint hashes what
changes performance (CPU model, cores, memory, OS and architecture, the
Python and PerfGate minor versions); patch versions and the kernel release
are recorded for the reader but left out of the hash, so a routine patch
update does not orphan every baseline.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

import perfgate


@dataclass(frozen=True)
class Fingerprint:
    cpu_model: str
    cores: int
    memory_gib: int
    os: str
    os_release: str
    python: str
    perfgate: str

    @property
    def digest(self) -> str:
        """Short stable hash of the fields that change performance."""
        hashed = {
            "cpu_model": self.cpu_model,
            "cores": self.cores,
            "memory_gib": self.memory_gib,
            "os": self.os,
            "python": _minor(self.python),
            "perfgate": _minor(self.perfgate),
        }
        canonical = json.dumps(hashed, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:10]

    @property
    def default_label(self) -> str:
        return f"env-{self.digest}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "digest": self.digest}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fingerprint:
        return cls(
            cpu_model=str(data["cpu_model"]),
            cores=int(data["cores"]),
            memory_gib=int(data["memory_gib"]),
            os=str(data["os"]),
            os_release=str(data.get("os_release", "")),
            python=str(data["python"]),
            perfgate=str(data["perfgate"]),
        )


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Hardware", "cpu model") and value.strip():
                return " ".join(value.split())
    return platform.processor() or platform.machine() or "unknown"


def current_fingerprint() -> Fingerprint:
    # Cores the process may use, not the host's: containers are often limited.
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return Fingerprint(
        cpu_model=_cpu_model(),
        cores=cores,
        memory_gib=round(psutil.virtual_memory().total / 2**30),
        os=f"{platform.system()} {platform.machine()}",
        os_release=platform.release(),
        python=platform.python_version(),
        perfgate=perfgate.__version__,
    )
