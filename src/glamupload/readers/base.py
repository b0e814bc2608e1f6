"""The two types every reader produces: a `Record` per exported object and the `Reader` that streams them.

Crosswalks only ever see these types, so a CSV row, a JSON object and a LIDO record are addressed the same
way: by field name, by dotted path into nested values, or (XML only) by an ``xpath:`` expression.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from glamupload.errors import ConfigError, InputError
from glamupload.readers import harvest
from glamupload.readers.paths import ExportShape, resolve
from glamupload.readers.position import ReadPosition
from glamupload.readers.xmlsafe import OwnDocument, iter_elements, text_of

#: Prefixes usable in ``xpath:`` expressions (``skos``/``rdf`` for LIDO 1.1 concepts).
NAMESPACES: dict[str, str] = {
    "lido": "http://www.lido-schema.org",
    "dc": "http://purl.org/dc/elements/1.1/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}

#: The record elements of the two XML formats (a LIDO record; a Dublin Core record's metadata).
LIDO_TAG = f"{{{NAMESPACES['lido']}}}lido"
DUBLIN_CORE_TAG = f"{{{NAMESPACES['oai_dc']}}}dc"
#: The formats whose export may be a page (or pages) of an OAI-PMH harvest.
HARVEST_FORMATS = frozenset({"lido", "oai_dc"})


def refuse_other_format(path: Path, tag: str, holds: str, read_as: str) -> None:
    """Called when a file read as ``read_as`` gave no record: if it holds ``tag`` records of the other
    format (a folder mixing both, or ``export.format`` set wrong), that is an error naming both, not an
    export of nothing."""
    for _element, line in iter_elements(path, tag):
        raise InputError(
            f"the file holds {holds} records, and is read as {read_as}",
            file=path,
            line=line,
            hint="set export.format to the file's format; a folder's files must all be of one",
        )


XPATH_PREFIX = "xpath:"


def clean(value: Any) -> Any:
    """Normalise an exported value: empty → ``None``; numbers → ``str``; containers cleaned recursively.

    The contract promises crosswalks that empty values are absent (never NaN, never ""), so every reader
    passes its values through here.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        cleaned = {str(k): clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v is not None} or None
    if isinstance(value, (list, tuple)):
        items = [item for item in (clean(v) for v in value) if item is not None]
        return items or None
    return clean(str(value))


def one_or_many(values: list[str]) -> str | list[str] | None:
    """One value as ``str``, repeated values as ``list[str]``, none as ``None`` (the contract's shapes)."""
    values = [v for v in values if v]
    if not values:
        return None
    return values[0] if len(values) == 1 else values


@dataclass(frozen=True, slots=True)
class ReadProblem:
    """Why one record of an export could not be read (fully): an error on that record, not on the batch.

    A reader yields the record anyway, with what it could read (maybe nothing) and this problem; the
    planner turns it into an error on that record's file, and the rest of the export goes on.
    """

    message: str
    hint: str | None = None

    def __str__(self) -> str:
        return self.message + (f" (hint: {self.hint})" if self.hint else "")


@dataclass(frozen=True, slots=True)
class Record:
    """One exported object: its fields plus where it came from, so every later error can point back to it.

    ``problem`` is set when the record could not be read as it should (see `ReadProblem`).
    """

    fields: dict[str, Any]
    source: str
    position: str
    line: int | None
    element: OwnDocument | None = None  #: an XML record's element (for ``xpath:`` paths)
    problem: ReadProblem | None = None

    def get(self, path: str) -> Any:
        """Resolve a field name, a path into nested values (``a.b``, ``a[].b``, ``a[0]``) or ``xpath:EXPR``.

        Returns ``None`` when the record has no (non-empty) value there. The path syntax is
        `glamupload.readers.paths`.
        """
        if path.startswith(XPATH_PREFIX):
            return self._xpath(path[len(XPATH_PREFIX) :].strip())
        if path in self.fields:
            return self.fields[path]
        return resolve(self.fields, path)

    def _xpath(self, expression: str) -> str | list[str] | None:
        if self.element is None:
            raise ConfigError(
                f"{XPATH_PREFIX}{expression} can only be used with XML exports (LIDO, Dublin Core)",
                file=self.source,
                field=XPATH_PREFIX + expression,
            )
        try:
            result = self.element.xpath(expression, namespaces=NAMESPACES)
        except (etree.XPathError, ValueError) as exc:  # ValueError: a NUL byte or a lone surrogate in it
            raise ConfigError(
                f"invalid XPath expression {expression!r}: {exc}",
                field=XPATH_PREFIX + expression,
                hint="known prefixes: " + ", ".join(NAMESPACES),
            ) from None
        if not isinstance(result, list):
            result = [result]
        texts = []
        for item in result:
            if isinstance(item, bool):
                texts.append("true" if item else "false")
            elif isinstance(item, float):
                texts.append(clean(item) or "")
            else:
                texts.append(text_of(item))
        return one_or_many(texts)


class Reader(ABC):
    """A re-iterable, streaming view of one export: ``fields`` for validation, ``iter()`` for the records."""

    format: str
    #: Whether an XML reader's records keep their element, for ``xpath:`` paths (``Record.element``). The
    #: planner turns it off for a crosswalk that names none: keeping an element costs a seventh of
    #: reading a LIDO record.
    keep_elements: bool = True
    _position: ReadPosition | None = None

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    @abstractmethod
    def fields(self) -> list[str]:
        """The field names a crosswalk may use."""

    @property
    def shape(self) -> ExportShape:
        """What the crosswalk check needs: the fields, which paths are lists or objects, how it was read."""
        return ExportShape(self.fields)

    @abstractmethod
    def __iter__(self) -> Iterator[Record]:
        """Yield the records in export order; each call starts again from the beginning of the export."""

    @property
    def notes(self) -> list[str]:
        """What the curator should know of the export as a whole, not of one record: an OAI-PMH harvest
        of which only some pages were saved (``harvest.notes``)."""
        return harvest.notes(self.export_files()) if self.format in HARVEST_FORMATS else []

    def export_files(self) -> list[Path]:
        """The files the export is read from (a folder's reader has many)."""
        return [self.path]

    def progress(self) -> float | None:
        """The share of the export read so far by the latest pass (for an estimate of the time left), if
        the reader can tell: one that follows its pass (``_follow``) can."""
        return self._position.done if self._position is not None else None

    def _follow(self) -> ReadPosition:
        """The position of a pass that starts now (``progress`` follows the latest)."""
        self._position = ReadPosition()
        return self._position

    def select(self, keep: Callable[[int], bool]) -> Iterator[tuple[int, Record]]:
        """The records whose number (0-based, in export order) ``keep`` accepts, with their numbers: a
        worker process reads the whole export but makes only its own share of records (readers skip the
        work of making the others where they can)."""
        for number, record in enumerate(self):
            if keep(number):
                yield number, record

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r})"


class ShapedReader(Reader):
    """A reader whose fields come from its shape, found by one pass over the export, done once."""

    _shape: ExportShape | None = None

    @property
    def fields(self) -> list[str]:
        return list(self.shape.fields)

    @property
    def shape(self) -> ExportShape:
        if self._shape is None:
            self._shape = self._find_shape()
        return self._shape

    @abstractmethod
    def _find_shape(self) -> ExportShape:
        """Read the export once for its paths, lists and objects (flat memory)."""
