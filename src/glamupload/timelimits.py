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
from collections.abc import Sequence
from types import FrameType

#: Seconds a single regular-expression search, or a page template's rendering of one page, may take.
#: Either takes microseconds to milliseconds when it is sound, so reaching this is a mistake, not load.
LIMIT_SECONDS = 10.0


class TooSlow(Exception):
    """The limit passed (raised from the signal handler, inside the slow work)."""


_armed = False


def _expired(signum: int, frame: FrameType | None) -> None:
    if _armed:  # a timer that fired as the work ended, or someone's stray alarm, is not the work's
        raise TooSlow


def _ready() -> bool:
    """Whether this block may arm the timer: in the main thread, with SIGALRM handled by ``_expired``.
    The handler is installed once, when SIGALRM has its default action; a program's own handler (or
    one set in C) is left alone, and the work runs unlimited. One check per call, no system call:
    a regular expression runs ~10 times a record."""
    if threading.get_ident() != threading.main_thread().ident:
        return False
    handler = signal.getsignal(signal.SIGALRM)
    if handler is _expired:
        return True
    if handler is not signal.SIG_DFL:
        return False
    signal.signal(signal.SIGALRM, _expired)
    return True


class TimeLimit:
    """A ``with`` block with a time limit, raising :class:`TooSlow` inside it when the limit passes.

    Nested limits keep the outer one; a timer of the program's own is left alone (the block then runs
    unlimited), and so is any thread but the main one. A class, not a generator: a regular expression
    runs ~10 times a record, and the generator's overhead was as large as the two timer calls."""

    __slots__ = ("_armed", "seconds")

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = LIMIT_SECONDS if seconds is None else seconds
        self._armed = False

    def __enter__(self) -> None:
        global _armed
        if _armed or not _ready():
            return
        outer = signal.setitimer(signal.ITIMER_REAL, self.seconds)
        if outer[0]:  # the program's own timer is running: it stands, and this block runs unlimited
            signal.setitimer(signal.ITIMER_REAL, *outer)
            return
        _armed = self._armed = True

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: object) -> None:
        global _armed
        if self._armed:
            _armed = self._armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)


class PatternLimit(TimeLimit):
    """``TimeLimit`` for a crosswalk's regular expression: a pattern that runs out of time raises
    ``TooSlow`` saying which pattern, where in the crosswalk and on which value (the planner adds
    the record)."""

    __slots__ = ("pattern", "values", "where")

    def __init__(self, pattern: str, where: str, values: Sequence[str]) -> None:
        super().__init__()
        self.pattern, self.where, self.values = pattern, where, values

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: object) -> None:
        super().__exit__(kind, error, tb)
        if kind is TooSlow:
            values = self.values
            value = (
                repr(values[0][:60]) + ("…" if len(values[0]) > 60 else "")
                if len(values) == 1
                else "its values"
            )
            raise TooSlow(
                f"{self.where}: the regular expression {self.pattern!r} took more than {self.seconds:g} s "
                f"on {value} and was stopped"
            ) from None
