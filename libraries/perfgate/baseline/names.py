"""Baseline names and environment labels become path parts: validate them."""

from __future__ import annotations

import re

# Letters, digits, space, dot, dash, underscore; no path separators, no
# leading dot (hidden files, `..`) and no trailing space or dot.
_SAFE = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9 ._-]{0,118}[A-Za-z0-9_-])?")


def validate_name(name: str, what: str = "Baseline name") -> str:
    """Return `name` when it is safe as a file name, else raise a one-sentence error."""
    if not isinstance(name, str) or not _SAFE.fullmatch(name):
        raise ValueError(
            f"{what} {name!r} cannot be used as a file name: use 1-120 letters, digits, "
            "spaces, '.', '_' or '-', starting with a letter, digit or '_' and not ending in a "
            "space or '.'."
        )
    return name
