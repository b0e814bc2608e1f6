"""Bounded memo tables for the planner's pure steps: work done once per distinct input, memory capped.

A batch repeats most of its values (one institution, a few rights statements, object types, dates, lookup
keys), so transform chains, licence verdicts, file-name parts and category names are computed once per
distinct input. A table that mostly misses (identifiers, free text) stops remembering after a trial, so
unique values cost one failed look-up each during the trial and nothing after it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: Entries kept per table: a few MiB at most, whatever the batch size.
DEFAULT_SIZE = 4096
#: Look-ups after which a table that found less than MIN_HIT_RATE of them stops remembering.
TRIAL = 2000
MIN_HIT_RATE = 0.2


class Memo(Generic[K, V]):
    """``get(key, compute)``: the remembered value, else ``compute()`` (remembered while there is room;
    the oldest entry makes way for a new one). Results never depend on whether a value was remembered.
    ``find``/``put`` are the same in two steps, for hot paths."""

    __slots__ = ("_entries", "_size", "lookups", "hits", "enabled")

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._entries: dict[K, V] = {}
        self._size = size
        self.lookups = 0
        self.hits = 0
        self.enabled = size > 0

    def get(self, key: K, compute: Callable[[], V]) -> V:
        """The value for ``key``; callers that build keys at a cost check ``enabled`` first."""
        if not self.enabled:
            return compute()
        found = self.find(key)
        if found is not MISSING:
            return found  # type: ignore[return-value]
        value = compute()
        self.put(key, value)
        return value

    def find(self, key: K) -> V | object:
        """The remembered value, or ``MISSING``."""
        self.lookups += 1
        found = self._entries.get(key, MISSING)
        if found is not MISSING:
            self.hits += 1
        return found

    def put(self, key: K, value: V) -> None:
        """Remember a value just computed after ``find`` missed (unless the table gave up)."""
        if self.lookups >= TRIAL and self.hits < self.lookups * MIN_HIT_RATE:
            self.enabled = False  # distinct values: remembering them costs more than it saves
            self._entries.clear()
            return
        if len(self._entries) >= self._size:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = value


T = TypeVar("T")


class ByIdentity(Generic[T, V]):
    """A value made once per object that is not hashable (a crosswalk's parameter dict, the same for
    every record of a variant): keyed by ``id``, with the object kept beside it so that it lives, and its
    id stays its own, as long as the table. For the few objects a crosswalk owns, not for a stream."""

    __slots__ = ("_found",)

    def __init__(self) -> None:
        self._found: dict[int, tuple[T, V]] = {}

    def get(self, key: T, make: Callable[[T], V]) -> V:
        found = self._found.get(id(key))
        if found is None:
            found = self._found[id(key)] = (key, make(key))
        return found[1]


#: What ``Memo.find`` returns for a key it does not remember.
MISSING = object()
