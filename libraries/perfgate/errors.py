"""The one error convention of PerfGate's keyword libraries.

A failure the user can act on (a bad argument, an unknown alias, a file that
is no result, a gateway that will not start) is one sentence, and Robot's
log shows that sentence alone: `PerfGateError` sets ``ROBOT_SUPPRESS_NAME``,
so log.html says "Unknown mode 'fanout'..." and not "ValueError: unknown
mode 'fanout'...".

The core keeps raising its own exceptions (``ValueError`` for bad input
above all), often starting in lower case because they are also read inside
other sentences. The keyword layer converts them in one place, with
`user_errors` on each keyword:

    @keyword
    @user_errors(ValueError, ConnectionError)
    def run_load_profile(self, ...): ...

Failed checks (``AssertionError``: a threshold breached, a leak found) are
verdicts, not errors, and pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class PerfGateError(Exception):
    """A user-facing failure: Robot shows the sentence, not the exception's name."""

    ROBOT_SUPPRESS_NAME = True


def sentence(text: object) -> str:
    """`text` as a sentence: a capital first letter and, on one line, a full stop at the end.

    A message of several lines (a gateway's last log lines after the
    sentence) or one already ending in a mark is left as it ends.
    """
    message = str(text).strip()
    if not message:
        return message
    first = message.split(maxsplit=1)[0]
    # An argument name ("time_scale must be ..."), a URL or a path may open a
    # message: written "Time_scale" or "Http://" it would name something that
    # does not exist.
    if not any(mark in first for mark in "_='\"`/"):
        message = message[0].upper() + message[1:]
    if "\n" not in message and (message[-1].isalnum() or message[-1] in "'\")"):
        message += "."
    return message


@contextmanager
def user_errors(*kinds: type[Exception]) -> Iterator[None]:
    """Re-raise `kinds` (default ``ValueError``) as a `PerfGateError` with the message as a sentence.

    Works as ``with user_errors(...):`` and as a decorator on a keyword.
    """
    converted = kinds or (ValueError,)
    try:
        yield
    except PerfGateError:
        raise
    except converted as exc:
        # Chained, so that Robot's DEBUG traceback still shows where a core error came from.
        raise PerfGateError(sentence(exc)) from exc
