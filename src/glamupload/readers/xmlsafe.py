"""Safe, streaming XML: the only place readers touch lxml's parser.

Exports come from outside; an XML file can ask the parser to read local files (XXE), fetch URLs or expand
entities exponentially ("billion laughs"). We parse with DTD loading, entity resolution and network access
off, and refuse any document that declares entities or points at an external DTD, before reading a record.
Records are streamed (a pull parser we feed: `_events`) and the parsed tree is pruned behind us so memory
stays flat.
"""

from __future__ import annotations

import copy
import mmap
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from glamupload.errors import InputError
from glamupload.readers import xmlshare
from glamupload.readers.position import ReadPosition

_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
}

_LAYOUT_BREAK = re.compile(r"[ \t]*\n[ \t]+")
#: How much of the document the parser is fed at once.
_CHUNK = 64 << 10

UNSAFE_MESSAGE = "the export declares XML entities / a DTD; refusing to read it for safety"
_UNSAFE_HINT = (
    "remove the <!DOCTYPE ...> declaration from the file (exports never need one); "
    "if the file came from an unknown source, do not open it with other XML tools either"
)


def text_of(node: etree._Element | str) -> str:
    """The text of an element (all descendants) or of an attribute/text node, without pretty-printing.

    A line break followed by indentation is the exporter's layout, not content, and becomes one space;
    a bare line break (e.g. between two measurement lines) is kept.
    """
    if not isinstance(node, etree._Element):
        text = str(node)
    elif len(node):
        text = "".join(node.itertext())
    else:  # most nodes a reader asks for hold text only
        text = node.text or ""
    return (_LAYOUT_BREAK.sub(" ", text) if "\n" in text else text).strip()


def _syntax_error(path: Path, exc: etree.XMLSyntaxError) -> InputError:
    """The first fatal parser error is the cause; later ones (e.g. "no element found") are consequences."""
    log = exc.error_log or []  # may also hold entries of earlier parses in this thread: keep this file's
    names = {str(path), str(path.absolute())}  # lxml names a file it reads through Python by its full path
    fatal = [entry for entry in log if entry.level_name == "FATAL" and entry.filename in names]
    line, message = (fatal[0].line, fatal[0].message) if fatal else (exc.lineno, exc.msg or str(exc))
    return InputError(
        f"broken XML: {message.strip()}",
        file=path,
        line=line or None,
        hint="the file is not well-formed XML; was the export cut off or edited by hand?",
    )


def check_document(path: Path) -> None:
    """Refuse a document whose DOCTYPE declares anything (entities; attribute defaults, which lxml's
    ``get`` would hand out as if the element had them: ``<!ATTLIST header status CDATA "deleted">``
    marked every OAI record deleted) or names an external DTD.

    Reads only up to the root element's start tag: libxml2 has parsed the whole prolog by then.
    """
    with _reading(path), path.open("rb") as file:
        for _event, element in _events(file, ("start",), None, str(path)):
            docinfo = element.getroottree().docinfo
            dtd = docinfo.internalDTD
            declares = dtd is not None and any(True for _ in (*dtd.iterentities(), *dtd.iterelements()))
            if declares or docinfo.system_url or docinfo.public_id or _declarations(path):
                raise InputError(UNSAFE_MESSAGE, file=path, line=1, hint=_UNSAFE_HINT)
            return


_SUBSET_START = re.compile(rb"<!DOCTYPE[^\[>]*\[")
_SUBSET_END = re.compile(rb"\]\s*>")
_COMMENTS = re.compile(rb"<!--.*?-->", re.DOTALL)


def _declarations(path: Path) -> bool:
    """Whether the DOCTYPE's internal subset holds more than comments (an ATTLIST shows in no lxml
    API), read from the file's first chunk; a subset longer than that declares something."""
    with path.open("rb") as file:
        head = file.read(_CHUNK)
    start = _SUBSET_START.search(head)
    if start is None:
        return False
    end = _SUBSET_END.search(head, start.end())
    return end is None or bool(_COMMENTS.sub(b"", head[start.end() : end.start()]).strip())


