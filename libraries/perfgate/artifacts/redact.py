"""What PerfGate may write: secrets shown as ``***``, request bodies as their length.

The only place that knows which names are secret. A name is secret when it
is ``Authorization``, ``Proxy-Authorization``, ``Cookie`` or ``Set-Cookie``,
or when it contains (case-insensitive, ``-`` and ``_`` alike) one of
`FRAGMENTS` or a fragment added with `add_names` (the libraries'
``secret_names`` import argument). The names apply to headers, query and
fragment parameters, environment variables and command-line flags.

Callers keep the real values for what they send and pass them through these
functions only where they write: a log line, the console, a result file, a
chart, the registry. The added names are process-wide, as Robot imports a
library once per process and every library writes through this module, and
they are passed on to child processes in PERFGATE_SECRET_NAMES: the reaper,
which writes the registry, is one.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, is_dataclass
from typing import Any
from urllib.parse import SplitResult, unquote_plus, urlsplit, urlunsplit

MASK = "***"
EXACT = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
FRAGMENTS = ("token", "secret", "password", "passwd", "key", "auth", "session")
NAMES_VARIABLE = "PERFGATE_SECRET_NAMES"

_added: set[str] = set()

# A URL inside free text; it ends at white space, a quote or an angle bracket.
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]+")
# name=value: a query parameter, --flag=value, NAME=value.
_PAIR = re.compile(r"(?P<name>[\w.\-]+)=(?P<value>[^\s&;,'\"]+)")
# "name": "value" in a JSON message template.
_JSON_PAIR = re.compile(r'"(?P<name>[^"\\]+)"(?P<sep>\s*:\s*)"(?P<value>(?:[^"\\]|\\.)*)"')
# Name: value as a whole line, e.g. a header given as a command-line argument.
_HEADER_LINE = re.compile(r"(?m)^(?P<name>[\w\-]+):(?P<sep>[ \t]*)(?P<value>\S.*)$")


def _normal(name: str) -> str:
    return str(name).strip().lower().replace("_", "-")


def add_names(names: str | Iterable[str] | None) -> tuple[str, ...]:
    """Adds secret name fragments (a list, or text separated by commas) for the whole process.

    Returns the fragments added, normalised (lower case, ``_`` as ``-``).
    """
    if names is None:
        return ()
    items = names.split(",") if isinstance(names, str) else [str(n) for n in names]
    added = tuple(_normal(n) for n in items if _normal(n))
    _added.update(added)
    if _added:
        os.environ[NAMES_VARIABLE] = ",".join(sorted(_added))
    return added


# Names a parent process added (see the module's docstring).
add_names(os.environ.get(NAMES_VARIABLE))


def names() -> tuple[str, ...]:
    """Every fragment in use: the built-in ones, then those added, sorted."""
    return (*FRAGMENTS, *sorted(_added))


def is_secret(name: object) -> bool:
    """True when a value under this header, parameter, variable or flag name is secret."""
    text = _normal(str(name)).lstrip("-")
    if not text:
        return False
    return text in EXACT or any(fragment in text for fragment in (*FRAGMENTS, *_added))


def _mask(match: re.Match[str]) -> str:
    if not is_secret(match["name"]):
        return match[0]
    start, end = match.span("value")
    return match[0][: start - match.start()] + MASK + match[0][end - match.start() :]


def text(value: str) -> str:
    """Free text (a message, an argument, a template) with every secret we can recognise masked:
    URLs, ``name=value`` pairs, JSON ``"name": "value"`` pairs and ``Name: value`` lines."""
    value = _URL.sub(lambda m: url(m[0]), str(value))
    value = _PAIR.sub(_mask, value)
    value = _JSON_PAIR.sub(_mask, value)
    return _HEADER_LINE.sub(_mask, value)


def header_line(value: str) -> str:
    """A header line as given, masked even when its colon is missing (``Authorization Bearer x``)."""
    first = value.split(None, 1)[0] if value.strip() else ""
    if is_secret(first.rstrip(":=")) and value.strip() != first:
        return f"{first} ***"
    return text(value)


def _params(part: str) -> str:
    pieces = []
    for piece in part.split("&"):
        name, sep, _ = piece.partition("=")
        pieces.append(f"{name}={MASK}" if sep and is_secret(unquote_plus(name)) else piece)
    return "&".join(pieces)


def _netloc(parts: SplitResult) -> str:
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return parts.netloc
    user, colon, _ = userinfo.partition(":")
    # A user name without a password is often the credential itself (https://TOKEN@host).
    return f"{user}:{MASK}@{host}" if colon else f"{MASK}@{host}"


def url(value: str) -> str:
    """The URL with its password and secret query (and fragment) parameters masked;
    unchanged, byte for byte, when there is nothing to mask."""
    value = str(value)
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. a broken IPv6 host: still mask what looks like a pair
        return _PAIR.sub(_mask, value)
    shown = parts._replace(
        netloc=_netloc(parts), query=_params(parts.query), fragment=_params(parts.fragment)
    )
    return value if shown == parts else urlunsplit(shown)


def headers(value: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> Any:
    """Headers as a dict (or a tuple of pairs, as given) with secret values masked."""
    pairs = value.items() if isinstance(value, Mapping) else value
    shown = [(str(k), MASK if is_secret(k) else text(str(v))) for k, v in pairs]
    return dict(shown) if isinstance(value, Mapping) else tuple(shown)


def env(value: Mapping[str, Any]) -> dict[str, str]:
    """Environment variables with secret values masked (and secrets inside the others)."""
    return {str(k): MASK if is_secret(k) else text(str(v)) for k, v in value.items()}


def argv(value: Sequence[str]) -> list[str]:
    """A command line with secrets masked: ``--token=x`` and ``--token x`` alike, ``NAME=x``,
    URLs and ``Name: value`` header arguments. The value after a secret flag is masked
    unless it starts with ``-`` (then the flag is taken to be a switch)."""
    shown: list[str] = []
    secret_flag = False
    for arg in map(str, value):
        if secret_flag and not arg.startswith("-"):
            shown.append(MASK)
            secret_flag = False
            continue
        secret_flag = arg.startswith("-") and "=" not in arg and is_secret(arg)
        shown.append(text(arg))
    return shown


def body(value: str | bytes | None) -> str:
    """What a request body may show: its length."""
    if value is None:
        return "<no body>"
    size = len(value.encode() if isinstance(value, str) else value)
    return f"<body: {size} bytes>"


class LogFilter(logging.Filter):
    """Masks secrets in the records of a library's own logger: Robot puts Python logging's
    DEBUG records in the log, and urllib3's quote every URL it requests."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit: keep the template only
            message = str(record.msg)
        record.msg, record.args = text(message), None
        return True


