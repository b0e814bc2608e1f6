"""JSON exports: a top-level array of objects, or JSON Lines (any sequence of objects). Folders of such
files are read by `glamupload.readers.folder`.

A top-level array is streamed item by item with the standard library's ``raw_decode`` over a growing
buffer, so memory is bounded by the largest single object, not by the export. Nested values stay nested;
crosswalks reach them with paths (``Record.get("maker.name")``, ``images[].url``; see `readers.paths`).
In JSON Lines a broken line is an error on that record only; the next line is read as usual.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from glamupload.errors import InputError
from glamupload.readers.base import ReadProblem, Record, ShapedReader, clean
from glamupload.readers.paths import ExportShape, shape_of_values
from glamupload.readers.position import ReadPosition

JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
_CHUNK = 1 << 16
_WHITESPACE = re.compile(r"\s*")
_DECODER = json.JSONDecoder()


def _skip_whitespace(text: str, pos: int) -> int:
    """The index of the first non-whitespace character at or after ``pos``."""
    match = _WHITESPACE.match(text, pos)
    return match.end() if match else pos


class _JsonStream:
    """Top-level JSON values read incrementally from a text file, with line numbers."""

    def __init__(self, fh: TextIO, path: Path, position: ReadPosition | None = None) -> None:
        self.fh = fh
        self.path = path
        self.position = position
        self.size = max(1, os.fstat(fh.fileno()).st_size)
        self.buffer = ""
        self.pos = 0
        self.line = 1
        self.eof = False
        self.error_pos = 0

    def _more(self) -> bool:
        """Append the next chunk (at least as big as what is pending, so big objects cost O(n log n))."""
        if self.eof:
            return False
        data = self.fh.read(max(_CHUNK, len(self.buffer) - self.pos))
        if self.position is not None:  # the bytes read so far, at most a chunk ahead of the items
            self.position.done = 1.0 if not data else min(1.0, self.fh.buffer.tell() / self.size)
        if not data:
            self.eof = True
            return False
        self.buffer = self.buffer[self.pos :] + data
        self.pos = 0
        return True

    def _advance(self, end: int) -> None:
        self.line += self.buffer.count("\n", self.pos, end)
        self.pos = end

    def peek(self) -> str | None:
        """The next non-whitespace character (not consumed), or ``None`` at the end of the file."""
        while True:
            self._advance(_skip_whitespace(self.buffer, self.pos))
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._more():
                return None

    def skip(self) -> None:
        """Consume the character ``peek`` returned."""
        self._advance(self.pos + 1)

    def value(self) -> tuple[Any, int]:
        """Decode the next value; returns it with the line it starts on."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                if not self._broken_for_sure(exc) and self._more():
                    continue
                line = self.line + self.buffer.count("\n", self.pos, exc.pos)
                self.error_pos = exc.pos
                raise InputError(f"broken JSON: {exc.msg}", file=self.path, line=line) from None
            except (ValueError, RecursionError) as exc:  # more data cannot mend either
                self.error_pos = self.pos
                message = _TOO_DEEP if isinstance(exc, RecursionError) else _TOO_LONG
                raise InputError(message, file=self.path, line=self.line) from None
            if _SURROGATE_ESCAPE.search(self.buffer, self.pos, end):
                value = _mend_surrogates(value)
            start = self.line
            self._advance(end)
            return value, start

    def _broken_for_sure(self, exc: json.JSONDecodeError) -> bool:
        """A syntax error followed by a complete line cannot be mended by reading more (JSON Lines)."""
        return not exc.msg.startswith("Unterminated") and "\n" in self.buffer[exc.pos : exc.pos + _CHUNK]

    def skip_line(self) -> None:
        """Move past the line holding the last syntax error (to go on with the next JSON Lines record)."""
        after = self.error_pos - self.pos  # ``_more`` moves the buffer's start to ``pos``
        while (end := self.buffer.find("\n", self.pos + after)) < 0 and self._more():
            pass  # a line longer than what was read (a value too deep to decode is refused early)
        self._advance(len(self.buffer) if end < 0 else end + 1)

    def error(self, message: str) -> InputError:
        return InputError(f"broken JSON: {message}", file=self.path, line=self.line)


