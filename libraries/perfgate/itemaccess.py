"""Fields read as items as well as attributes, for Robot Framework users.

The JSON form of a result shows a nested summary as a dictionary
(`"service": {"p50": ...}`), so a Robot user writes `${result.service['p50']}`
(extended variable syntax) or `${result.service}[p50]` (item syntax) as
readily as `${result.service.p50}`: a dataclass with `ItemAccess` among its
bases answers all three. Only field names are items; the object does not
become a mapping (no `keys()`, no iteration), so Robot still logs and
passes it as the object it is.
"""

from __future__ import annotations

from typing import Any


class ItemAccess:
    """`obj["name"]` is `obj.name` for every dataclass field `name`; KeyError otherwise."""

    __slots__ = ()
    __iter__ = None  # an item lookup must not make the object look iterable

    def __getitem__(self, name: str) -> Any:
        names: dict[str, Any] = getattr(self, "__dataclass_fields__", {})
        if isinstance(name, str) and name in names:
            return getattr(self, name)
        raise KeyError(f"{type(self).__name__} has no field {name!r}; fields: {', '.join(names)}")
