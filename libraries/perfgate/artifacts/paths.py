"""Files PerfGate writes beside log.html: names no pabot process collides on, atomic JSON, links.

Every keyword that saves a result (load runs, WebSocket runs, memory) goes
through here, so that:

- files land in ``${OUTPUT DIR}/perfgate/`` (the current directory when
  Robot Framework is not running);
- a name is ``<kind>-<label>-q<queue>-p<pid>-<n><suffix>``: pabot's queue
  index (the Robot *variable* ``${PABOTQUEUEINDEX}``; pabot does not put it
  in the environment), the process id and a per-process counter, so
  parallel processes writing into one directory never overwrite each other
  and a file left by an earlier run into the same directory is never reused;
- JSON is written atomically and durably (`perfgate.artifacts.atomic`), readable
  by everyone unless a caller asks for another mode, with NaN and
  infinities written as ``null``;
- links in log.html still work after pabot merges the logs of its processes.

    path = save_json_artifact(result.to_dict(), "load", "checkout")
    logger.info(f"Result saved as {link_html(path)}", html=True)
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import threading
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any, TypeVar

from perfgate import robotenv
from perfgate.artifacts.atomic import replace_file

ARTIFACT_SUBDIR = "perfgate"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_counter = itertools.count(1)
_counter_lock = threading.Lock()
R = TypeVar("R")


def safe_name(text: str, fallback: str = "run") -> str:
    """`text` as a file-name fragment: letters, digits, ``_ . -``; `fallback` when empty."""
    cleaned = _UNSAFE.sub("_", str(text)).strip("_.")[:60]
    return cleaned or fallback


def artifact_path(
    kind: str,
    label: str = "",
    suffix: str = ".json",
    directory: str | os.PathLike[str] | None = None,
) -> Path:
    """A fresh path ``<dir>/<kind>-<label>-q<queue>-p<pid>-<n><suffix>``; creates ``<dir>``.

    `directory` defaults to ``${OUTPUT DIR}/perfgate``. The queue part is
    ``q0`` when not run by pabot. The path does not exist yet.
    """
    if not suffix.startswith(".") or _UNSAFE.search(suffix):
        raise ValueError(f"suffix must look like '.json', not {suffix!r}.")
    folder = Path(directory) if directory is not None else robotenv.output_dir() / ARTIFACT_SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    stem = safe_name(kind, "artifact")
    if label:
        stem += "-" + safe_name(label)
    queue = safe_name(robotenv.pabot_queue_index() or "0", "0")
    while True:
        with _counter_lock:
            n = next(_counter)
        path = folder / f"{stem}-q{queue}-p{os.getpid()}-{n:03d}{suffix}"
        # A file of an earlier run into the same directory may carry this
        # very name (pids are reused); skip past it rather than overwrite it.
        if not path.exists():
            return path


def json_safe(value: Any) -> Any:
    """`value` with every non-finite float replaced by None (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def write_json_atomic(
    path: str | os.PathLike[str], data: Any, indent: int | None = 1, *, mode: int = 0o644
) -> Path:
    """Write `data` as JSON to `path` atomically and durably with `mode` (see atomicfile)."""
    payload = json.dumps(json_safe(data), indent=indent, allow_nan=False)
    return replace_file(path, payload + "\n", mode=mode)


def save_json_artifact(
    data: Any,
    kind: str,
    label: str = "",
    directory: str | os.PathLike[str] | None = None,
) -> Path:
    """`write_json_atomic` to a fresh `artifact_path`; returns the path written."""
    return write_json_atomic(artifact_path(kind, label, ".json", directory), data)


def link_href(path: str | os.PathLike[str]) -> str:
    """The href that reaches `path` from log.html, also after pabot merged the logs.

    A pabot process writes into ``<out>/pabot_results/<n>/`` with no log of
    its own; pabot's merge turns ``href="../../x"`` into ``href="x"``, so
    a link written relative to ``<out>`` behind ``../../`` is right in the
    merged log.html in ``<out>``.
    """
    target = Path(path).resolve()
    out = robotenv.output_dir().resolve()
    log_file = str(robotenv.variable("LOG FILE") or "NONE")
    if log_file.upper() != "NONE":
        base = Path(log_file).resolve().parent
    elif robotenv.pabot_queue_index() is not None and out.parent.name == "pabot_results":
        return "../../" + os.path.relpath(target, out.parent.parent).replace(os.sep, "/")
    else:
        base = out
    return os.path.relpath(target, base).replace(os.sep, "/")


def link_html(path: str | os.PathLike[str], text: str | None = None) -> str:
    """An ``<a>`` element for log.html (log with ``html=True``) pointing at `path`."""
    shown = Path(path).name if text is None else text
    return f'<a href="{escape(link_href(path))}">{escape(shown)}</a>'


def read_json_artifact(path: str | os.PathLike[str], what: str, build: Callable[[Any], R]) -> R:
    """What `build` makes of the JSON saved at `path` (a result file written here).

    One sentence (ValueError) naming `what` (``"memory result"``) when the file
    cannot be read, is not JSON, or holds something `build` refuses with a
    ValueError, TypeError or KeyError.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read a {what} from {str(path)!r}: {exc.strerror}.") from None
    except ValueError as exc:  # undecodable bytes too (UnicodeDecodeError)
        raise ValueError(f"{str(path)!r} is not JSON ({exc}).") from None
    try:
        return build(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{str(path)!r} does not hold a saved {what} ({exc}).") from None


def result_or_saved(
    value: Any, result_type: type[R], read_saved: Callable[[str | Path], R], made_by: str
) -> R:
    """`value` if it is a `result_type`, else the result read back from the JSON file `value`.

    Every assertion keyword takes a result or the path of its saved file, so
    a run can be judged again later. `made_by` names the keywords that return
    such a result, for the one sentence (ValueError) that anything else gets.
    """
    if isinstance(value, result_type):
        return value
    if isinstance(value, (str, os.PathLike)) and str(value).endswith(".json"):
        return read_saved(Path(value))
    raise ValueError(
        f"expected the result of {made_by} (or the path of its saved JSON file), "
        f"got {type(value).__name__}."
    )