def guard_logger(name: str) -> None:
    """Masks secrets in what the stdlib logger ``name`` writes (once, however often called)."""
    target = logging.getLogger(name)
    if not any(isinstance(f, LogFilter) for f in target.filters):
        target.addFilter(LogFilter())


def _shown(name: str, value: Any) -> str:
    if isinstance(value, str) and name in ("url", "publish_url", "path"):
        return repr(url(value))
    if name == "headers" and isinstance(value, (Mapping, tuple, list)):
        return repr(headers(value))
    if (name == "body" or name.endswith("_body")) and isinstance(value, (str, bytes)):
        return body(value)
    return config(value)


def config(value: Any) -> str:
    """``repr()`` of a configuration (dataclasses, nested) as it may be logged: URLs, headers
    and text redacted, bodies (``body``, ``*_body`` fields) shown as their length."""
    if is_dataclass(value) and not isinstance(value, type):
        shown = [
            f"{f.name}={_shown(f.name, getattr(value, f.name))}" for f in fields(value) if f.repr
        ]
        return f"{type(value).__name__}({', '.join(shown)})"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k!r}: {config(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        items = [config(v) for v in value]
        if isinstance(value, tuple):
            return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
        return f"[{', '.join(items)}]"
    if isinstance(value, str):
        return repr(text(value))
    return repr(value)
