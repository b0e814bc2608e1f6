"""Readers turn an institution's export into a stream of `Record`s; `open_export` picks the right one.

The format comes from the batch config or is detected from the file name and, for XML, from the
namespaces near the top of the file (LIDO or OAI-PMH Dublin Core).
"""

from __future__ import annotations

from pathlib import Path

from glamupload.errors import InputError
from glamupload.readers.base import NAMESPACES, Reader, Record
from glamupload.readers.jsonfiles import JSON_SUFFIXES, JsonReader
from glamupload.readers.lido import LidoReader
from glamupload.readers.oai_dc import DublinCoreReader
from glamupload.readers.tabular import CsvReader, ExcelReader

__all__ = ["FORMATS", "Reader", "Record", "detect_format", "open_export"]

#: Format names accepted by ``open_export(format=...)``, with their aliases.
FORMATS = {
    "csv": "csv",
    "tsv": "csv",
    "excel": "excel",
    "xlsx": "excel",
    "json": "json",
    "jsonl": "json",
    "lido": "lido",
    "oai_dc": "oai_dc",
    "dc": "oai_dc",
}
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".txt": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    **{suffix: "json" for suffix in JSON_SUFFIXES},
}
_SNIFF_BYTES = 1 << 16


def _sniff_xml(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read the export: {exc}", file=path) from None
    if NAMESPACES["lido"].encode() in head:
        return "lido"
    if NAMESPACES["oai_dc"].encode() in head:
        return "oai_dc"
    raise InputError(
        "cannot tell which XML format this is (no LIDO or oai_dc namespace near the top)",
        file=path,
        hint="set the export format explicitly: lido or oai_dc",
    )


def detect_format(path: str | Path) -> str:
    """The reader format for ``path``: by extension, by content for ``.xml``; a folder means JSON files."""
    path = Path(path)
    if path.is_dir():
        return "json"
    if not path.is_file():
        raise InputError("the export file does not exist", file=path)
    suffix = path.suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if suffix == ".xls":
        raise InputError("old Excel .xls workbooks cannot be read", file=path, hint="save the sheet as .xlsx")
    if suffix == ".xml":
        return _sniff_xml(path)
    raise InputError(
        f"unknown export type {suffix or '(no extension)'!r}",
        file=path,
        hint="set the export format explicitly: " + ", ".join(sorted(set(FORMATS))),
    )


def open_export(
    path: str | Path,
    *,
    format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
) -> Reader:
    """Open an export for streaming. Options that do not apply to the format are ignored.

    ``encoding``/``delimiter`` are for CSV (detected when omitted); ``sheet`` picks an Excel worksheet by
    name or 0-based index (default: the first).
    """
    path = Path(path)
    if format is None:
        kind = detect_format(path)
    elif format.lower() in FORMATS:
        kind = FORMATS[format.lower()]
    else:
        raise InputError(
            f"unknown export format {format!r}",
            file=path,
            field="format",
            hint="one of: " + ", ".join(FORMATS),
        )
    if kind != "json" and not path.is_file():
        raise InputError("the export file does not exist", file=path)
    if kind == "csv":
        if delimiter is None and format is not None and format.lower() == "tsv":
            delimiter = "\t"
        return CsvReader(path, encoding=encoding, delimiter=delimiter)
    if kind == "excel":
        return ExcelReader(path, sheet=sheet)
    if kind == "json":
        return JsonReader(path)
    if kind == "lido":
        return LidoReader(path)
    return DublinCoreReader(path)
