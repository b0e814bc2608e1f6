"""Safe, streaming XML: the only place readers touch lxml's parser.

Exports come from outside; an XML file can ask the parser to read local files (XXE), fetch URLs or expand
entities exponentially ("billion laughs"). We parse with DTD loading, entity resolution and network access
off, and refuse any document that declares entities or points at an external DTD, before reading a record.
Records are streamed with ``iterparse`` and the parsed tree is pruned behind us so memory stays flat.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lxml import etree

from glamupload.errors import InputError

_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
}

_LAYOUT_BREAK = re.compile(r"[ \t]*\n[ \t]+")

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
    fatal = [entry for entry in log if entry.level_name == "FATAL" and entry.filename == str(path)]
    line, message = (fatal[0].line, fatal[0].message) if fatal else (exc.lineno, exc.msg or str(exc))
    return InputError(
        f"broken XML: {message.strip()}",
        file=path,
        line=line or None,
        hint="the file is not well-formed XML; was the export cut off or edited by hand?",
    )


def check_document(path: Path) -> None:
    """Refuse a document whose DOCTYPE declares entities or names an external DTD.

    Reads only up to the root element's start tag: libxml2 has parsed the whole prolog by then.
    """
    with _reading(path):
        for _event, element in etree.iterparse(str(path), events=("start",), **_PARSER_OPTIONS):
            docinfo = element.getroottree().docinfo
            dtd = docinfo.internalDTD
            declares_entities = dtd is not None and any(True for _ in dtd.iterentities())
            if declares_entities or docinfo.system_url or docinfo.public_id:
                raise InputError(UNSAFE_MESSAGE, file=path, line=1, hint=_UNSAFE_HINT)
            return


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
    """Free everything parsed before ``element`` (the siblings before it and before its ancestors)."""
    for node in (element, *element.iterancestors()):
        while node.getprevious() is not None:
            del node.getparent()[0]


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


def iter_elements(path: Path, tag: str, *, keep: bool = True) -> Iterator[tuple[etree._Element, int | None]]:
    """Yield each ``tag`` element (Clark notation ``{ns}name``) with its start line.

    The element belongs to the caller (``Record.get("xpath:...")`` keeps working after we move on, through
    `OwnDocument`): it is taken out of the parsed document, which is pruned behind it. Without ``keep``
    it is lent (``select_elements``): a pass that only looks at each (the LIDO reader's field list) pays
    nothing to keep it.
    """
    for element, line in select_elements(path, tag, lambda number: True, keep=keep):
        assert element is not None
        yield element, line


def select_elements(
    path: Path, tag: str, wanted: Callable[[int], bool], *, keep: bool = True
) -> Iterator[tuple[etree._Element | None, int | None]]:
    """``iter_elements``, but only the elements ``wanted`` accepts (by 1-based number) are handed out;
    None stands in for the others (parsed and pruned all the same). A finished element is detached from
    its parent rather than copied (a parsed element is complete at its end event, and the parser only
    appends after it): a third of the cost of a deep copy. Without ``keep`` it is only lent: pruned when
    the next one is asked for (a reader that takes its fields at once and keeps nothing)."""
    for number, element in enumerate(_parsed(path, tag), start=1):
        line = element.sourceline
        want = wanted(number)
        if not (keep and want):
            yield (element if want else None), line
            _prune(element)
            continue
        _prune_before(element)
        parent = element.getparent()
        if parent is not None:  # a bare record is the document itself: nothing to detach it from
            parent.remove(element)
        yield element, line


def _parsed(path: Path, tag: str) -> Iterator[etree._Element]:
    """Each ``tag`` element at its end event, from a document checked to be safe first."""
    check_document(path)
    with _reading(path):
        for _event, element in etree.iterparse(str(path), events=("end",), tag=tag, **_PARSER_OPTIONS):
            yield element
