"""A worker's share of an XML export, parsed without the rest (decision record 0020).

lxml cannot start in the middle of a document, so a planning worker that makes every other thousand records
of a LIDO export would parse the whole file all the same: on two cores, a third of each worker's time. Here
the records a worker does not want are cut out of the bytes before the parser sees them. What the parser
reads is the file's own prolog (the declaration and the open wrapper elements), each wanted record's bytes
as they are, one line break for each line of a record left out (so every element keeps its line number),
and end tags for the wrappers when the file's own come with a record left out.

A record's bytes run from its start tag to the next record's start tag. Finding those by their bytes is
exact only where no start tag can be mistaken and none is missed, so a `Share` stops (`NotShared`) where
that is not certain, and the caller parses the whole file from there (``xmlsafe.select_elements``):

- an encoding in which the ASCII characters are not single bytes of their own (UTF-16, say);
- a comment, CDATA section, DOCTYPE or processing instruction after the XML declaration (``<!``, ``<?``):
  it may hold text that looks like a start tag;
- a namespace declaration after the prolog that binds the records' prefix to another namespace, or
  another prefix (or the default) to theirs: a start tag could be a record's or not by its bytes alone
  (an OAI-PMH harvest that declares the records' own binding on each record is fine);
- a record's bytes holding no end tag of a record: with every start tag counted, that is how a record
  inside a record (invalid, but parsed all the same) shows in a well-formed file. Parsed together, such
  records are numbered as the whole file's parse numbers them (in the order they end), but a cut between
  a record's start and its end could let another record's end tag close it. An empty ``<lido:lido/>``
  is not worth telling from it.

Where none of these is found, the n-th start tag is the n-th record the whole file's parse would find, and
the caller checks that the parser gives exactly one element for each record it was handed. A file that is
not well-formed fails to parse in the share that holds the fault, and the whole file's parse then reports
it as it always has.
"""

from __future__ import annotations

import mmap
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

#: The largest piece the parser is handed at once (a record left out is counted in pieces this size too).
PIECE = 1 << 20
#: How much of the mapped file is read before the pages behind are given back: they would count as the
#: worker's memory (resident size) though they are the page cache's.
RELEASE = 16 << 20
_DONTNEED: int | None = getattr(mmap, "MADV_DONTNEED", None)  # not on every platform
_AFTER_NAME = frozenset(b" \t\r\n/>")
#: Encodings whose ASCII characters are single bytes that no other character's bytes contain.
_ONE_BYTE_ASCII = ("utf-8", "us-ascii", "ascii", "iso-8859-", "iso8859-", "latin", "windows-125", "cp125")
_DECLARATION = re.compile(rb"""xmlns(?::(?P<prefix>[^\s=:/>"']+))?\s*=\s*(?P<q>["'])(?P<uri>[^"']*)(?P=q)""")
_DECLARED = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")


class NotShared(Exception):
    """The export cannot be cut exactly from here on; what was handed out before is right."""


@dataclass(frozen=True)
class Layout:
    """How the file spells a record's start tag (``b"<lido:lido"``), with the prefix (``b"lido"``; ``b""``
    for the default namespace) and namespace it binds, and the end tags of the elements around the first
    record, innermost first (``b"</lido:lidoWrap>"``)."""

    start: bytes
    prefix: bytes
    namespace: bytes
    closers: bytes


