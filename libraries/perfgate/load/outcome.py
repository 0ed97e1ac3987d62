"""The end of every load run, whatever its protocol: judged, saved, read back.

A protocol's runner (`perfgate.load.http.runner`, `perfgate.load.ws.runner`)
runs its load through `run_judged` with a `Watch` as the progress callback
(progress line, live metrics, the target watch, the live gate), judges the
result (`perfgate.load.gate.judge` with its metric lookup, then `conclude`: a
gateway that died or a load never answered fails, an early stop is marked
partial) and saves both. A run interrupted by Ctrl-C, a Robot timeout or a
failed worker is judged and saved all the same, marked partial, and handed to
``on_partial`` before the interruption goes on. An event protocol's runner is
a `Runner`: its run function, console line and judge put through the same
run, judge, save, so a new protocol writes none of it.
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
from functools import partial
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from perfgate.artifacts.paths import artifact_path, write_json_atomic
from perfgate.live.session import LiveProtocol, LiveRun, cluster_machines
from perfgate.live.settings import LiveSettings
from perfgate.load.console import ProgressPrinter
from perfgate.load.coordinator import note_on
from perfgate.load.gate import GateProgress, LiveGate, Verdict
from perfgate.load.targetwatch import EVENT_SIGNS, TargetSigns, TargetWatch
from perfgate.load.thresholds import Threshold


class SavedResult(Protocol):
    """What `save` needs of a result: its kind, its JSON form and a place for its path."""

    kind: str
    json_path: str | None

    def to_dict(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=SavedResult)
P = TypeVar("P", bound=GateProgress)


class Targeted(Protocol):
    """A protocol's configuration as the target watch (and live export) reads it."""

    @property
    def url(self) -> str: ...

    @property
    def cluster(self) -> str | None: ...


