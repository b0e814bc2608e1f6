"""Readers turn an institution's export into a stream of `Record`s; `open_export` picks the right one.

An export is a file, a folder of files or a glob (`readers.folder`). The format comes from the batch
config or is detected from the file names and, for XML, from the namespaces near the top of the file
(LIDO or OAI-PMH Dublin Core).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from glamupload.errors import InputError
from glamupload.readers.base import NAMESPACES, Reader, ReadProblem, Record
from glamupload.readers.folder import FolderReader, export_files
from glamupload.readers.jsonfiles import JSON_SUFFIXES, JsonReader
from glamupload.readers.lido import LidoReader
from glamupload.readers.oai_dc import DublinCoreReader
from glamupload.readers.paths import ExportShape
from glamupload.readers.tabular import CsvReader, ExcelReader

__all__ = [
    "FORMATS", "ExportShape", "ReadProblem", "Reader", "Record", "detect_format", "export_files",
    "open_export",
]  # fmt: skip

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
    ".xml": "xml",
    **{suffix: "json" for suffix in JSON_SUFFIXES},
}
#: The file names each format reads inside a folder (``.txt`` only when asked: folders hold READMEs).
_FOLDER_SUFFIXES = {
    "csv": {".csv", ".tsv", ".tab", ".txt"},
    "excel": {".xlsx", ".xlsm"},
    "json": set(JSON_SUFFIXES),
    "lido": {".xml"},
    "oai_dc": {".xml"},
}
_SNIFF_BYTES = 1 << 16
_DECLARED = {
    kind: re.compile(rb"xmlns(?::[\w.-]+)?\s*=\s*[\"']" + re.escape(NAMESPACES[kind].encode()) + rb"/?[\"']")
    for kind in ("lido", "oai_dc")
}


def _sniff_xml(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read the export: {exc}", file=path) from None
    # the namespace declared first: a Dublin Core record may mention LIDO's URI as text
    declared = [
        (found.start(), kind) for kind in ("lido", "oai_dc") if (found := _DECLARED[kind].search(head))
    ]
    if declared:
        return min(declared)[1]
    raise InputError(
        "cannot tell which XML format this is (no LIDO or oai_dc namespace near the top)",
        file=path,
        hint="set the export format explicitly: lido or oai_dc",
    )


def detect_format(path: str | Path) -> str:
    """The reader format for ``path``: by extension, by content for ``.xml``; a folder or glob by its
    files."""
    path = Path(path)
    if path.is_file():
        return _file_format(path)
    files = export_files(path, set(_SUFFIXES) - {".txt"}) or export_files(path, {".txt"})
    if not files:
        raise InputError(
            "the folder holds no export files",
            file=path,
            hint="an export folder holds " + ", ".join(sorted(_SUFFIXES)) + " files",
        )
    kinds = Counter(_SUFFIXES[file.suffix.lower()] for file in files)
    if len(kinds) > 1:
        counted = ", ".join(f"{count} {kind}" for kind, count in kinds.most_common())
        raise InputError(
            f"the folder mixes export formats ({counted} files)",
            file=path,
            hint="set export.format, or give a glob such as 'folder/*.json' as export.path",
        )
    kind = next(iter(kinds))
    return _sniff_xml(next(f for f in files)) if kind == "xml" else kind


def _file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in _SUFFIXES:
        return _sniff_xml(path) if suffix == ".xml" else _SUFFIXES[suffix]
    if suffix == ".xls":
        raise InputError("old Excel .xls workbooks cannot be read", file=path, hint="save the sheet as .xlsx")
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
    """Open an export (a file, a folder or a glob) for streaming. Options that do not apply are ignored.

    ``encoding``/``delimiter`` are for CSV (detected when omitted); ``sheet`` picks an Excel worksheet by
    name or 0-based index (default: the first). In a folder, they apply to every file.
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
    if delimiter is None and format is not None and format.lower() == "tsv":
        delimiter = "\t"

    def open_file(file: Path) -> Reader:
        try:  # (detecting the encoding or the delimiter already reads the file)
            if kind == "csv":
                return CsvReader(file, encoding=encoding, delimiter=delimiter)
            if kind == "excel":
                return ExcelReader(file, sheet=sheet)
            if kind == "json":
                return JsonReader(file)
            return LidoReader(file) if kind == "lido" else DublinCoreReader(file)
        except OSError as exc:
            raise InputError(f"cannot read the export: {exc.strerror or exc}", file=file) from None

    if path.is_file():
        return open_file(path)
    files = export_files(path, _FOLDER_SUFFIXES[kind])
    if not files:
        suffixes = "/".join(sorted(_FOLDER_SUFFIXES[kind]))
        raise InputError(f"the folder holds no {suffixes} files", file=path)
    return FolderReader(path, files, kind, open_file)
