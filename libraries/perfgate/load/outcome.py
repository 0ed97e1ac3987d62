"""The end of every load run, whatever its protocol: judged, saved, read back.

A protocol's runner (`perfgate.load.http.runner`, `perfgate.load.ws.runner`)
runs its load with `watch` as the progress callback, judges the result
(`perfgate.load.gate.judge` with its metric lookup) and hands both to `save`.
An event protocol's runner is a `Runner`: its run function, console line and
judge put through the same run, judge, save, so a new protocol writes none of it.
The result is saved as JSON before anything is asserted, so a failing test
keeps its data: the result's own ``to_dict()``, then ``verdict``, then the
protocol's extra keys (HTTP's ``plan``), and ``json_path`` - at the end, or
where the result's own dict already holds it. The file is named by the
result's ``kind`` and the run's label under the output directory
(`perfgate.artifacts.paths.artifact_path`) and written atomically.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from perfgate.artifacts.paths import artifact_path, write_json_atomic
from perfgate.live.session import LiveProtocol, LiveRun
from perfgate.live.settings import LiveSettings
from perfgate.load.console import ProgressPrinter
from perfgate.load.gate import GateProgress, LiveGate, Verdict
from perfgate.load.thresholds import Threshold


class SavedResult(Protocol):
    """What `save` needs of a result: its kind, its JSON form and a place for its path."""

    kind: str
    json_path: str | None

    def to_dict(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=SavedResult)
P = TypeVar("P", bound=GateProgress)
C = TypeVar("C")
C_contra = TypeVar("C_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)


@dataclass
class Outcome(Generic[R]):
    result: R
    verdict: Verdict
    json_path: Path


def watch(
    label: str,
    console: Callable[[str], None] | None,
    printer: Callable[[P], None] | None,
    gate: LiveGate | None,
    live: Callable[[P], None] | None = None,
) -> Callable[[P], str | None]:
    """The run's ``on_progress``: the progress line, the live metrics (`perfgate.live`),
    then the live gate, which returns ``"stop"`` (and says why on the console) the second
    a threshold stops the run."""

    def on_progress(progress: P) -> str | None:
        if printer is not None:
            printer(progress)
        if live is not None:
            live(progress)
        if gate is not None and gate.check(progress):
            if console is not None and gate.stop is not None:
                console(f"[{label}] stopping: {gate.stop.describe()}")
            return "stop"
        return None

    return on_progress


def live_run(
    settings: LiveSettings | None,
    label: str,
    protocol: LiveProtocol[P],
    thresholds: Sequence[Threshold],
    line: Callable[[P], str],
) -> LiveRun[P] | None:
    """The run's live side (`perfgate.live.session.LiveRun`), None when `settings` is."""
    if settings is None:
        return None
    return LiveRun(settings, label, protocol, thresholds, line)


@contextmanager
def ending_live(live: LiveRun[Any] | None) -> Iterator[None]:
    """Around a run: a run that raises ends its live side as ``error`` (files marked,
    queued samples sent) before the error goes on."""
    try:
        yield
    except BaseException:
        if live is not None:
            live.finish("error")
        raise


def end_live(live: LiveRun[Any] | None, verdict: Verdict) -> None:
    """A judged and saved run's live side ended as ``passed`` or ``failed``."""
    if live is not None:
        live.finish("failed" if verdict.failed else "passed")


def save(
    result: R,
    verdict: Verdict,
    label: str,
    directory: str | Path | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Outcome[R]:
    """Save `result` with its verdict (and `extra` keys) as JSON; the path is set on it."""
    path = artifact_path(result.kind, label, ".json", directory)
    result.json_path = str(path)
    data = result.to_dict()
    data["verdict"] = verdict.to_dict()
    data.update(extra or {})
    data["json_path"] = str(path)
    write_json_atomic(path, data)
    return Outcome(result, verdict, path)


def read_saved(path: str | Path, what: str, build: Callable[[dict[str, Any]], R]) -> R:
    """The result `save` wrote to `path`, rebuilt by `build` from the JSON; a `ValueError`
    naming `what` (``"load result"``) when the file cannot be read or holds something else."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        result = build(data)
    except OSError as exc:
        raise ValueError(f"cannot read a {what} from {str(path)!r}: {exc.strerror}.") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{str(path)!r} does not hold a saved {what} ({exc}).") from None
    result.json_path = str(path)
    return result


class RunLoad(Protocol[C_contra, R_co]):
    """A protocol's run: `config` to its merged result, every worker reaped on every way out."""

    def __call__(
        self,
        config: C_contra,
        *,
        gateway: Any = None,
        on_progress: Callable[[Any], Any] | None = None,
        on_worker_started: Callable[[int], Any] | None = None,
    ) -> R_co: ...


@dataclass(frozen=True)
class Runner(Generic[C, R]):
    """One protocol's load from config to saved result: its `run`, its console line
    (`printer(write, label)`), its `judge` and the run's `label` (console, file name),
    put through run, judge, save - in that order."""

    run: RunLoad[C, R]
    printer: Callable[[Callable[[str], None], str], ProgressPrinter[Any]]
    judge: Callable[[R, Sequence[Threshold]], Verdict]
    label: Callable[[C], str]
    live: LiveProtocol[Any] | None = None  # what its progress gives live (perfgate.live)

    def execute(
        self,
        config: C,
        thresholds: Sequence[Threshold],
        *,
        gateway: Any = None,
        console: Callable[[str], None] | None = None,
        on_worker_started: Callable[[int], Any] | None = None,
        directory: str | Path | None = None,
        live: LiveSettings | None = None,
    ) -> Outcome[R]:
        """Run, judge, save; errors and interruptions propagate with every worker reaped.
        `gateway` (a Gateway, PID or metrics URL) has its memory sampled during the run;
        `live` sends its seconds to Prometheus and its live progress file."""
        label = self.label(config)
        printer = self.printer(console, label) if console is not None else None
        line = self.printer(_discard, label).line
        side = live_run(live, label, self.live, thresholds, line) if self.live else None
        with ending_live(side):
            result = self.run(
                config,
                gateway=gateway,
                on_progress=watch(label, console, printer, None, side),
                on_worker_started=on_worker_started,
            )
            outcome = save(result, self.judge(result, thresholds), label, directory)
        end_live(side, outcome.verdict)
        return outcome


def _discard(text: str) -> None:
    """A console that shows nothing: the live file takes the progress line itself."""