C = TypeVar("C", bound=Targeted)
C_contra = TypeVar("C_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)


@dataclass
class Outcome(Generic[R]):
    result: R
    verdict: Verdict
    json_path: Path


@dataclass
class Watch(Generic[P]):
    """The run's ``on_progress``: the progress line, the live metrics (`perfgate.live`), the
    target watch (`perfgate.load.targetwatch`: has the gateway died?), then the live gate;
    it returns ``"stop"`` (and says why on the console) the second either stops the run.
    `last` is the last second it saw: how far an interrupted run got; `stopped` the second
    it stopped the run at, the figure its reason gave (the seconds the workers still
    closed after it are kept, but the run stopped there)."""

    label: str
    console: Callable[[str], None] | None
    printer: Callable[[P], None] | None
    gate: LiveGate | None
    live: Callable[[P], None] | None = None
    target: TargetWatch | None = None
    last: P | None = None
    stopped: P | None = None

    def __call__(self, progress: P) -> str | None:
        self.last = progress
        if self.printer is not None:
            self.printer(progress)
        if self.live is not None:
            self.live(progress)
        if self.target is not None and self.target.check(progress):
            self._say(self.target.summary)
            return self._stop(progress)
        if self.gate is not None and self.gate.check(progress):
            if self.gate.stop is not None:
                self._say(self.gate.stop.describe())
            return self._stop(progress)
        return None

    def started(self, start_ns: int) -> None:
        """The run's start instant, for the live metrics' timestamps (`LiveRun.started`)."""
        starter = getattr(self.live, "started", None)
        if starter is not None:
            starter(start_ns)

    def _stop(self, progress: P) -> str:
        if self.stopped is None:
            self.stopped = progress
        return "stop"

    def _say(self, why: str) -> None:
        if self.console is not None:
            self.console(f"[{self.label}] stopping: {why}")

    def partial(self, why: str) -> str:
        """``Partial result: the run stopped at 4.2 s of 10 s (42%): <why>.``"""
        last = self.stopped if self.stopped is not None else self.last
        if last is None:
            return f"Partial result: the run stopped before its first second ended: {why}."
        done = last.elapsed_s / last.duration_s if last.duration_s > 0 else 1.0
        return (
            f"Partial result: the run stopped at {last.elapsed_s:,.1f} s of "
            f"{last.duration_s:,.4g} s ({min(done, 1.0):.0%}): {why.rstrip('.')}."
        )


def conclude(
    verdict: Verdict, result: Any, run: Watch[Any], signs: TargetSigns[Any, Any]
) -> Verdict:
    """`verdict` with what no threshold judges: the gateway that died (failing, partial), a
    load that never got one answer (failing), a stop by ``abort_on_fail`` (partial)."""
    down = run.target.down if run.target is not None else None
    if down is not None:
        verdict.faults.append(down)
        verdict.partial = run.partial("the gateway under test died")
    elif signs.answers(result) == 0:
        url = getattr(result, "url", "") or "the target"
        verdict.faults.append(
            f"The load never got one answer from {url}: nothing was measured, so the run "
            f"cannot pass whatever its thresholds."
        )
    if verdict.stop is not None and verdict.partial is None:
        verdict.partial = run.partial(f"abort_on_fail, {'; '.join(verdict.stop.reasons)}")
    return verdict


def stopped_by(exc: BaseException) -> str:
    """Why an exception ended a run, as the partial result says it."""
    name = type(exc).__name__
    text = str(exc).rstrip(".")
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted by Ctrl-C"
    if name == "ExecutionFailed":  # Robot's answer to a first Ctrl-C or a signal
        return f"Robot was stopped ({text})"
    if name == "TimeoutExceeded":  # Robot's test or keyword timeout
        return f"a Robot timeout ({text})"
    if isinstance(exc, SystemExit):
        return "forcefully stopped (a second Ctrl-C)"
    return f"{name}: {text}"


def live_run(
    settings: LiveSettings | None,
    label: str,
    protocol: LiveProtocol[P],
    thresholds: Sequence[Threshold],
    line: Callable[[P], str],
    cluster: str | None = None,
) -> LiveRun[P] | None:
    """The run's live side (`perfgate.live.session.LiveRun`), None when `settings` is;
    `cluster`: the run's (its per-machine series then name the workers' machines)."""
    if settings is None:
        return None
    return LiveRun(settings, label, protocol, thresholds, line, cluster_machines(cluster))


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
    """A protocol's run: `config` to its merged result, every worker reaped on every way out;
    `on_partial` gets what was measured when the run is interrupted, before the error goes on."""

    def __call__(
        self,
        config: C_contra,
        *,
        gateway: Any = None,
        on_progress: Callable[[Any], Any] | None = None,
        on_worker_started: Callable[[int], Any] | None = None,
        on_partial: Callable[[Any], None] | None = None,
    ) -> R_co: ...


@dataclass
class Ending(Generic[R]):
    """How a run's result is judged, saved and, when it is interrupted, reported as partial."""

    judge: Callable[[R], Verdict]
    signs: TargetSigns[Any, R]
    label: str
    directory: str | Path | None = None
    extra: Mapping[str, Any] | None = None
    # Logs an interrupted run's partial outcome before the interruption goes on.
    on_partial: Callable[[Outcome[R]], None] | None = None


def run_judged(
    run: Callable[..., R], watcher: Watch[Any], ending: Ending[R], live: LiveRun[Any] | None
) -> Outcome[R]:
    """`run(on_progress=, on_partial=)`, judged (`conclude`), saved; an interruption (Ctrl-C,
    a Robot timeout, a failed worker) after the first second saves what was measured, marked
    partial, and has `ending.on_partial` log it before the interruption goes on."""
    kept: list[R] = []
    with ending_live(live):
        try:
            result = run(on_progress=watcher, on_partial=kept.append)
        except BaseException as exc:
            if kept:
                _save_partial(kept[0], exc, watcher, ending)
            raise
        verdict = conclude(ending.judge(result), result, watcher, ending.signs)
        outcome = save(result, verdict, ending.label, ending.directory, ending.extra)
    end_live(live, outcome.verdict)
    return outcome


def _save_partial(result: R, exc: BaseException, watcher: Watch[Any], ending: Ending[R]) -> None:
    """The interrupted run's result judged, marked partial, saved and logged; a failure in
    doing so is noted on `exc`, which is what the user must see."""
    try:
        verdict = conclude(ending.judge(result), result, watcher, ending.signs)
        verdict.partial = watcher.partial(stopped_by(exc))
        outcome = save(result, verdict, ending.label, ending.directory, ending.extra)
        if ending.on_partial is not None:
            ending.on_partial(outcome)
    except Exception as failure:
        note_on(exc, f"PerfGate could not keep the partial result: {failure}")


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
    signs: TargetSigns[Any, R] = EVENT_SIGNS  # what its figures say of the target's life

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
        on_partial: Callable[[Outcome[R]], None] | None = None,
    ) -> Outcome[R]:
        """Run, judge, save; errors and interruptions propagate with every worker reaped,
        an interrupted run's partial result saved and given to `on_partial` first.
        `gateway` (a Gateway, PID or metrics URL) has its memory sampled during the run and
        is watched for its death; `live` sends its seconds to Prometheus and its live
        progress file."""
        label = self.label(config)
        printer = self.printer(console, label) if console is not None else None
        line = self.printer(_discard, label).line
        side = (
            live_run(live, label, self.live, thresholds, line, config.cluster)
            if self.live
            else None
        )
        target = TargetWatch(config.url, gateway, self.signs)
        watcher = Watch(label, console, printer, None, side, target)
        ending = Ending(lambda result: self.judge(result, thresholds), self.signs, label, directory)
        ending.on_partial = on_partial
        run = partial(self.run, config, gateway=gateway, on_worker_started=on_worker_started)
        return run_judged(run, watcher, ending, side)


def _discard(text: str) -> None:
    """A console that shows nothing: the live file takes the progress line itself."""
