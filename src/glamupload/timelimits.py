"""Time limits on work a batch's own files ask for: a regular expression in a crosswalk, a page template.

Python's ``re`` has no timeout, and a pattern with nested repeats (``(a+)+$``) backtracks for hours on a
50-character value; a Jinja template has no step limit (``range`` in ``range``). Both would hang a dry
run without a word. CPython checks for signals while it matches and between bytecodes, so an interval
timer (``SIGALRM``) interrupts either: the handler raises :class:`TooSlow` there, and the caller, which
knows what was slow, turns it into one line naming the pattern or template and the record.

Only a process's main thread receives signals. Planning runs there, in the parent and in each worker;
a library caller's own thread runs the work unlimited, as Python would.

A record's planning is one :class:`Watch` (the timer armed once), inside which each limited block only
notes when it began: the timer, when it fires, stops a block that has run its limit and otherwise looks
again when the running block would reach it. So a regular expression costs no system call (~0.3 µs);
alone, a :class:`TimeLimit` arms the timer itself.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Sequence
from types import FrameType

#: Seconds a single regular-expression search, or a page template's rendering of one page, may take.
#: Either takes microseconds to milliseconds when it is sound, so reaching this is a mistake, not load.
LIMIT_SECONDS = 10.0


class TooSlow(Exception):
    """The limit passed (raised from the signal handler, inside the slow work)."""

    def __init__(self, message: str = "it ran longer than its time limit and was stopped") -> None:
        super().__init__(message)


_armed = False  #: a timer of ours is set (by a ``Watch``)
_watching: int | None = None  #: the thread whose watch it is (the main thread's)
_started: float | None = None  #: when the limited work running now began (None: none is)
_limit = LIMIT_SECONDS  #: that work's limit


def _expired(signum: int, frame: FrameType | None) -> None:
    """The timer: raise inside limited work that has run its time; else look again when the work running
    now would reach its limit (with none running, a whole limit later)."""
    if not _armed:  # a timer that fired as the watch ended, or someone's stray alarm
        return
    now = time.monotonic()
    started = _started
    ending = frame is not None and frame.f_code in _ENDING  # the block's work is done: it ends now
    if started is not None and now - started >= _limit and not ending:
        raise TooSlow
    left = _limit - (now - started) if started is not None else _limit
    signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


def _main_thread() -> bool:
    return threading.get_ident() == threading.main_thread().ident


def _ready() -> bool:
    """Whether a watch may arm the timer: SIGALRM handled by ``_expired``, installed once when SIGALRM has
    its default action; a program's own handler (or one set in C) is left alone, and the work runs
    unlimited."""
    handler = signal.getsignal(signal.SIGALRM)
    if handler is _expired:
        return True
    if handler is not signal.SIG_DFL:
        return False
    signal.signal(signal.SIGALRM, _expired)
    return True


def _stale() -> bool:
    """Whether the state says a block or watch is running though no timer of ours is pending: a signal
    that cut a block short between its work and its end (the timer fired on the very instruction that
    ends it) left it so. Checked only where it matters (a watch begins; a block finds the clock set)."""
    return _watching == threading.get_ident() and signal.getitimer(signal.ITIMER_REAL)[0] == 0


def _reset() -> None:
    global _armed, _watching, _started
    _armed, _watching, _started = False, None, None


class Watch:
    """A stretch of work (a record's planning) whose limited blocks then cost no system call: the timer
    is armed once for the stretch, and each ``TimeLimit`` inside only notes when it began. Without a
    watch, a ``TimeLimit`` arms the timer itself (two system calls: ~2.7 µs, ten times a record)."""

    __slots__ = ("_own", "seconds")

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = LIMIT_SECONDS if seconds is None else seconds
        self._own = False

    def __enter__(self) -> None:
        global _armed, _watching, _started
        if _armed and _stale():
            _reset()
        if _armed or not _main_thread() or not _ready():
            return
        outer = signal.setitimer(signal.ITIMER_REAL, self.seconds)
        if outer[0]:  # the program's own timer is running: it stands, and the work runs unlimited
            signal.setitimer(signal.ITIMER_REAL, *outer)
            return
        _armed = self._own = True
        _watching = threading.get_ident()
        _started = None  # no block runs unwatched here: a clock still set is one a signal cut short

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: object) -> None:
        global _armed, _watching
        if self._own:
            _armed = self._own = False
            _watching = None
            signal.setitimer(signal.ITIMER_REAL, 0)


class TimeLimit:
    """Limited work (a crosswalk's regular expression, a page template): :class:`TooSlow` is raised inside
    it once it has run ``seconds``. Nested blocks keep the outer one's clock; off the main thread, or
    beside a timer of the program's own, the work runs unlimited. A class, not a generator: it runs
    ~10 times a record, and a generator's overhead was as large as the work."""

    __slots__ = ("_began", "_watch", "seconds")

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = LIMIT_SECONDS if seconds is None else seconds
        self._began = False  #: this block set the clock (it is the outermost, in the watched thread)
        self._watch: Watch | None = None

    def __enter__(self) -> None:
        global _started, _limit
        if _started is not None and _stale():
            _reset()
        mine = _watching == threading.get_ident() if _armed else _main_thread()
        if _started is not None or not mine:
            return
        try:  # a Ctrl-C in here must not leave a timer or a clock behind (no __exit__ follows)
            if not _armed:
                self._watch = Watch(self.seconds)
                self._watch.__enter__()
            _limit = self.seconds
            self._began = True
            _started = time.monotonic()
        except BaseException:
            self._end()
            raise

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: object) -> None:
        while True:
            try:
                self._end()
                return
            except TooSlow:  # the timer fired as the block ended: not the block's to stop; end it again
                continue

    def _end(self) -> None:
        """Stop the clock, then the block's own watch; safe to run again if the timer interrupts it
        (once the clock is stopped, the timer raises nothing)."""
        global _started
        if self._began:
            _started = None
            self._began = False
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.__exit__(None, None, None)


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


#: The code that ends a block: a timer firing there is too late to be the block's (raising there would
#: leave the clock running or the message lost).
_ENDING = frozenset(
    {
        TimeLimit.__exit__.__code__,
        TimeLimit._end.__code__,
        PatternLimit.__exit__.__code__,
        Watch.__exit__.__code__,
    }
)
