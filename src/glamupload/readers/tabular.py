"""CSV/TSV and Excel exports: one record per row, the header row naming the fields.

CSV is read with the standard ``csv`` module rather than pandas: it streams row by row and reports the
physical line of every row (quoted newlines included), which is what a curator needs to find a bad row.
Column names follow pandas' convention so a crosswalk written against ``pandas.read_csv`` still fits:
duplicates become ``Name``, ``Name.1``, ``Name.2``; blank header cells ``Unnamed: <index>``.

No value is too long (the ``csv`` module's 128 KiB cell limit is lifted: real provenance texts are longer),
and a row that cannot be read as it should (more values than the header has names, broken CSV) is an
error on that row only (`ReadProblem`): the other rows are read as usual.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal, TextIO
from xml.etree import ElementTree

from lxml import etree
from openpyxl import load_workbook

from glamupload.errors import InputError
from glamupload.readers.base import Reader, ReadProblem, Record, clean
from glamupload.readers.paths import ExportShape

# Cells of any length: a long description is data, not an error (the default limit is 131072 characters).
csv.field_size_limit(2**31 - 1)

DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_BLOCK = 1 << 20
_ENCODING_HINT = (
    "set the right encoding for the export (typical: utf-8, cp1252, latin-1), or re-save the file as UTF-8"
)


def column_names(header: Sequence[Any]) -> list[str]:
    """Header cells → distinct field names, exactly as ``pandas.read_csv`` names the columns.

    A repeated name gets the first free ``.N`` suffix not used anywhere in the header, so ``a, a, a.1``
    becomes ``a, a.2, a.1``.
    """
    texts = ["" if cell is None else str(cell).replace("\ufeff", "").strip() for cell in header]
    names = [text or f"Unnamed: {index}" for index, text in enumerate(texts)]
    original = set(names)
    used: set[str] = set()
    suffixes: defaultdict[str, int] = defaultdict(int)
    for index, name in enumerate(names):
        if name in used:
            base = name
            while name in used or name in original:
                suffixes[base] += 1
                name = f"{base}.{suffixes[base]}"
            names[index] = name
        used.add(name)
    return names


def unnamed_columns_note(fields: Sequence[str]) -> list[str]:
    """The export note for header cells left empty (``Unnamed: N``): most often a merged cell over two
    columns, or a header of two rows, so the names the crosswalk wants are not the ones read."""
    unnamed = [name for name in fields if _UNNAMED.fullmatch(name)]
    if not unnamed:
        return []
    shown = ", ".join(repr(name) for name in unnamed[:5]) + (", …" if len(unnamed) > 5 else "")
    count = (
        "1 column of the header has" if len(unnamed) == 1 else f"{len(unnamed)} columns of the header have"
    )
    return [
        f"{count} no name, read as {shown}: a merged header cell over several columns, or a header of "
        "two rows, leaves cells empty; give every column its own name in the first row"
    ]


_UNNAMED = re.compile(r"Unnamed: \d+")


def _decodes(path: Path, encoding: str, skip: int = 0) -> bool:
    """Whether the whole file (after ``skip`` bytes) decodes in ``encoding`` (in blocks: flat memory)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as fh:
        fh.seek(skip)
        try:
            while block := fh.read(_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file is valid UTF-8, else cp1252, else latin-1.

    A UTF-8 BOM before text that is not UTF-8 (a cp1252 file "re-saved" by a tool that adds a BOM) is
    skipped and the rest detected on its own (`has_utf8_bom` tells the reader to skip it).
    """
    with path.open("rb") as fh:
        start = fh.read(4)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if start.startswith(codecs.BOM_UTF8) and _decodes(path, "utf-8-sig"):
        return "utf-8-sig"
    for encoding in ("utf-8", "cp1252"):
        if _decodes(path, encoding, skip=len(codecs.BOM_UTF8) if has_utf8_bom(path) else 0):
            return encoding
    return "latin-1"


def has_utf8_bom(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8


def _python_encoding(path: Path, encoding: str) -> str:
    """Validate a configured encoding name; UTF-8 also accepts a BOM (Excel writes one)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", file=path, hint=_ENCODING_HINT) from None
    try:
        io.TextIOWrapper(io.BytesIO(), encoding=encoding).read()  # Python's codecs include rot13, base64
    except LookupError:
        raise InputError(f"{encoding!r} is not a text encoding", file=path, hint=_ENCODING_HINT) from None
    except UnicodeError as exc:  # the codec "undefined" refuses everything
        problem = f"encoding {encoding!r} reads nothing ({exc})"
        raise InputError(problem, file=path, hint=_ENCODING_HINT) from None
    return "utf-8-sig" if name == "utf-8" else encoding


def decode_error(path: Path, encoding: str) -> InputError:
    """Find the first undecodable byte (line and byte offset) and explain it; only runs on the error path."""
    offset = 0
    with path.open("rb") as fh:
        for line_number, raw in enumerate(fh, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError as exc:
                bad = raw[exc.start : exc.end]
                plural = "s" if len(bad) > 1 else ""
                return InputError(
                    f"cannot decode byte{plural} {bad.hex(' ')} at byte {offset + exc.start}"
                    f" (column {exc.start + 1}) with encoding {_label(encoding)}",
                    file=path,
                    line=line_number,
                    hint=_ENCODING_HINT,
                )
            offset += len(raw)
    return InputError(f"the file is not valid {_label(encoding)}", file=path, hint=_ENCODING_HINT)


def _label(encoding: str) -> str:
    """The encoding as the user knows it (``utf-8-sig`` is our way of accepting an optional BOM)."""
    return "utf-8" if encoding == "utf-8-sig" else encoding


def sniff_delimiter(header_line: str, path: Path) -> str:
    """The candidate delimiter occurring most often in the header line (tab for ``.tsv`` on a tie)."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts.values())
    if best == 0:
        return "\t" if path.suffix.lower() == ".tsv" else ","
    if path.suffix.lower() == ".tsv" and counts["\t"] == best:
        return "\t"
    return next(d for d in DELIMITERS if counts[d] == best)


@contextmanager
def _reading(path: Path, encoding: str) -> Iterator[None]:
    """Turn decoding and I/O failures while reading text into InputErrors that point at the bad byte."""
    try:
        yield
    except UnicodeDecodeError:
        raise decode_error(path, encoding) from None
    except UnicodeError as exc:  # a codec's other refusals: "UTF-16 stream does not start with BOM"
        raise InputError(
            f"the file cannot be read as {_label(encoding)} text ({exc})", file=path, hint=_ENCODING_HINT
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read the export: {exc}", file=path) from None


class CsvReader(Reader):
    """Delimited text: delimiter and encoding from the batch config or detected.

    Quoting is detected too: a file whose quotes do not follow standard CSV (RFC 4180) rules -- typically
    an export that never quotes and has values like ``"Start Point". The ship`` -- is read with quotes as
    ordinary characters, so no quotation mark is lost from the data.
    """

    format = "csv"

    def __init__(
        self, path: str | Path, *, encoding: str | None = None, delimiter: str | None = None
    ) -> None:
        super().__init__(path)
        if delimiter is not None and len(delimiter) != 1:
            names = ", ".join(repr(d) for d in DELIMITERS)
            raise InputError(f"delimiter must be one character (e.g. {names}), got {delimiter!r}", file=path)
        self.encoding_given = encoding is not None
        self.delimiter_given = delimiter is not None
        self.encoding = _python_encoding(self.path, encoding) if encoding else detect_encoding(self.path)
        # A UTF-8 byte-order mark before text in another encoding is not part of the first column's name.
        self.skip_bom = self.encoding not in ("utf-8-sig", "utf-16") and has_utf8_bom(self.path)
        with _reading(self.path, self.encoding), self._open() as fh:
            self.header_line = fh.readline().rstrip("\r\n")
        self.delimiter = delimiter or sniff_delimiter(self.header_line, self.path)
        self.quoting: Literal[0, 1, 2, 3] = csv.QUOTE_MINIMAL
        # Where the file first breaks CSV quoting rules; None means its quotes are CSV quotes.
        self.quoting_problem = self._nonstandard_quoting()
        if self.quoting_problem:
            self.quoting = csv.QUOTE_NONE
        with _reading(self.path, self.encoding), self._open() as fh:
            header: list[str] = next(self._rows(fh), [])
        if not header:
            raise InputError("the file is empty: no header row", file=self.path, line=1)
        self._fields = column_names(header)

    def _open(self) -> TextIO:
        raw = self.path.open("rb")
        if self.skip_bom:
            raw.seek(len(codecs.BOM_UTF8))
        return io.TextIOWrapper(raw, encoding=self.encoding, newline="")

    def _rows(self, fh: IO[str], *, strict: bool = False) -> Any:
        return csv.reader(fh, delimiter=self.delimiter, quoting=self.quoting, strict=strict)

    def _nonstandard_quoting(self) -> str | None:
        """One strict pass over the file (flat memory): the first quoting error, if any."""
        with _reading(self.path, self.encoding), self._open() as fh:
            rows = self._rows(fh, strict=True)
            try:
                for _row in rows:
                    pass
            except csv.Error as exc:
                return f"line {rows.line_num}: {exc}"
        return None

    @property
    def fields(self) -> list[str]:
        return list(self._fields)

    @property
    def shape(self) -> ExportShape:
        """The columns, with how the file was read (for the hint when a crosswalk names a missing one)."""
        return ExportShape(self.fields, read_as=self.read_as, advice=self.advice)

    @property
    def notes(self) -> list[str]:
        return [*super().notes, *unnamed_columns_note(self._fields)]

    @property
    def read_as(self) -> str:
        """How the file was read: encoding, delimiter (given or detected) and the header as read."""
        encoding = _label(self.encoding) + ("" if self.encoding_given else " (detected)")
        if self.skip_bom:
            encoding += " after a UTF-8 byte-order mark"
        delimiter = f"{self.delimiter!r} ({_DELIMITER_NAMES.get(self.delimiter, 'delimiter')}"
        delimiter += ")" if self.delimiter_given else ", detected)"
        header = self.header_line if len(self.header_line) <= 200 else self.header_line[:200] + "..."
        columns = f"{len(self._fields)} column" + ("s" if len(self._fields) != 1 else "")
        return f"read as {encoding} text, delimiter {delimiter}; header as read: {header!r} ({columns})"

    @property
    def advice(self) -> str | None:
        """What to try when the header looks misread: another delimiter, another encoding."""
        tips = []
        others = [d for d in DELIMITERS if d != self.delimiter and any(d in name for name in self._fields)]
        if others:
            tips.append(f"the names hold {others[0]!r}: try export.delimiter: {others[0]!r}")
        if any(marker in self.header_line for marker in _MOJIBAKE):
            tips.append("the header looks like UTF-8 read as another encoding: try export.encoding: utf-8")
        elif self.encoding_given and not self.header_line.isascii() and self.encoding != "utf-8-sig":
            tips.append("if the names look wrong, leave export.encoding out to detect it, or try utf-8")
        return "; ".join(tips) or None

    def _ragged(self, count: int) -> ReadProblem:
        hint = (
            f"is the delimiter right? (reading with {_DELIMITER_NAMES.get(self.delimiter, 'delimiter')}"
            f" {self.delimiter!r}); a value containing the delimiter must be quoted"
        )
        if self.quoting_problem:
            hint += (
                "; quotes are read as plain characters because the file breaks CSV quoting"
                f" ({self.quoting_problem})"
            )
        return ReadProblem(f"row has {count} fields but the header has {len(self._fields)}", hint)

    def __iter__(self) -> Iterator[Record]:
        return (record for _, record in self.select(lambda number: True))

    def select(self, keep: Callable[[int], bool]) -> Iterator[tuple[int, Record]]:
        """Rows are split by the csv module either way; only kept ones become records (their cells
        cleaned): a row that yields no record (all empty) has no number."""
        width = len(self._fields)
        source = str(self.path)
        number = 0
        read, size = self._follow(), max(1, self.path.stat().st_size)
        with _reading(self.path, self.encoding), self._open() as fh:
            raw = fh.buffer  # its position: the bytes read so far, at most a buffer ahead of the rows
            rows = self._rows(fh)
            next(rows, None)
            first_line = rows.line_num + 1
            while True:
                try:
                    row = next(rows)
                except StopIteration:
                    read.done = 1.0
                    return
                except csv.Error as exc:  # the row is lost; the reader goes on with the next line
                    if keep(number):
                        broken = ReadProblem(f"malformed CSV: {exc}")
                        yield number, Record({}, source, f"line {first_line}", first_line, problem=broken)
                    number += 1
                    first_line = rows.line_num + 1
                    continue
                line, first_line = first_line, rows.line_num + 1
                ragged = len(row) > width and any(cell.strip() for cell in row[width:])
                if not (ragged or any(cell.strip() for cell in row)):
                    continue  # an empty row is no record
                if not keep(number):
                    number += 1
                    continue
                values = {
                    name: clean(cell.replace("\r\n", "\n"))
                    for name, cell in zip(self._fields, row, strict=False)
                }
                fields = {name: value for name, value in values.items() if value is not None}
                problem = self._ragged(len(row)) if ragged else None
                read.done = min(1.0, raw.tell() / size)
                yield number, Record(fields, source, f"line {line}", line, problem=problem)
                number += 1


_MOJIBAKE = ("Ã", "â€", "ï»¿", "Â")


def _cell_text(cell: Any) -> Any:
    """Excel cell → the text a person sees: dates as ISO 8601 to the precision their format shows (a year
    typed as a date and formatted ``yyyy`` is "1925", not 1 January; ``mm/yyyy`` is "1925-03"), whole
    numbers without ``.0``."""
    value = getattr(cell, "value", None)
    if isinstance(value, (dt.datetime, dt.date)):
        shown = [t for t in _DATE_TOKENS.findall(str(getattr(cell, "number_format", "")).casefold()) if t]
        if shown and "d" not in "".join(shown):
            months = any("m" in token for token in shown)
            return value.strftime("%Y-%m") if months else f"{value.year:04d}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return clean(value)


#: The year, month and day parts of an Excel number format (quoted text and [colours] aside): a format
#: with years and no day shows a year or a month, not the day the date cell holds.
_DATE_TOKENS = re.compile(r'"[^"]*"|\[[^\]]*\]|(y+|m+|d+)')


class ExcelReader(Reader):
    """One worksheet of an ``.xlsx`` workbook, streamed with openpyxl's read-only mode."""

    format = "excel"

    def __init__(self, path: str | Path, *, sheet: str | int | None = None) -> None:
        super().__init__(path)
        workbook = self._open()
        try:
            tables = [worksheet.title for worksheet in workbook.worksheets]  # not the chart sheets
            self.sheet = self._sheet_name(workbook.sheetnames, tables, sheet)
            header = [getattr(cell, "value", None) for cell in next(self._rows(workbook, 1, 1), (1, ()))[1]]
        finally:
            workbook.close()
        while header and clean(header[-1]) is None:
            header.pop()  # the sheet's used range often extends past the last named column
        if not header:
            raise InputError(f"sheet {self.sheet!r} is empty: no header row", file=self.path, line=1)
        self._fields = column_names(header)

    def _open(self) -> Any:
        try:
            return load_workbook(self.path, read_only=True, data_only=True)
        except OSError as exc:
            raise InputError(f"cannot read the export: {exc}", file=self.path) from None
        except Exception as exc:  # noqa: BLE001 - a broken part raises whatever openpyxl's parser meets
            raise InputError(
                f"not a readable .xlsx workbook: {exc or type(exc).__name__}",
                file=self.path,
                hint="old .xls files must be saved as .xlsx first; a workbook Excel opens can be saved "
                "again, or its sheet saved as CSV (UTF-8)",
            ) from None

    def _rows(
        self, workbook: Any, first: int, last: int | None = None
    ) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """The sheet's rows from ``first`` with their numbers. Read-only openpyxl parses the sheet as it
        goes, so a sheet cut off (or a broken zip member) shows only here: an error naming the row."""
        line = first - 1
        try:
            for line, row in enumerate(
                workbook[self.sheet].iter_rows(min_row=first, max_row=last), start=first
            ):
                yield line, row
        except (ElementTree.ParseError, etree.XMLSyntaxError, zipfile.BadZipFile, zlib.error) as exc:
            where = f"after row {line}" if line else "in its first row"
            raise InputError(
                f"sheet {self.sheet!r} breaks off {where}: {exc}",
                file=self.path,
                line=line + 1,
                hint="the workbook is damaged: save it again from Excel or LibreOffice",
            ) from None

    def _sheet_name(self, names: list[str], tables: list[str], sheet: str | int | None) -> str:
        """The sheet to read: the one named or numbered (among every tab, charts included), else the
        first worksheet; a chart sheet has no rows to read."""
        if not tables:
            what = " (only charts)" if names else ""
            raise InputError(f"the workbook has no worksheets{what}", file=self.path)
        if sheet is None:
            return tables[0]
        found = None
        if isinstance(sheet, str) and sheet in names:
            found = sheet
        elif isinstance(sheet, int) or sheet.isdecimal():  # "²" is a digit, but no number int() reads
            index = int(sheet)
            found = names[index] if 0 <= index < len(names) else None
        if found is not None and found in tables:
            return found
        listed = ", ".join(f"{i}: {name!r}" for i, name in enumerate(names) if name in tables)
        if found is not None:
            raise InputError(
                f"sheet {found!r} is a chart, not rows; the worksheets are {listed}", file=self.path
            )
        raise InputError(f"no sheet {sheet!r} in the workbook; it has {listed}", file=self.path)

    @property
    def fields(self) -> list[str]:
        return list(self._fields)

    @property
    def shape(self) -> ExportShape:
        header = ", ".join(repr(name) for name in self._fields[:20])
        return ExportShape(self.fields, read_as=f"read sheet {self.sheet!r}; header as read: {header}")

    @property
    def notes(self) -> list[str]:
        return [*super().notes, *unnamed_columns_note(self._fields)]

    def __iter__(self) -> Iterator[Record]:
        width = len(self._fields)
        source = str(self.path)
        workbook = self._open()
        try:
            for line, row in self._rows(workbook, 2):
                problem = None
                if len(row) > width and any(
                    clean(getattr(c, "value", None)) is not None for c in row[width:]
                ):
                    problem = ReadProblem(
                        f"row has values beyond the last named column ({width} columns in the header row)",
                        "give every used column a header",
                    )
                values = {name: _cell_text(cell) for name, cell in zip(self._fields, row, strict=False)}
                fields = {name: value for name, value in values.items() if value is not None}
                if fields or problem:
                    yield Record(fields, source, f"sheet {self.sheet!r} row {line}", line, problem=problem)
        finally:
            workbook.close()
