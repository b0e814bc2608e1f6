"""An export that is many files — a folder (read with its subfolders) or a glob — read as one export.

DDB/LIDO deliveries and many JSON dumps come as one file per record, tens of thousands of them. The files
are read one after the other (streaming: one file open at a time) in a stable natural order (``rec_2``
before ``rec_10``, by the path inside the folder); each record's position names its file inside the folder
(``objects/a.json item 1``). A file that cannot be read is an error on that file's record (a
`ReadProblem`), and the other files are read as usual.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from glamupload.errors import InputError
from glamupload.readers.base import Reader, ReadProblem, Record, ShapedReader
from glamupload.readers.paths import ExportShape

_GLOB_CHARS = re.compile(r"[*?\[]")
_DIGITS = re.compile(r"(\d+)")


def is_glob(path: Path) -> bool:
    """A path that does not exist but has glob characters (``*``, ``?``, ``[``) is a pattern."""
    return not path.exists() and bool(_GLOB_CHARS.search(str(path)))


def glob_base(path: Path) -> Path:
    """The folder a glob starts in: its leading parts without glob characters."""
    base = Path(path.anchor)
    for part in path.parts[len(base.parts) :]:
        if _GLOB_CHARS.search(part):
            break
        base /= part
    return base


def export_base(path: Path) -> Path:
    """The folder an export's files are named relative to: itself for a folder, the file's for a file."""
    if path.is_dir():
        return path
    return glob_base(path) if is_glob(path) else path.parent


def _natural(relative: Path) -> list[tuple[int, int | str]]:
    """Sort key: digit runs compare as numbers, the rest case-insensitively, then exactly (stable)."""
    key: list[tuple[int, int | str]] = []
    for part in relative.parts:
        for i, piece in enumerate(_DIGITS.split(part)):
            key.append((1, int(piece)) if i % 2 else (0, piece.casefold()))
        key.append((2, part))
    return key


def export_files(path: Path, suffixes: Collection[str] | None = None) -> list[Path]:
    """The files an export path stands for, in reading order: the file itself, a folder's files (with
    subfolders; hidden ones skipped) or a glob's matches; only those with one of ``suffixes`` if given."""
    if path.is_file():
        return [path]
    if path.is_dir():
        candidates = [p for p in path.rglob("*") if p.is_file()]
    elif is_glob(path):
        candidates = [Path(p) for p in glob.glob(str(path), recursive=True) if Path(p).is_file()]
    else:
        raise InputError("no such file or folder", file=path)
    base = export_base(path)
    files = [
        p
        for p in candidates
        if not any(part.startswith(".") for part in p.relative_to(base).parts)
        and (suffixes is None or p.suffix.lower() in suffixes)
    ]
    return sorted(files, key=lambda p: _natural(p.relative_to(base)))


class FolderReader(ShapedReader):
    """Many export files of one format read as one export; ``open_file`` opens the reader of one file."""

    def __init__(
        self, path: Path, files: list[Path], format: str, open_file: Callable[[Path], Reader]
    ) -> None:
        super().__init__(path)
        self.files = files
        self.format = format
        self.base = export_base(path)
        self._open_file = open_file

    def export_files(self) -> list[Path]:
        return self.files

    def label(self, file: Path) -> str:
        """How messages name a file: its path inside the folder."""
        return file.relative_to(self.base).as_posix()

    def _find_shape(self) -> ExportShape:
        """Every file's fields, lists and objects together (first-seen order)."""
        fields: dict[str, None] = {}
        lists: set[str] = set()
        objects: set[str] = set()
        read_as = advice = None
        for file in self.files:
            try:
                shape = self._open_file(file).shape.whole()
            except InputError:
                continue  # reported on that file's record when the export is read
            fields.update(dict.fromkeys(shape.fields))
            lists |= shape.lists
            objects |= shape.objects
            if read_as is None and shape.read_as:
                read_as, advice = f"{self.label(file)} {shape.read_as}", shape.advice
        return ExportShape(list(fields), frozenset(lists), frozenset(objects), read_as, advice)

    def __iter__(self) -> Iterator[Record]:
        return self.read_files(self.files)

    def read_files(self, files: Sequence[Path]) -> Iterator[Record]:
        """The records of some of the folder's files (a worker process's share), in their order."""
        for file in files:
            label = self.label(file)
            try:
                opened = self._open_file(file)
                opened.keep_elements = self.keep_elements
                for record in opened:
                    yield replace(record, position=f"{label} {record.position}")
            except InputError as exc:
                where = f"{label} line {exc.line}" if exc.line else label
                message = exc.message + ("; the rest of this file was not read" if exc.line else "")
                yield Record({}, str(file), where, exc.line, problem=ReadProblem(message, exc.hint))