# What JSON's decoder refuses besides syntax: Python's limits, worded for the person with the file.
_TOO_DEEP = "a value nested too deep to read (arrays or objects inside each other hundreds of times)"
_TOO_LONG = "a number too long to read (Python reads whole numbers of up to 4300 digits)"

# ``\ud800``–``\udfff``: JSON may escape half of a UTF-16 pair alone; Python decodes it to a lone
# surrogate, which no UTF-8 file (records.jsonl, the report, an upload) can hold.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _mend_surrogates(value: Any) -> Any:
    """A lone surrogate becomes U+FFFD, as a UTF-8 decoder reads a broken byte (a pair decodes whole)."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_mend_surrogates(k): _mend_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mend_surrogates(v) for v in value]
    return value


def iter_json_objects(path: Path, position: ReadPosition | None = None) -> Iterator[tuple[Any, int, int]]:
    """Yield ``(value, line, item_number)`` for the items of a top-level array or a sequence of values;
    ``position``, if given, follows the bytes read.

    A broken value of a sequence (JSON Lines) is yielded as a `ReadProblem` and reading goes on with the
    next line; broken array syntax ends the file with an InputError (no way to find the next item).
    """
    try:
        with path.open(encoding="utf-8-sig") as fh:
            stream = _JsonStream(fh, path, position)
            number = 0
            if stream.peek() != "[":
                while stream.peek() is not None:
                    number += 1
                    start = stream.line
                    try:
                        yield (*stream.value(), number)
                    except InputError as exc:
                        yield (
                            ReadProblem(exc.message, "the rest of the file is read on"),
                            exc.line or start,
                            number,
                        )
                        stream.skip_line()
                return
            stream.skip()
            if stream.peek() == "]":
                stream.skip()
            else:
                while True:
                    number += 1
                    yield (*stream.value(), number)
                    if stream.peek() == ",":
                        stream.skip()
                    elif stream.peek() == "]":
                        stream.skip()
                        break
                    else:
                        raise stream.error(f"expected ',' or ']' after item {number}")
            if stream.peek() is not None:
                raise stream.error("unexpected data after the closing ']'")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"JSON must be UTF-8; cannot decode byte {exc.object[exc.start : exc.end].hex(' ')}",
            file=path,
            hint="re-save the export as UTF-8",
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read the export: {exc}", file=path) from None


class JsonReader(ShapedReader):
    """A JSON file (array, JSON Lines), each item one record; fields are every path that holds a value in
    some record, in first-seen order (`readers.paths` syntax)."""

    format = "json"

    def __init__(self, path: str | Path) -> None:
        super().__init__(path)
        if not self.path.is_file():
            raise InputError("no such file", file=self.path)

    def _find_shape(self) -> ExportShape:
        return shape_of_values(record.fields for record in self if record.problem is None)

    def __iter__(self) -> Iterator[Record]:
        return (record for _, record in self._records(None))

    def select(self, keep: Callable[[int], bool]) -> Iterator[tuple[int, Record]]:
        """Every item is decoded (to find the next); only kept ones are cleaned into records, which costs
        more than the decoding."""
        return self._records(keep)

    def _records(self, keep: Callable[[int], bool] | None) -> Iterator[tuple[int, Record]]:
        source = str(self.path)
        for value, line, number in iter_json_objects(self.path, self._follow()):
            if keep is not None and not keep(number - 1):
                continue
            where = f"item {number}"
            if isinstance(value, ReadProblem):
                record = Record({}, source, where, line, problem=value)
            elif not isinstance(value, dict):
                problem = ReadProblem(
                    f"{where} is a JSON {type(value).__name__}, expected an object",
                    "each record must be a JSON object {...}",
                )
                record = Record({}, source, where, line, problem=problem)
            else:
                try:
                    record = Record(clean(value) or {}, source, where, line)
                except RecursionError:  # cleaning walks the value: deeper than the decoder's limit
                    problem = ReadProblem(_TOO_DEEP, "the rest of the file is read on")
                    record = Record({}, source, where, line, problem=problem)
            yield number - 1, record
