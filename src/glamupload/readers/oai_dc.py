"""Dublin Core as harvested over OAI-PMH (``ListRecords``/``GetRecord`` with ``metadataPrefix=oai_dc``).

Every DC element is repeatable free text, so every field is a ``list[str]``; ``header.identifier`` and
``header.datestamp`` identify the record. Records the repository marks deleted are skipped: they carry no
metadata and nothing can be uploaded from them.
"""

from __future__ import annotations

from collections.abc import Iterator

from glamupload.errors import InputError
from glamupload.readers.base import NAMESPACES, Reader, Record
from glamupload.readers.xmlsafe import OwnDocument, iter_elements, text_of

DC_ELEMENTS = [
    "title", "creator", "subject", "description", "publisher", "contributor", "date", "type", "format",
    "identifier", "source", "language", "relation", "coverage", "rights",
]  # fmt: skip
FIELDS = [*DC_ELEMENTS, "header.identifier", "header.datestamp"]

_OAI = NAMESPACES["oai"]
_DC = NAMESPACES["dc"]
_RECORD_TAG = f"{{{_OAI}}}record"
_ERROR_TAG = f"{{{_OAI}}}error"


class DublinCoreReader(Reader):
    """An OAI-PMH response file holding ``oai_dc`` records."""

    format = "oai_dc"

    @property
    def fields(self) -> list[str]:
        return list(FIELDS)

    def __iter__(self) -> Iterator[Record]:
        source = str(self.path)
        number = 0
        for element, line in iter_elements(self.path, _RECORD_TAG, keep=self.keep_elements):
            header = element.find(f"{{{_OAI}}}header")
            if header is not None and header.get("status") == "deleted":
                continue
            number += 1
            identifier = header.findtext(f"{{{_OAI}}}identifier", "").strip() if header is not None else ""
            datestamp = header.findtext(f"{{{_OAI}}}datestamp", "").strip() if header is not None else ""
            fields: dict[str, object] = {}
            for name in DC_ELEMENTS:
                values = [text_of(node) for node in element.xpath(f".//dc:{name}", namespaces=NAMESPACES)]
                values = [value for value in values if value]
                if values:
                    fields[name] = values
            if identifier:
                fields["header.identifier"] = identifier
            if datestamp:
                fields["header.datestamp"] = datestamp
            position = f"record {number}" + (f" ({identifier})" if identifier else "")
            yield Record(fields, source, position, line, OwnDocument(element) if self.keep_elements else None)
        if number == 0:
            self._raise_oai_error()

    def _raise_oai_error(self) -> None:
        """An empty harvest may be an OAI-PMH error answer saved as the export: say so instead of nothing."""
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
