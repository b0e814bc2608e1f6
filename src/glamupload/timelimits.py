"""Time limits on work a batch's own files ask for: a regular expression in a crosswalk, a page template.

Python's ``re`` has no timeout, and a pattern with nested repeats (``(a+)+$``) backtracks for hours on a
50-character value; a Jinja template has no step limit (``range`` in ``range``). Both would hang a dry
run without a word. CPython checks for signals while it matches and between bytecodes, so an interval
timer (``SIGALRM``) interrupts either: the handler raises :class:`TooSlow` there, and the caller, which
knows what was slow, turns it into one line naming the pattern or template and the record.

Only a process's main thread receives signals. Planning runs there, in the parent and in each worker;
a library caller's own thread runs the work unlimited, as Python would.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

#: Seconds a single regular-expression search, or a page template's rendering of one page, may take.
#: Either takes microseconds to milliseconds when it is sound, so reaching this is a mistake, not load.
LIMIT_SECONDS = 10.0


class TooSlow(Exception):
    """The limit passed (raised from the signal handler, inside the slow work)."""


_armed = False


def _expired(signum: int, frame: FrameType | None) -> None:
    if _armed:  # a timer that fired as the work ended is not the work's
        raise TooSlow


def _python_handled() -> bool:
    """Whether SIGALRM's handler is Python's to replace and put back (None: one set in C, left alone)."""
    return signal.getsignal(signal.SIGALRM) is not None


@contextmanager
def limited(seconds: float | None = None) -> Iterator[None]:
    """Run the block with a time limit, raising :class:`TooSlow` inside it when the limit passes.

    Nested limits keep the outer one; a timer of the program's own is left alone (the block then runs
    unlimited), and so is any thread but the main one."""
    global _armed
    if _armed or threading.current_thread() is not threading.main_thread() or not _python_handled():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _expired)
    outer = signal.setitimer(signal.ITIMER_REAL, LIMIT_SECONDS if seconds is None else seconds)
    if outer[0]:  # the program's own timer is running: it stands, and this block runs unlimited
        signal.setitimer(signal.ITIMER_REAL, *outer)
        signal.signal(signal.SIGALRM, previous)
        yield
        return
    _armed = True
    try:
        yield
    finally:
        _armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def pattern_limit(pattern: str, where: str, values: Sequence[str]) -> Iterator[None]:
    """``limited`` for a crosswalk's regular expression: a pattern that runs out of time raises
    ``TooSlow`` saying which pattern, where in the crosswalk and on which value (the planner adds
    the record)."""
    try:
        with limited():
            yield
    except TooSlow:
        value = (
            repr(values[0][:60]) + ("…" if len(values[0]) > 60 else "") if len(values) == 1 else "its values"
        )
        raise TooSlow(
            f"{where}: the regular expression {pattern!r} took more than {LIMIT_SECONDS:g} s on {value} "
            "and was stopped"
        ) from None
