"""Load profiles: named load shapes, built in or read from YAML/JSON files.

A profile is a load model and its stages (see `perfgate.load.stages`):

- **closed** model: stage targets are clients (virtual users), each sending
  its next request when the previous one is answered;
- **open** model: stage targets are arrival rates in requests per second,
  sent on schedule whether or not earlier requests have been answered.

The first ``warmup`` seconds of the timeline are run but left out of the
statistics. Built-in profiles are listed by `profile_table` (shaped after
common k6 profiles); the ``breakpoint`` profile raises the rate until a
threshold breaks and the run stops there.

Arguments override a profile (`resolve`), in this order: ``stages`` replace
the stages; ``duration`` stretches or shrinks every stage (and the default
warm-up) proportionally to the new total; ``clients`` (closed) or ``rate``
(open) rescale the targets so the peak is that value; ``warmup`` replaces the
warm-up; finally ``time_scale`` multiplies every duration and the warm-up
(e.g. 0.01 to run a 9-minute profile in 5.4 s in CI).

A profile file is a YAML or JSON mapping::

    name: checkout-peak          # optional, defaults to the file name
    model: open                  # closed (clients) or open (requests per second)
    description: Morning peak    # optional
    warmup: 10s                  # optional, default 0
    stop_on_threshold: false     # optional, stop the run when a threshold breaks
    stages: 30s:50, 2m:200, 30s:0
    # or a list, each item "duration:target" or {duration: 30s, target: 50}

Give the file by path, or by name (with or without ``.yaml``/``.yml``/
``.json``) relative to a search directory or its ``profiles/`` folder (e.g.
``resources/profiles/checkout-peak.yaml`` as ``checkout-peak``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from perfgate.load.files import did_you_mean, locate, read_data, searched
from perfgate.load.stages import (
    Stage,
    format_stages,
    parse_stages,
    scale_target,
    scale_time,
    total_duration,
    with_duration,
)
from perfgate.measure.units import parse_duration

Model = Literal["closed", "open"]
_FILE_KEYS = {"name", "model", "description", "warmup", "stop_on_threshold", "stages"}


@dataclass(frozen=True)
class Profile:
    """A named load shape: closed (clients) or open (req/s) stages and a warm-up."""

    name: str
    model: Model
    stages: tuple[Stage, ...]
    warmup_s: float
    description: str
    stop_on_threshold: bool = False

    @property
    def duration_s(self) -> float:
        return total_duration(self.stages)

    @property
    def peak(self) -> float:
        """The largest target: clients for closed profiles, req/s for open ones."""
        return max((s.target for s in self.stages), default=0.0)


def _builtin(
    name: str,
    model: Model,
    stages: str,
    description: str,
    warmup_s: float = 0.0,
    stop_on_threshold: bool = False,
) -> Profile:
    return Profile(
        name, model, tuple(parse_stages(stages)), warmup_s, description, stop_on_threshold
    )


BUILTIN_PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        _builtin("smoke", "closed", "0s:1, 30s:1", "1 client for 30 s: does it work at all?"),
        _builtin(
            "load",
            "closed",
            "2m:10, 5m:10, 2m:0",
            "Typical load: ramp up to 10 clients, hold 5 min, ramp down.",
        ),
        _builtin(
            "stress",
            "closed",
            "2m:10, 5m:50, 2m:100, 5m:100, 5m:0",
            "Beyond typical load in steps up to 100 clients, then recovery.",
        ),
        _builtin(
            "soak",
            "closed",
            "5m:10, 60m:10, 5m:0",
            "Typical load held for an hour: leaks, slow degradation, exhaustion.",
        ),
        _builtin(
            "spike",
            "closed",
            "1m:5, 10s:100, 3m:100, 10s:5, 3m:5, 1m:0",
            "A sudden surge from 5 to 100 clients and back: survival and recovery.",
        ),
        _builtin(
            "ramp-up",
            "closed",
            "5m:50",
            "Clients rise linearly from 0 to 50: where does latency bend?",
        ),
        _builtin(
            "ramp-down",
            "closed",
            "0s:50, 5m:0",
            "Clients fall linearly from 50 to 0: does the system recover?",
        ),
        _builtin(
            "constant",
            "closed",
            "0s:10, 1m:10",
            "A fixed number of clients (10) for a fixed time (1 min).",
            warmup_s=5.0,
        ),
        _builtin(
            "constant-rate",
            "open",
            "0s:50, 1m:50",
            "A fixed arrival rate (50 req/s) for 1 min, whatever the latency.",
            warmup_s=5.0,
        ),
        _builtin(
            "breakpoint",
            "open",
            "10m:1000",
            "Rate rises linearly to 1000 req/s; the run stops when a threshold breaks.",
            stop_on_threshold=True,
        ),
    )
}


def profile_table() -> list[tuple[str, str, str, str]]:
    """(name, model, stages, description) of every built-in profile, for keyword docs."""
    return [
        (p.name, p.model, format_stages(p.stages), _describe(p)) for p in BUILTIN_PROFILES.values()
    ]


def _describe(profile: Profile) -> str:
    if profile.warmup_s > 0:
        return f"{profile.description} Warm-up {profile.warmup_s:g} s."
    return profile.description


def get_profile(name_or_path: str | Path, search_dirs: Sequence[Path] = ()) -> Profile:
    """A built-in profile by name, or a profile read from a YAML/JSON file."""
    text = str(name_or_path).strip()
    key = text.lower().replace("_", "-")
    if key in BUILTIN_PROFILES:
        return BUILTIN_PROFILES[key]
    path = locate(text, search_dirs, "profiles")
    if path is None:
        hint = did_you_mean(key, search_dirs, "profiles", list(BUILTIN_PROFILES))
        raise ValueError(
            f"unknown load profile {text!r}{hint}; choose one of {', '.join(BUILTIN_PROFILES)} "
            f"or a .yaml/.json file (searched {searched(text, search_dirs, 'profiles')})."
        )
    return load_profile_file(path)


def load_profile_file(path: Path) -> Profile:
    """Read and validate one profile file; errors name the file and the problem."""
    data = read_data(path, "profile")
    if data is None:
        raise ValueError(f"profile file {path} is empty; give at least 'model' and 'stages'.")
    if not isinstance(data, dict):
        raise ValueError(
            f"profile file {path} must hold a mapping with at least 'model' and 'stages', "
            f"not {type(data).__name__}."
        )
    unknown = sorted(set(map(str, data)) - _FILE_KEYS)
    if unknown:
        raise ValueError(
            f"profile file {path} has unknown key(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(_FILE_KEYS))}."
        )
    return _profile_from_mapping(data, path)


def _profile_from_mapping(data: dict[str, Any], path: Path) -> Profile:
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"profile file {path} has an invalid name {name!r}; give text.")
    model = data.get("model")
    if model not in ("closed", "open"):
        raise ValueError(
            f"profile file {path} needs 'model: closed' (clients) or 'model: open' "
            f"(requests per second), not {model!r}."
        )
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ValueError(f"profile file {path} has a description that is not text.")
    stop = data.get("stop_on_threshold", False)
    if not isinstance(stop, bool):
        raise ValueError(f"profile file {path} needs true or false for stop_on_threshold.")
    try:
        warmup = parse_duration(data.get("warmup", 0))
        stages = _stages_from(data.get("stages"))
    except ValueError as error:
        raise ValueError(f"profile file {path}: {error}") from None
    profile = Profile(name.strip(), model, tuple(stages), warmup, description.strip(), stop)
    try:
        _check(profile)
    except ValueError as error:
        raise ValueError(f"profile file {path}: {error}") from None
    return profile


def _stages_from(value: Any) -> list[Stage]:
    if value is None:
        raise ValueError("'stages' is missing; give e.g. stages: 30s:10, 1m:50, 30s:0.")
    if isinstance(value, str):
        return parse_stages(value)
    if not isinstance(value, list) or not value:
        raise ValueError("'stages' must be text like '30s:10, 1m:50' or a non-empty list.")
    stages: list[Stage] = []
    for item in value:
        if isinstance(item, str):
            stages.extend(parse_stages(item))
        elif isinstance(item, dict) and set(item) == {"duration", "target"}:
            target = item["target"]
            if isinstance(target, bool) or not isinstance(target, (int, float)):
                raise ValueError(f"stage {item} needs a number as its target.")
            stages.append(Stage(parse_duration(item["duration"]), float(target)))
        else:
            raise ValueError(
                f"stage {item!r} must be 'duration:target' or {{duration: 30s, target: 10}}."
            )
    return stages


def _check(profile: Profile) -> None:
    """One-sentence errors for a profile that cannot run."""
    if not profile.stages:
        raise ValueError(f"profile {profile.name!r} has no stages; give e.g. '30s:10'.")
    if profile.duration_s <= 0:
        raise ValueError(f"profile {profile.name!r} lasts 0 seconds; give stages a duration.")
    if profile.peak <= 0:
        raise ValueError(f"every stage target of profile {profile.name!r} is 0.")
    if not (math.isfinite(profile.warmup_s) and 0 <= profile.warmup_s < profile.duration_s):
        raise ValueError(
            f"the warm-up of profile {profile.name!r} ({profile.warmup_s:g} s) must be shorter "
            f"than the run ({profile.duration_s:g} s)."
        )


def resolve(
    profile: Profile,
    *,
    clients: float | None = None,
    rate: float | None = None,
    duration_s: float | None = None,
    stages: str | Sequence[Stage] | None = None,
    warmup_s: float | None = None,
    time_scale: float = 1.0,
) -> Profile:
    """`profile` with the given overrides applied (see the module doc for the order)."""
    if clients is not None and profile.model == "open":
        raise ValueError(
            f"profile {profile.name!r} is an open model driven by a request rate; "
            f"give rate=... (e.g. rate=200) instead of clients=..."
        )
    if rate is not None and profile.model == "closed":
        raise ValueError(
            f"profile {profile.name!r} is a closed model driven by a number of clients; "
            f"give clients=... (e.g. clients=20) instead of rate=..., or use 'constant-rate'."
        )
    if clients is not None and not (
        math.isfinite(clients) and clients >= 1 and float(clients).is_integer()
    ):
        raise ValueError(f"clients must be a whole number of at least 1, not {clients!r}.")
    if rate is not None and not (math.isfinite(rate) and rate > 0):
        raise ValueError(f"rate must be a number of requests per second above 0, not {rate!r}.")
    if not (math.isfinite(time_scale) and time_scale > 0):
        raise ValueError(f"time_scale must be a number above 0, not {time_scale!r}.")

    shaped: list[Stage] = list(profile.stages)
    warmup = profile.warmup_s
    if stages is not None:
        shaped = parse_stages(stages) if isinstance(stages, str) else list(stages)
        if not shaped:
            raise ValueError("stages=... is empty; give e.g. '30s:10, 1m:50, 30s:0'.")
    if duration_s is not None:
        before = total_duration(shaped)
        shaped = with_duration(shaped, duration_s)
        if before > 0:
            warmup *= duration_s / before
    peak = clients if clients is not None else rate
    if peak is not None:
        shaped = scale_target(shaped, float(peak))
    if warmup_s is not None:
        if not (math.isfinite(warmup_s) and warmup_s >= 0):
            raise ValueError(f"warmup must be a number of seconds >= 0, not {warmup_s!r}.")
        warmup = warmup_s
    shaped = scale_time(shaped, time_scale)
    warmup *= time_scale
    resolved = dataclasses.replace(profile, stages=tuple(shaped), warmup_s=warmup)
    _check(resolved)
    return resolved
