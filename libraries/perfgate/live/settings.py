"""Where a run's live metrics go and what labels them: `LiveSettings`, made once per run
keyword from the library's ``prometheus_url=`` and Robot's runtime (`perfgate.robotenv`)."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from perfgate import robotenv

URL_VARIABLE = "PERFGATE_PROMETHEUS_URL"
RUN_ID_VARIABLE = "PERFGATE_RUN_ID"
WRITE_PATH = "/api/v1/write"
_RUN_ID_FILE = "perfgate-run-id"
_process_run_id: list[str] = []  # outside pabot: one id per Robot process, made once


@dataclass(frozen=True)
class LiveSettings:
    """`write_url` "" exports nothing; `directory` None writes no live progress file;
    `warn` says, once a run, that Prometheus did not take its samples; `info` gets the
    counts at the end of a run that exported."""

    write_url: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # run, suite, test, pabot, ...
    directory: Path | None = None
    warn: Callable[[str], None] | None = None
    info: Callable[[str], None] | None = None


def write_url(url: str) -> str:
    """Prometheus's base URL (``http://prom:9090``) or its remote-write URL, as the latter."""
    url = url.strip().rstrip("/")
    if not url:
        return ""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"prometheus_url must be an http:// or https:// URL, not {url!r}.")
    return url if url.endswith(("/write", "/push", "/receive")) else url + WRITE_PATH


def run_id(output_dir: Path) -> str:
    """``${PERFGATE_RUN_ID}`` when set (a CI build number); under pabot one id shared by
    every process of the run, kept in pabot's results directory (which pabot empties at
    its start); otherwise one id for this Robot process."""
    given = robotenv.setting(RUN_ID_VARIABLE)
    if given:
        return given
    shared = next((d for d in output_dir.parents if d.name == "pabot_results"), None)
    if shared is not None and robotenv.pabot_queue_index() is not None:
        return _shared_run_id(shared / _RUN_ID_FILE)
    if not _process_run_id:
        _process_run_id.append(_new_id())
    return _process_run_id[0]


def _new_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def _shared_run_id(path: Path) -> str:
    """The first process writes the id (a hard link makes it appear whole, once); the
    others read it."""
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(_new_id(), encoding="utf-8")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process was first: its id is the run's
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text(encoding="utf-8").strip()


@dataclass(frozen=True)
class LibraryExport:
    """A library's ``prometheus_url=`` (None: ``${PERFGATE_PROMETHEUS_URL}`` decides, at each
    use) and where its messages go; `settings` are those of one monitor or comparison."""

    prometheus_url: str | None = None
    warn: Callable[[str], None] | None = None
    info: Callable[[str], None] | None = None

    def __post_init__(self) -> None:
        write_url(self.prometheus_url or "")  # a malformed URL fails the import

    def settings(self, gateway: str = "") -> LiveSettings | None:
        """None when nothing is exported (no URL given or set)."""
        if not write_url(self.prometheus_url or robotenv.setting(URL_VARIABLE)):
            return None
        return self.run_settings(gateway)

    def run_settings(self, gateway: str = "") -> LiveSettings:
        """A load run's: it has a live progress file even when nothing goes to Prometheus."""
        return from_robot(self.prometheus_url, gateway=gateway, warn=self.warn, info=self.info)


def from_robot(
    prometheus_url: str | None,
    *,
    gateway: str = "",
    warn: Callable[[str], None] | None = None,
    info: Callable[[str], None] | None = None,
) -> LiveSettings:
    """The settings of a run keyword: `prometheus_url` (the import argument) or
    ``${PERFGATE_PROMETHEUS_URL}``; labels from Robot's runtime; the live progress file
    under ``${OUTPUT DIR}/perfgate/live`` while Robot runs (none outside it)."""
    url = write_url(prometheus_url or robotenv.setting(URL_VARIABLE))
    if not robotenv.running():  # no run, test or output directory: only what was given
        return LiveSettings(url, {"gateway": gateway} if gateway else {}, None, warn, info)
    out = robotenv.output_dir()
    test, suite = robotenv.test_and_suite()
    labels = {
        "run": run_id(out),
        "suite": suite,
        "test": test,
        "pabot": robotenv.pabot_queue_index() or "",
        "gateway": gateway,
        "machine": socket.gethostname(),
    }
    return LiveSettings(url, labels, out / "perfgate" / "live", warn, info)
