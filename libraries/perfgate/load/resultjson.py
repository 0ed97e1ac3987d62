"""How every load result (HTTP, WebSocket) goes to JSON and comes back.

A statistic of no samples is NaN in memory and null in JSON
(`perfgate.artifacts.paths.json_safe` on the way out, `null_to_nan` on the
way back); `number` gives a metric lookup None for it, so a threshold on a
figure that was not measured fails instead of passing. `saved_fields`
checks a saved dict is a result of the expected kind and keeps the keys the
result class declares (a saved file holds more: ``verdict``, ``plan``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import fields
from typing import Any

NAN = math.nan


def number(value: Any) -> float | None:
    """A measured figure as a float; None for None, NaN and infinities."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return float(value)


def defaults_to_nan(cls: type) -> frozenset[str]:
    """The fields of the dataclass `cls` whose default is NaN: its statistics."""
    return frozenset(
        f.name for f in fields(cls) if isinstance(f.default, float) and math.isnan(f.default)
    )


def null_to_nan(
    data: Mapping[str, Any], nullable: Collection[str] | Callable[[str], bool]
) -> dict[str, Any]:
    """`data` with the statistics saved as null (no samples) back as NaN; `nullable` names
    them (a collection of keys, or a test on the key)."""
    test = nullable if callable(nullable) else nullable.__contains__
    return {k: (NAN if v is None and test(k) else v) for k, v in data.items()}


def saved_fields(
    cls: type, data: Any, kind: str, what: str, skip: Collection[str] = ()
) -> dict[str, Any]:
    """The items of `data` the dataclass `cls` declares (but `skip`); ValueError naming
    `what` unless `data` is a dict of this `kind`."""
    if not isinstance(data, dict) or data.get("kind") != kind:
        raise ValueError(f"not a {what}: expected a dict with kind {kind!r}.")
    names = {f.name for f in fields(cls)}.difference(skip)
    return {k: v for k, v in data.items() if k in names}
