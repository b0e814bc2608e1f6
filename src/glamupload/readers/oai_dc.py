"""Dublin Core as harvested over OAI-PMH (``ListRecords``/``GetRecord`` with ``metadataPrefix=oai_dc``).

Every DC element is repeatable free text, so every field is a ``list[str]``; ``header.identifier`` and
``header.datestamp`` identify the record. Records the repository marks deleted are skipped: they carry no
metadata and nothing can be uploaded from them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lxml import etree

from glamupload.errors import InputError
from glamupload.readers.base import (
    DUBLIN_CORE_TAG,
    LIDO_TAG,
    NAMESPACES,
    Reader,
    ReadProblem,
    Record,
    refuse_other_format,
)
from glamupload.readers.xmlsafe import (
    OwnDocument,
    iter_elements,
    text_of,
)

DC_ELEMENTS = [
    "title", "creator", "subject", "description", "publisher", "contributor", "date", "type", "format",
    "identifier", "source", "language", "relation", "coverage", "rights",
]  # fmt: skip
FIELDS = [*DC_ELEMENTS, "header.identifier", "header.datestamp"]

_OAI = NAMESPACES["oai"]
_DC = NAMESPACES["dc"]
_RECORD_TAG = f"{{{_OAI}}}record"
_DC_ANY = f"{{{_DC}}}*"
_DC_NAMES = frozenset(DC_ELEMENTS)
_ERROR_TAG = f"{{{_OAI}}}error"
_METADATA_TAG = f"{{{_OAI}}}metadata"


def _not_dublin_core(metadata: etree._Element | None) -> ReadProblem | None:
    """A record whose metadata is another format (LIDO harvested over OAI-PMH, in a folder of Dublin
    Core): its problem, not a record of no fields."""
    inside = next(iter(metadata), None) if metadata is not None else None
    if inside is None or inside.tag == DUBLIN_CORE_TAG or not isinstance(inside.tag, str):
        return None
    kind = (
        "LIDO" if inside.tag == LIDO_TAG else etree.QName(inside).namespace or etree.QName(inside).localname
    )
    return ReadProblem(
        f"the record's metadata is {kind}, and the file is read as oai_dc",
        "set export.format to the file's format; a folder's files must all be of one",
    )


def _header_text(header: etree._Element | None, name: str) -> str:
    """The header's ``identifier`` or ``datestamp``, whole (``findtext`` stops at a comment inside)."""
    node = header.find(f"{{{_OAI}}}{name}") if header is not None else None
    return text_of(node) if node is not None else ""


def _dc_fields(record: etree._Element) -> dict[str, object]:
    """Each DC element's non-empty values in document order (what ``.//dc:<name>`` selects for each name),
    in one walk over the record rather than fifteen searches."""
    found: dict[str, list[str]] = {}
    for node in record.iter(_DC_ANY):
        name = etree.QName(node).localname
        if name in _DC_NAMES and (value := text_of(node)):
            found.setdefault(name, []).append(value)
    return {name: found[name] for name in DC_ELEMENTS if name in found}


class DublinCoreReader(Reader):
    """An OAI-PMH response file holding ``oai_dc`` records."""

    format = "oai_dc"

    @property
    def fields(self) -> list[str]:
        return list(FIELDS)

    def __iter__(self) -> Iterator[Record]:
        return (record for _, record in self._records(None))

    def select(self, keep: Callable[[int], bool]) -> Iterator[tuple[int, Record]]:
        """Every record is parsed (its number skips deleted ones); only kept ones are read into fields."""
        return self._records(keep)

    def _records(self, keep: Callable[[int], bool] | None) -> Iterator[tuple[int, Record]]:
        source, read = str(self.path), self._follow()
        number = 0
        for element, line in iter_elements(self.path, _RECORD_TAG, keep=self.keep_elements, position=read):
            header = element.find(f"{{{_OAI}}}header")
            if header is not None and header.get("status") == "deleted":
                continue
            number += 1
            if keep is not None and not keep(number - 1):
                continue
            identifier, datestamp = (_header_text(header, name) for name in ("identifier", "datestamp"))
            # only the record's metadata: <about> holds facts about the metadata (its own licence)
            metadata = element.find(_METADATA_TAG)
            fields: dict[str, object] = _dc_fields(metadata) if metadata is not None else {}
            problem = _not_dublin_core(metadata)
            if identifier:
                fields["header.identifier"] = identifier
            if datestamp:
                fields["header.datestamp"] = datestamp
            position = f"record {number}" + (f" ({identifier})" if identifier else "")
            kept = OwnDocument(element) if self.keep_elements else None
            yield number - 1, Record(fields, source, position, line, kept, problem=problem)
        if number == 0:
            self._raise_oai_error()

    def _raise_oai_error(self) -> None:
        """An empty harvest may be an OAI-PMH error answer saved as the export, or Dublin Core records
        outside an OAI-PMH response: say so instead of reading nothing."""
        for _element, line in iter_elements(self.path, DUBLIN_CORE_TAG):
            raise InputError(
                "the file holds oai_dc:dc records outside an OAI-PMH response (no <record> with a "
                "<header> around them), so no record can be identified",
                file=self.path,
                line=line,
                hint="export it as an OAI-PMH ListRecords response (metadataPrefix=oai_dc), or as CSV",
            )
        refuse_other_format(self.path, LIDO_TAG, "LIDO", "oai_dc")
        for element, line in iter_elements(self.path, _ERROR_TAG):
            code = element.get("code", "")
            if code != "noRecordsMatch":
                message = text_of(element)
                raise InputError(
                    f"the file is an OAI-PMH error response ({code}): {message}",
                    file=self.path,
                    line=line,
                    hint="harvest again with verb=ListRecords&metadataPrefix=oai_dc",
                )
