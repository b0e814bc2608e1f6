"""Whether an OAI-PMH harvest saved as an export is whole: a ``ListRecords`` answer comes in pages, and
each page but the last ends with a non-empty ``resumptionToken`` that asks for the next one.

A curator who saved only the first page (or every page but the last) would otherwise plan a fraction of
the collection and never be told. The token is the last element of a page, so only each file's tail is
read (as bytes, no XML parser: it is found, not interpreted).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: How much of each file's end is read: the token and the closing tags after it, with room for comments.
TAIL_BYTES = 8 * 1024
#: Files without any token after which a folder is taken for one that is not a paged harvest (a folder of
#: one record a file): its other files are not read.
UNPAGED_FILES = 100
_TOKEN = re.compile(
    rb"<(?:[\w.-]+:)?resumptionToken\b([^>]*?)(?:/>|>([^<]*)</(?:[\w.-]+:)?resumptionToken\s*>)"
)
_SIZE = re.compile(rb"""\bcompleteListSize\s*=\s*["']\s*(\d{1,12})\s*["']""")


@dataclass(frozen=True)
class HarvestPage:
    """The resumption token a page ends with (``""``: the last page) and the list size it names."""

    file: Path
    token: str
    complete_size: int | None


def last_token(file: Path) -> HarvestPage | None:
    """The page's resumption token, or None when the file ends with none (not a paged answer)."""
    try:
        with file.open("rb") as fh:
            fh.seek(0, 2)
            fh.seek(max(0, fh.tell() - TAIL_BYTES))
            tail = fh.read()
    except OSError:
        return None  # the reader reports the file it cannot read
    found = list(_TOKEN.finditer(tail))
    if not found:
        return None
    attributes, text = found[-1].group(1), found[-1].group(2) or b""
    size = _SIZE.search(attributes)
    token = text.decode("utf-8", "replace").strip()
    return HarvestPage(file, token, int(size.group(1)) if size else None)


def notes(files: Sequence[Path]) -> list[str]:
    """What to tell the curator when no page of the harvest is its last one (every page that has a
    token has a non-empty one); nothing for a whole harvest or files that are not paged answers."""
    pages: list[HarvestPage] = []
    for number, file in enumerate(files):
        page = last_token(file)
        if page is not None and not page.token:
            return []  # the last page is here
        if page is None and not pages and number + 1 >= UNPAGED_FILES:
            return []
        pages += [page] if page is not None else []
    if not pages:
        return []
    page = pages[-1]
    size = next((p.complete_size for p in reversed(pages) if p.complete_size is not None), None)
    of = f" of the {size:,} records the repository lists (completeListSize)" if size is not None else ""
    return [
        f"{page.file.name}: the OAI-PMH harvest has more pages (resumptionToken {page.token[:60]!r}): "
        f"only the records of the page(s) here are read{of}; harvest every page (verb=ListRecords"
        "&resumptionToken=…) into the export folder"
    ]