def _events(
    source: BinaryIO | xmlshare.Share, events: tuple[str, ...], tag: str | None, url: str
) -> Iterator[tuple[str, etree._Element]]:
    """``etree.iterparse`` of ``source``, fed by us: the events parsed before a fault are handed out
    before its XMLSyntaxError is raised, whatever lxml's own iterparse does (6.2 raises at once and drops
    the events of the chunk that holds the fault: the records before a fault, the root element of a
    document whose entities blow up). ``url`` names the document in the parser's errors."""
    parser = etree.XMLPullParser(events=events, tag=tag, base_url=url, **_PARSER_OPTIONS)
    try:
        while chunk := source.read(_CHUNK):
            parser.feed(chunk)
            yield from parser.read_events()
        parser.close()
    except etree.XMLSyntaxError:
        yield from parser.read_events()
        raise
    yield from parser.read_events()


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Parser and file errors become InputErrors naming the export (and the line, for broken XML)."""
    try:
        yield
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(path, exc) from None
    except OSError as exc:
        raise InputError(f"cannot read the export: {exc}", file=path) from None


def _prune(element: etree._Element) -> None:
    """Free a finished record and everything parsed before it (the iterparse memory idiom)."""
    element.clear(keep_tail=False)
    _prune_before(element)


def _prune_before(element: etree._Element) -> None:
    """Free everything parsed before ``element`` (the siblings before it and before its ancestors). The
    root's siblings (an ``<?xml-stylesheet?>`` as OAI-PMH endpoints send, a comment) belong to no
    element: they stay, and are few."""
    for node in (element, *element.iterancestors()):
        parent = node.getparent()
        while parent is not None and node.getprevious() is not None:
            del parent[0]


class OwnDocument:
    """A record's element for ``Record.get("xpath:...")``: XPath sees it as a document of its own, so
    an absolute path (``//lido:lidoRecID``) never reaches the document it was parsed in (a neighbouring
    record). Taken out of that document, the element still belongs to it; the first XPath a crosswalk
    asks copies it into its own (the readers' relative paths need no copy)."""

    __slots__ = ("element", "_own")

    def __init__(self, element: etree._Element) -> None:
        self.element = element
        self._own: etree._Element | None = None

    def xpath(self, expression: str, namespaces: dict[str, str]) -> Any:
        if self._own is None:
            self._own = copy.deepcopy(self.element)
        return self._own.xpath(expression, namespaces=namespaces)


def iter_elements(
    path: Path, tag: str, *, keep: bool = True, position: ReadPosition | None = None
) -> Iterator[tuple[etree._Element, int | None]]:
    """Yield each ``tag`` element (Clark notation ``{ns}name``) with its start line.

    The element belongs to the caller (``Record.get("xpath:...")`` keeps working after we move on, through
    `OwnDocument`): it is taken out of the parsed document, which is pruned behind it. Without ``keep``
    it is lent: a pass that only looks at each (the LIDO reader's field list) pays nothing to keep it.
    """
    for _, element, line in select_elements(path, tag, None, keep=keep, position=position):
        yield element, line


def select_elements(
    path: Path,
    tag: str,
    wanted: Callable[[int], bool] | None,
    *,
    keep: bool = True,
    position: ReadPosition | None = None,
) -> Iterator[tuple[int, etree._Element, int | None]]:
    """``iter_elements``, but only the elements ``wanted`` accepts (by 1-based number; None: all), each
    with its number. A share of the elements (a planning worker's) is parsed without the others where the
    file allows it (`xmlshare`), else the whole file is parsed and the others pruned unseen.

    A finished element is detached from its parent rather than copied (a parsed element is complete at its
    end event, and the parser only appends after it): a third of the cost of a deep copy. Without ``keep``
    it is only lent: pruned when the next one is asked for (a reader that takes its fields at once and
    keeps nothing). ``position``, if given, follows the reading."""
    position = position or ReadPosition()
    handed = 0
    if wanted is not None:
        try:
            for number, element in _shared(path, tag, wanted, position):
                yield from _hand_out(number, element, keep)
                handed = number
            return
        except (xmlshare.NotShared, etree.XMLSyntaxError):
            pass  # parsed whole from here: it finds what the share could not tell (and words it as ever)
    for number, element in enumerate(_parsed(path, tag, position), start=1):
        if number <= handed or (wanted is not None and not wanted(number)):
            _prune(element)
            continue
        yield from _hand_out(number, element, keep)


def _hand_out(
    number: int, element: etree._Element, keep: bool
) -> Iterator[tuple[int, etree._Element, int | None]]:
    line = element.sourceline
    if not keep:
        yield number, element, line
        _prune(element)
        return
    _prune_before(element)
    parent = element.getparent()
    if parent is not None:  # a bare record is the document itself: nothing to detach it from
        parent.remove(element)
    yield number, element, line


def _shared(
    path: Path, tag: str, wanted: Callable[[int], bool], position: ReadPosition
) -> Iterator[tuple[int, etree._Element]]:
    """The wanted elements, parsed from a `xmlshare.Share` of the file, with the numbers the share counted
    for them: one element for each (NotShared when there are more or fewer)."""
    layout = _layout(path, tag)
    if layout is None:
        raise xmlshare.NotShared
    with path.open("rb") as file, _mapped(file) as data:
        share = xmlshare.Share(data, layout, wanted)
        for _event, element in _events(share, ("end",), tag, str(path)):
            if not share.expected:
                raise xmlshare.NotShared
            number, end = share.expected.popleft()
            position.done = end / len(data)
            yield number, element
        if share.expected:
            raise xmlshare.NotShared
        position.done = 1.0


@contextmanager
def _mapped(file: BinaryIO) -> Iterator[mmap.mmap]:
    """The file mapped into memory; NotShared where it cannot be (a pipe, a file system without it)."""
    try:
        data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        raise xmlshare.NotShared from None
    with data:
        yield data


def _layout(path: Path, tag: str) -> xmlshare.Layout | None:
    """How the file spells the first ``tag`` element and the elements around it; None when a share of it
    cannot be cut by bytes: no such element, one that is the document itself, or its namespace bound to
    more than one prefix there."""
    check_document(path)
    if path.stat().st_size == 0:
        return None
    with _reading(path), path.open("rb") as file:
        first = next(_events(file, ("start",), tag, str(path)), None)
    if first is None:
        return None
    element = first[1]
    ancestors = list(element.iterancestors())
    namespace = etree.QName(element).namespace
    if namespace is not None and list(element.nsmap.values()).count(namespace) != 1:
        return None
    if not ancestors:
        return None
    return xmlshare.Layout(
        start=f"<{_qualified(element)}".encode(),
        prefix=(element.prefix or "").encode(),
        namespace=(namespace or "").encode(),
        closers="".join(f"</{_qualified(ancestor)}>" for ancestor in ancestors).encode(),
    )


def _qualified(element: etree._Element) -> str:
    local = etree.QName(element).localname
    return f"{element.prefix}:{local}" if element.prefix else local


def _parsed(path: Path, tag: str, position: ReadPosition) -> Iterator[etree._Element]:
    """Each ``tag`` element at its end event, from a document checked to be safe first; read through a
    file object, so that ``position`` can follow it (as fast as lxml's own reading)."""
    check_document(path)
    with _reading(path), path.open("rb") as file:
        size = max(1, os.fstat(file.fileno()).st_size)
        for _event, element in _events(file, ("end",), tag, str(path)):
            position.done = min(1.0, file.tell() / size)
            yield element
    position.done = 1.0