class Share:
    """A file-like object for the parser (``xmlsafe._events``): the document as it reads with only the
    ``wanted`` records (by 1-based number). ``expected`` holds the number of each record handed to the
    parser and not yet taken off by the caller, who takes one for each element parsed, with where the
    record's bytes end in the file (how far a reading that has got to it has come)."""

    def __init__(self, data: mmap.mmap, layout: Layout, wanted: Callable[[int], bool]) -> None:
        self.expected: deque[tuple[int, int]] = deque()
        self._data = data
        self._layout = layout
        self._pieces = self._cut(wanted)
        self._buffer, self._offset = b"", 0  # what the parser has not read yet: _buffer[_offset:]

    def read(self, size: int = -1) -> bytes:
        while self._offset >= len(self._buffer):
            piece = next(self._pieces, None)
            if piece is None:
                return b""
            self._buffer, self._offset = piece, 0
        if self._offset == 0 and (size < 0 or size >= len(self._buffer)):
            self._offset = len(self._buffer)
            return self._buffer
        end = len(self._buffer) if size < 0 else self._offset + size
        piece = self._buffer[self._offset : end]
        self._offset += len(piece)
        return piece

    def _cut(self, wanted: Callable[[int], bool]) -> Iterator[bytes]:
        data, layout = self._data, self._layout
        first = self._next_start(0)
        if first < 0 or not _one_byte_ascii(data[:256]):
            raise NotShared
        prolog = data[:first]
        declaration = prolog.find(b"?>") + 2 if prolog.lstrip(b"\xef\xbb\xbf").startswith(b"<?xml") else 0
        if _has_markup(prolog, declaration, len(prolog)):
            raise NotShared
        yield prolog
        number, start, released = 0, first, 0
        while start >= 0:
            if start - released >= RELEASE and _DONTNEED is not None:
                released = start - start % mmap.PAGESIZE
                data.madvise(_DONTNEED, 0, released)
            following = self._next_start(start + 1)
            end = following if following >= 0 else len(data)
            if self._uncertain(start, end):
                raise NotShared
            number += 1
            if wanted(number):
                self.expected.append((number, end))
                yield from self._slices(start, end)
            else:
                yield b"\n" * sum(piece.count(b"\n") for piece in self._slices(start, end))
                if following < 0:
                    yield layout.closers
            start = following

    def _uncertain(self, start: int, end: int) -> bool:
        """Whether the bytes of the record at ``start`` hold what could make the count wrong (above)."""
        if _has_markup(self._data, start, end) or self._rebinds(start, end):
            return True
        return not self._holds_end_tag(start, end)

    def _rebinds(self, start: int, end: int) -> bool:
        """Whether ``data[start:end]`` declares a namespace that could change which start tags are records'
        (or holds ``xmlns`` that is not plainly a declaration)."""
        data, layout = self._data, self._layout
        while (found := data.find(b"xmlns", start, end)) >= 0:
            declared = _DECLARATION.match(data, found, end)
            if declared is None or b"&" in declared["uri"]:
                return True
            if (declared["prefix"] or b"") == layout.prefix:
                if declared["uri"] != layout.namespace:
                    return True
            elif declared["uri"] == layout.namespace:
                return True
            start = declared.end()
        return False

    def _holds_end_tag(self, start: int, end: int) -> bool:
        """Whether ``data[start:end]`` holds a record's end tag: looked for from the end, where its own is."""
        data, tag = self._data, b"</" + self._layout.start[1:]
        while (found := data.rfind(tag, start, end)) >= 0:
            after = found + len(tag)
            if after < len(data) and data[after] in _AFTER_NAME:
                return True
            end = after - 1
        return False

    def _next_start(self, position: int) -> int:
        """Where the next record's start tag begins: its name followed by a space, ``/`` or ``>``, not by
        more of a longer name (``<lido:lidoRecID``)."""
        data, tag = self._data, self._layout.start
        while (found := data.find(tag, position)) >= 0:
            after = found + len(tag)
            if after < len(data) and data[after] in _AFTER_NAME:
                return found
            position = after
        return -1

    def _slices(self, start: int, end: int) -> Iterator[bytes]:
        for offset in range(start, end, PIECE):
            yield self._data[offset : min(end, offset + PIECE)]


def _one_byte_ascii(head: bytes) -> bool:
    """Whether the file's encoding (its BOM, else its declaration, else UTF-8) has ASCII as single bytes."""
    if b"\x00" in head[:4] or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    declared = _DECLARED.match(head)
    return declared is None or declared[1].decode().lower().replace("_", "-").startswith(_ONE_BYTE_ASCII)


def _has_markup(data: bytes | mmap.mmap, start: int, end: int) -> bool:
    """Whether a comment, CDATA section, DOCTYPE or processing instruction begins in ``data[start:end]``:
    looked for by their rare second byte, then the ``<`` before it."""
    for mark in b"!?":
        position = start
        while (found := data.find(bytes((mark,)), position, end)) >= 0:
            if found > 0 and data[found - 1] == ord("<"):
                return True
            position = found + 1
    return False
