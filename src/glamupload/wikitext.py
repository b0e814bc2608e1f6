"""Commons file pages built from untrusted metadata: escaping, trusted constructs, rendering, checking.

Text from an export is never markup. ``escape`` turns any value into wikitext that displays exactly that
text and cannot leave the template parameter it is put in; only ``Wikitext`` (a ``str`` subclass) is
passed through unchanged, and the helpers here (``lang``, ``size``, ``other_date``, ``institution``,
``creator``, ``information_field``, ``template_call``) are the trusted way to build markup around escaped
values.

Escaping rules (each makes one wikitext construct impossible; entities are decoded only at display time,
after the wiki has parsed the page structure):

* ``| = { } [ ] <`` → numeric entities (``&#124;`` …): no parameter break, no ``name=value`` split in
  positional use, no template/parameter/table, no internal or bracketed external link, no HTML tag,
  comment, ``<nowiki>``/``<ref>`` or extension tag.
* runs of ``''`` (bold/italic), ``~~~`` (signatures), ``__`` (``__MAGICWORDS__``) and ``!!`` (table
  header cells) → every character of the run as an entity; so is a single ``'`` at the start or end of
  a line, which would join the ``''`` of a template that shows the value in italics.
* ``&`` that would start an entity (``&amp;``, ``&#91;``) → ``&amp;``, so literal text shows literally.
* line breaks (``\\r\\n``, ``\\r``, ``\\n``, and the other Unicode line separators) → ``<br>``: the escaped
  value stays on one line, so no line start inside it can open a list, heading, ``<pre>``, table row or
  rule. Line-start characters at the very beginning (``* # : ; !``, ``----``) are entities too, because
  a template may put the value at the start of a line. A blank line therefore shows as ``<br><br>``.
* leading and trailing spaces/tabs → entities (a named parameter would silently trim them).
* a combining mark at the start of the value or right after a ``<br>`` → entity, so the wiki's NFC
  normalisation cannot fuse it with the markup in front of it (``=`` + U+0338 would become ``≠``).
* control characters, surrogates and non-characters are dropped; the result is NFC, as the wiki stores it.

Free URLs stay plain text and the wiki links them (wanted); where one runs into ``| [ ] <`` or into the
entities for trailing spaces, a ``<nowiki/>`` ends it, or the wiki would show that character
percent-encoded as part of the URL (``http://example.org/?a=b `` would show as ``…?a=b+``). ``ISBN``/``PMID``/
``RFC`` magic links are left alone: harmless, and useful.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import itertools
import re
import traceback
import typing
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import jinja2
import mwparserfromhell
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment
from mwparserfromhell.nodes import (
    Argument,
    Comment,
    ExternalLink,
    Heading,
    Node,
    Tag,
    Template,
    Text,
    Wikilink,
)

from glamupload import resources, timelimits
from glamupload.caching import Memo
from glamupload.errors import ConfigError, GlamuploadError, InputError
from glamupload.problems import Problem, ProblemCode

PAGE_TEMPLATE = "file-page.j2"
"""The shipped page template; ``<slug>.j2`` (e.g. ``art-photo.j2``) overrides it for one template."""

CATALOGUE_FILE = "commons-templates.yaml"


class Wikitext(str):
    """Trusted wikitext markup: passed through rendering unescaped.

    Only this module's helpers, the license engine and crosswalk literals should create it. Any ``str``
    operation on it returns a plain ``str`` again, i.e. untrusted — the safe direction.
    """

    __slots__ = ()


class Contained(Wikitext):
    """Trusted wikitext that cannot reach outside itself, by the way code built it: escaped text, a
    template call of validated names around contained arguments, contained pieces joined where no joint
    can form anything (``joined``), a crosswalk pattern checked once and filled with plain text.

    As a template parameter value its constructs are exactly its own, wherever the page puts it, so the
    planner's by-construction check (``page_problems``) need not parse it (decision 0016). Any ``str``
    operation gives a plain ``str``; building a ``Wikitext`` from it loses the proof.
    """

    __slots__ = ()


# --- escaping -------------------------------------------------------------------------------------------

_LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_UNWANTED = re.compile(
    "[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
    "|[\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U0004fffe\U0004ffff"
    "\U0005fffe\U0005ffff\U0006fffe\U0006ffff\U0007fffe\U0007ffff\U0008fffe\U0008ffff"
    "\U0009fffe\U0009ffff\U000afffe\U000affff\U000bfffe\U000bffff\U000cfffe\U000cffff"
    "\U000dfffe\U000dffff\U000efffe\U000effff\U000ffffe\U000fffff\U0010fffe\U0010ffff]"
)
_INLINE = re.compile(r"[|={}\[\]<]|&(?=[#A-Za-z0-9])|'{2,}|^'|'$|~{3,}|_{2,}|!{2,}")
_LINE_START = re.compile(r"^(?:[*#:;!]|-(?=---))")
_EDGE_SPACE = re.compile(r"^[ \t]+|[ \t]+$")
_LEADING_SPACE = re.compile(r"^[ \t]+")
_BR = "<br>"
# A free URL runs on through entities: the wiki decodes them in the link and shows | [ ] < and spaces
# in it percent-encoded (a space as "+"). So a URL is ended with <nowiki/> before such a character, and
# before the entities that protect trailing spaces. No word boundary is required before the protocol
# because the escaped text has boundaries the raw text lacks (``__http://`` → ``&#95;&#95;http``).
_FREE_URL = (
    r"(?i)(?:bitcoin:|ftps?://|geo:|git://|gopher://|https?://|ircs?://|magnet:|mailto:|matrix:|mms://"
    r"|news:|nntp://|redis://|sftp://|sips?:|sms:|ssh://|svn://|tel:|telnet://|urn:|worldwind://|xmpp:)"
    r"[^\s\"\[\]<>|\x00-\x20\x7f\ufffd]*"
)
_URL = re.compile(_FREE_URL)
_URL_CUT_BEFORE = frozenset("|[]<")
_URL_AT_END = re.compile(_FREE_URL + r"\Z")
_URL_END = "<nowiki/>"
_WIKI_TRIM = " \t\n\r\0\x0b"
"""What MediaWiki trims from a named template parameter (PHP ``trim``), and so what we may trim."""


def _entities(text: str) -> str:
    return "".join(f"&#{ord(char)};" for char in text)


def _escape_piece(text: str) -> str:
    text = _INLINE.sub(lambda m: "&amp;" if m.group() == "&" else _entities(m.group()), text)
    if text and unicodedata.combining(text[0]):
        text = _entities(text[0]) + text[1:]
    return text


def _escape_line(line: str) -> str:
    # each URL's whole run, then the character after it: a lookahead in the pattern was tried again from
    # every scheme inside one run (40,000 "http://" in a row took 95 s)
    ends = (m.end() for m in _URL.finditer(line))
    cuts = [0, *(end for end in ends if line[end : end + 1] in _URL_CUT_BEFORE), len(line)]
    return _URL_END.join(_escape_piece(line[start:end]) for start, end in zip(cuts, cuts[1:], strict=False))


# Letters and digits, ``, . ( ) / -`` and inner spaces, starting with a letter or digit: no rule above
# applies to such text once it is NFC and does not start with a combining mark (no letter or digit is
# one in Unicode 15; checked in case a later version makes one). Most metadata values look like this,
# so they skip the rules (tests/test_wikitext_check_fast.py holds the two equal).
_PLAIN = re.compile(r"[^\W_](?:[^\W_]|[,.()/-]| +(?=\S))*")


def _escape_fragment(value: object) -> str:
    """Everything ``escape`` does except protecting edge whitespace, which only matters for a whole value."""
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        raise TypeError(f"escape() takes one value, not a {type(value).__name__}; join the values first")
    text = "" if value is None else str(value)
    plain = _PLAIN.fullmatch(text) and unicodedata.is_normalized("NFC", text)
    if plain and not unicodedata.combining(text[0]):
        return text
    return _apply_escaping_rules(text)


def _apply_escaping_rules(text: str) -> str:
    text = unicodedata.normalize("NFC", _UNWANTED.sub("", text))
    escaped = _BR.join(_escape_line(line) for line in _LINE_BREAK.split(text))
    return _LINE_START.sub(lambda m: _entities(m.group()), escaped)


def escape(value: object) -> Wikitext:
    """Make any value inert wikitext that displays as the value's text (rules in the module docstring).

    ``Wikitext`` is returned unchanged; ``None`` becomes empty. Collections are a programming error: join
    them first (``concat``) so the separator is a deliberate choice.
    """
    if isinstance(value, Wikitext):
        return value
    return Contained(_EDGE_SPACE.sub(_edge_entities, _escape_fragment(value)))


def _edge_entities(edge: re.Match[str]) -> str:
    """Leading or trailing spaces as entities; trailing ones end a free URL first (see ``_escape_line``)."""
    ends_url = edge.start() > 0 and _URL_AT_END.search(edge.string, 0, edge.start())
    return (_URL_END if ends_url else "") + _entities(edge.group())


def concat(parts: Iterable[object], separator: object = "") -> Wikitext:
    """Join values into one piece of wikitext; every part and the separator that is not ``Wikitext``
    is escaped (e.g. several language wrappers separated by ``Wikitext("\\n")``). Spaces inside the
    result stay spaces, except at the start of a line, where a space would open a ``<pre>`` block."""
    pieces: list[str] = []
    joined = ""
    for index, part in enumerate(parts):
        for value in [separator, part] if index else [part]:
            if isinstance(value, Wikitext):
                text: str = value
            else:
                text = _escape_fragment(value)
                if joined.endswith("\n"):
                    text = _LEADING_SPACE.sub(lambda m: _entities(m.group()), text)
                text = Contained(text) if _EDGE_SPACE.search(text) is None else text
            pieces.append(text)
            joined += text
    return joined_pieces(pieces)


# A joint between two contained pieces is safe unless one side could continue a construct the other
# began: runs (''  ~~~  __  !!), brackets and tags, an entity, a free URL running on, a line start.
_JOINT_LEFT = frozenset("'~_!&[{<:\n")
_JOINT_RIGHT = frozenset("'~_!]}|>/:")


def _joint_safe(left: str, right: str) -> bool:
    if left[-1] in _JOINT_LEFT or right[0] in _JOINT_RIGHT or unicodedata.combining(right[0]):
        return False
    return not (_URL_AT_END.search(left) and not right[0].isspace())


_LINE_OPENER = re.compile(r"[*#:;=!\s]|-{4}|\{\|")


def _opens_line(text: str) -> bool:
    """Whether ``text`` starts with what would open a list, heading, table, rule or ``<pre>`` at the start
    of a line: alone (as ``check_page`` parses a value) it would be a construct it is not in its slot."""
    return bool(_LINE_OPENER.match(text))


def joined_pieces(pieces: Sequence[str]) -> Wikitext:
    """Trusted pieces put together: ``Contained`` when every piece is and no joint is unsafe (the
    constructs of the whole are then the pieces' own), else plain ``Wikitext`` (checked where used)."""
    text = "".join(pieces)
    filled = [piece for piece in pieces if piece]  # an empty piece is no joint: its neighbours touch
    contained = (
        all(isinstance(p, Contained) for p in pieces)
        and all(_joint_safe(a, b) for a, b in itertools.pairwise(filled))
        and not _opens_line(text)
    )
    return Contained(text) if contained else Wikitext(text)


@functools.lru_cache(maxsize=256)
def separator(text: str) -> Wikitext:
    """A crosswalk's separator between values (written by its author, used as written): contained when it
    is inert text or a line break (``<br>``), else trusted wikitext that is checked where it is used."""
    return Contained(text) if text == _BR or _escape_fragment(text) == text else trusted(text)


_LOOSE_MARKUP = re.compile(r"[\[\]{}<>|]|''|~~~|__|!!")


def trusted(text: str) -> Wikitext:
    """Markup a person wrote (a crosswalk's literal or default, a lookup table's cell): ``Contained`` when
    one check (per distinct text) shows it is NFC, every markup character in it belongs to a construct of
    its own (no stray bracket, pipe, tag or run that a neighbour could complete) and it stays whole as a
    template parameter's value; else plain ``Wikitext``, checked where it is used."""
    return Contained(text) if _authored_contained(text) else Wikitext(text)


@functools.lru_cache(maxsize=4096)
def _authored_contained(text: str) -> bool:
    if not unicodedata.is_normalized("NFC", text) or (text and unicodedata.combining(text[0])):
        return False
    if _opens_line(text):
        return False
    for node in _all_nodes(mwparserfromhell.parse(text)):
        if isinstance(node, Text) and _LOOSE_MARKUP.search(str(node)):
            return False
    return _probe_fits(text)


_PATTERN_HAZARDS = frozenset("_&'~!")
_PROBE = "Glamuploadprobe"


def _probe_fits(text: str) -> bool:
    """Whether ``text`` as a named template parameter's value is that value whole and adds exactly its own
    constructs (one parse)."""
    page = mwparserfromhell.parse(f"{{{{{_PROBE}\n|x = {text}\n}}}}")
    calls = page.filter_templates(recursive=False)
    if len(calls) != 1 or str(calls[0].name).strip() != _PROBE or len(calls[0].params) != 1:
        return False
    param = calls[0].params[0]
    if not param.showkey or str(param.value).strip(_WIKI_TRIM) != text.strip(_WIKI_TRIM):
        return False
    return _tree_constructs(page) == Counter({("template", _PROBE): 1}) + _constructs(text)


@functools.lru_cache(maxsize=256)
def _pattern_slots(literals: tuple[str, ...]) -> tuple[bool, ...] | None:
    """A crosswalk pattern (its text around the placeholders), checked once. None unless, with a plain
    word in each placeholder, it is contained and no placeholder touches a character plain text could
    continue (a run of ``_``, ``'``, ``~``, ``!``, or an entity); else, for each placeholder, whether it
    stands in plain text outside every construct (where any contained piece may go)."""
    inner = [*(lit[-1:] for lit in literals[:-1]), *(lit[:1] for lit in literals[1:])]
    if any(char in _PATTERN_HAZARDS for char in inner):
        return None
    markers = [f"glamuploadvalue{n}x" for n in range(len(literals) - 1)]
    text = "".join(lit + mark for lit, mark in zip(literals, [*markers, ""], strict=True))
    if not _probe_fits(text):
        return None
    top = "".join(str(node) for node in mwparserfromhell.parse(text).nodes if isinstance(node, Text))
    return tuple(marker in top for marker in markers)


def filled_pattern(literals: Sequence[str], fills: Sequence[str]) -> Wikitext:
    """A crosswalk pattern's text (``literals``, trusted) with ``fills`` (escaped values or trusted
    wikitext) in its placeholders. Contained when the pattern passed its one check and each fill is
    plain text (letters, digits, ``, . ( ) / - : _`` and inner spaces, as a placeholder word would be),
    or a contained piece in plain text outside every construct with safe joints on both sides."""
    text = "".join(lit + fill for lit, fill in zip(literals, [*fills, ""], strict=True))
    slots = _pattern_slots(tuple(literals))
    if slots is None or not all(isinstance(fill, Contained) for fill in fills) or _opens_line(text):
        return Wikitext(text)
    end = 0
    for index, fill in enumerate(fills):
        start = end + len(literals[index])
        end = start + len(fill)
        if _plain_fill(fill):
            continue
        before, after = text[:start], text[end:]
        if not (slots[index] and _touch(before, fill or after) and _touch(fill, after)):
            return Wikitext(text)
    return Contained(text)


def _touch(left: str, right: str) -> bool:
    """Whether two texts may meet (an empty one meets nothing)."""
    return not left or not right or _joint_safe(left, right)


# Plain text as a placeholder word is: letters and digits, ``, . ( ) / - : _`` and inner spaces; a colon
# never right after a letter (``mailto:``, ``tel:`` would start a free URL). (No run of ``_``: escape
# turns one into entities, which are not plain.)
_PLAIN_FILL = re.compile(r"[^\W_](?:\w|[,.()/:-]| +(?=\S))*")
_SCHEME_COLON = re.compile(r"[^\W\d_]:")


def _plain_fill(text: str) -> bool:
    return bool(_PLAIN_FILL.fullmatch(text)) and _SCHEME_COLON.search(text) is None


# --- titles used inside markup (categories, Institution:, Creator:) -------------------------------------

_TITLE_SPACES = re.compile("[ _\u00a0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_TITLE_INVALID = re.compile(
    r"[#<>\[\]|{}\x00-\x1f\x7f\ud800-\udfff\ufffd]|~{3}|''|%[0-9A-Fa-f]{2}"  # illegal, signature, %XX
    r"|&[A-Za-z0-9\x80-\U0010ffff]+;|&#[0-9]+;|&#x[0-9A-Fa-f]+;"  # HTML entities
    r"|^\.\.?$|^\.\.?/|/\.\.?/|/\.\.?$|^:"  # relative paths, leading colon
)
_TITLE_MAX_BYTES = 255


#: Direction marks and embeddings, which MediaWiki's title codec removes (splitTitleString): a name of
#: only these is empty.
_TITLE_DROPPED = dict.fromkeys([0x200E, 0x200F, *range(0x202A, 0x202F)])


@functools.lru_cache(maxsize=4096)  # the same template and category names recur on every page
def _normalise_title(text: str) -> str:
    text = _TITLE_SPACES.sub(" ", unicodedata.normalize("NFC", text.translate(_TITLE_DROPPED))).strip()
    return text[:1].upper() + text[1:] if len(text[:1].upper()) == 1 else text


def normalise_title(text: str) -> str:
    """A title (or template or category name) as the wiki normalises it: NFC, one space for any run of
    spaces and underscores, first letter upper-case. Two names are the same page when these are equal."""
    return _normalise_title(text)


def page_name(name: str, *, namespace: str) -> Wikitext:
    """A page name in ``namespace`` normalised as the wiki does (spaces, first letter) and checked to be a
    valid title, so it can be written verbatim inside ``[[...]]`` or ``{{...}}``.

    A leading ``Namespace:`` prefix in the value is accepted and removed. Raises ``InputError`` for names
    that cannot be a page title (``]]``, ``|``, ``{{``, ``#``, entities, signatures, control characters)
    or that parsers would read as markup inside the link (``''``).
    """
    text = _normalise_title(str(name))
    if text.casefold().startswith(namespace.casefold() + ":"):
        text = _normalise_title(text[len(namespace) + 1 :])
    if not text:
        raise InputError(f"empty {namespace} name")
    bad = _TITLE_INVALID.search(text)
    if bad:
        raise InputError(
            f"{namespace} name {text!r} cannot be a page title: it contains {bad.group()!r}",
            hint="a title cannot contain # < > [ ] | { }, ~~~, '', %XX, HTML entities or control characters",
        )
    if len(f"{namespace}:{text}".encode()) > _TITLE_MAX_BYTES:
        raise InputError(f"{namespace} name {text[:40]!r}… is longer than {_TITLE_MAX_BYTES} bytes")
    return Wikitext(text)


#: Invisible characters MediaWiki keeps in a title (zero-width space, word joiner, soft hyphen, BOM): a
#: category written with one is another, empty page than the one it looks like.
_INVISIBLE = dict.fromkeys([0x200B, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x00AD, 0xFEFF])
#: A namespace or another wiki before the name (File:Ship, en:Ship models): [[Category:...]] would make a
#: category of that name, never link the page meant.
_FOREIGN_PREFIX = re.compile(
    r"(?:(?:file|image|media|template|user|help|special|project|commons|category|module|mediawiki|data|"
    r"timedtext|campaign|creator|institution|gallery|wikipedia|wikidata|wikisource|wiktionary|wikt|meta|"
    r"species|[cdmqsw])(?: talk)?|talk|[\w ]+ talk|"
    # the language wikis a GLAM's export most often links (interwiki prefixes)
    r"en|de|sv|fr|nl|es|it|da|no|nb|nn|fi|pl|pt|ru|ja|zh|cs|hu|et|lv|lt|is|ca|eu|gl|el|tr|ar|he|ko|uk)"
    r" *:",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=4096)
def category_name(name: str) -> Wikitext:
    """A category name (without ``Category:``) safe to write as ``[[Category:<name>]]``; once per distinct
    name, as a batch files most of its pages in the same few (an invalid one raises again each time).
    Invisible characters are left out; a namespace or another wiki's prefix is refused."""
    text = page_name(str(name).translate(_INVISIBLE), namespace="Category")
    if _FOREIGN_PREFIX.match(text):
        raise InputError(
            f"category name {str(text)!r} starts with a namespace or another wiki's prefix",
            hint="a category's name is written without File:, Template:, en: or commons: before it",
        )
    return text


# --- trusted constructs around escaped values -----------------------------------------------------------

_TEMPLATE_NAME = re.compile(r"[^\n|{}\[\]<>#=]+")
#: A language code as the wrappers take it: ``sv``, ``de-ch``, ``zh-hant-tw``, ``en-x-ship`` (BCP 47's
#: shape, lower case). The crosswalk's ``lang`` reads codes by this pattern too: none it takes fails here.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")


def template_call(
    name: str, positional: Sequence[object] = (), named: Mapping[str, object] | None = None
) -> Wikitext:
    """``{{name|pos1|pos2|key=value}}`` with every argument escaped; name and keys must be plain names."""
    for label in [name, *(named or {})]:
        if not _TEMPLATE_NAME.fullmatch(str(label)) or not str(label).strip():
            raise ConfigError(f"{label!r} is not a usable template or parameter name")
    values = [escape(value) for value in [*positional, *(named or {}).values()]]
    args: list[str] = list(values[: len(positional)])
    args += [f"{key}={value}" for key, value in zip(named or {}, values[len(positional) :], strict=True)]
    text = "{{" + "|".join([name, *args]) + "}}"
    # contained: validated names around contained arguments; a positional one must not hold "="
    contained = all(isinstance(v, Contained) for v in values) and not any(
        "=" in v for v in args[: len(positional)]
    )
    return Contained(text) if contained else Wikitext(text)


def lang(code: str, text: object) -> Wikitext:
    """``{{sv|1=text}}`` — a language wrapper; ``1=`` so that ``=`` in the text is harmless twice over.
    Blank text gives empty wikitext (no empty wrapper)."""
    if not LANGUAGE_CODE.fullmatch(str(code)):
        raise InputError(f"{code!r} is not a language code (expected e.g. 'sv', 'en', 'de-ch')")
    blank = text is None or not str(text).strip()
    return Contained("") if blank else template_call(code, named={"1": escape(text)})


def size(unit: str, dimensions: Mapping[str, object]) -> Wikitext:
    """``{{Size|unit=cm|height=…|width=…}}`` in the named form (commons-conventions §1.7); only the
    dimension names listed in ``mappings/commons-templates.yaml`` are accepted."""
    allowed = load_template_catalogue().size_parameters
    unknown = [key for key in dimensions if key not in allowed or key == "unit"]
    if unknown:
        raise ConfigError(f"unknown {{{{Size}}}} dimension {unknown[0]!r}", hint=f"use one of {allowed[1:]}")
    present = {key: value for key, value in dimensions.items() if value is not None and str(value).strip()}
    return template_call("Size", named={"unit": unit, **present}) if present else Contained("")


def other_date(kind: str, first: object, second: object = None) -> Wikitext:
    """``{{Other date|circa|1850}}`` / ``{{Other date|between|1850|1860}}`` (commons-conventions §1.6)."""
    kinds = load_template_catalogue().other_date_types
    if kind not in kinds:
        raise ConfigError(f"unknown {{{{Other date}}}} type {kind!r}", hint=_did_you_mean(kind, kinds))
    return template_call("Other date", [kind, first] + ([second] if second not in (None, "") else []))


def gallery(filenames: Sequence[str]) -> Wikitext:
    """``<gallery>`` of files (a record's other files): contained when every name is a valid title as it
    is (no markup can hide in one), else trusted wikitext checked where it is used."""
    text = "<gallery>\n" + "\n".join(f"File:{name}" for name in filenames) + "\n</gallery>"
    try:
        valid = all(page_name(name, namespace="File") == name for name in filenames)
    except InputError:
        valid = False
    return Contained(text) if valid else Wikitext(text)


def institution(name: str) -> Wikitext:
    """``{{Institution:Name}}``: transcludes the institution's page (commons-conventions §1.8)."""
    return Contained("{{Institution:" + page_name(name, namespace="Institution") + "}}")


def information_field(name: object, value: object) -> Wikitext:
    """``{{Information field|name=…|value=…}}``: a further row of a file-page template, for its
    ``other_fields`` parameters (a maker, a printer: what the template has no parameter for). Blank value
    gives empty wikitext."""
    if value is None or not str(value).strip():
        return Wikitext("")
    return template_call("Information field", named={"name": name, "value": value})


def creator(name: str) -> Wikitext:
    """``{{Creator:Name}}``: transcludes the creator's page (commons-conventions §1.6)."""
    return Contained("{{Creator:" + page_name(name, namespace="Creator") + "}}")


# --- template catalogue (mappings/commons-templates.yaml) -----------------------------------------------


@dataclass(frozen=True)
class TemplateSpec:
    """One file-page template: its parameters in output order and the alias spellings it accepts."""

    name: str
    parameters: tuple[str, ...]
    aliases: Mapping[str, str]
    doc: str

    def canonical(self, parameter: str) -> str | None:
        """The canonical name of ``parameter`` (itself or the name an alias stands for), else None."""
        return parameter if parameter in self.parameters else self.aliases.get(parameter)

    def suggest(self, parameter: str) -> list[str]:
        """Closest valid parameter names, for "did you mean" messages."""
        return _closest(parameter, [*self.parameters, *self.aliases])


@dataclass(frozen=True)
class TemplateCatalogue:
    file_page_templates: Mapping[str, TemplateSpec]
    size_parameters: tuple[str, ...]
    other_date_types: tuple[str, ...]
    #: The (canonical) parameters a ``{{Creator:…}}`` box belongs in (the catalogue's ``conventions``).
    creator_parameters: frozenset[str] = frozenset()
    #: The (canonical) parameters that hold prose in some language, to be marked with a language template.
    free_text_parameters: frozenset[str] = frozenset()

    def template(self, name: str) -> TemplateSpec:
        """The file-page template called ``name`` (``Art_Photo`` and ``art Photo`` work too)."""
        wanted = _normalise_title(str(name))
        if wanted in self.file_page_templates:
            return self.file_page_templates[wanted]
        raise ConfigError(
            f"unknown file-page template {name!r}",
            hint=_did_you_mean(name, list(self.file_page_templates))
            or f"use one of {list(self.file_page_templates)}",
        )


def _closest(word: str, choices: Sequence[str]) -> list[str]:
    folded = {choice.casefold(): choice for choice in choices}
    return [folded[m] for m in difflib.get_close_matches(str(word).casefold(), list(folded), n=3, cutoff=0.6)]


def _did_you_mean(word: str, choices: Sequence[str]) -> str | None:
    close = _closest(word, choices)
    return f"did you mean {' or '.join(map(repr, close))}?" if close else None


def load_template_catalogue(path: Path | None = None) -> TemplateCatalogue:
    """Read ``mappings/commons-templates.yaml`` (or ``path``); cached for the shipped file."""
    return _load_catalogue(path or _shipped_catalogue_path())


@functools.cache
def _shipped_catalogue_path() -> Path:
    """Resolved once: every rendered and checked page needs the catalogue, and finding the package
    folder through importlib cost more than reading the cached catalogue."""
    return resources.mappings_dir() / CATALOGUE_FILE


@functools.lru_cache(maxsize=4)
def _load_catalogue(path: Path) -> TemplateCatalogue:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        templates = {
            name: TemplateSpec(
                name=name,
                parameters=tuple(entry["parameters"]),
                aliases=dict(entry.get("aliases") or {}),
                doc=entry.get("doc", ""),
            )
            for name, entry in data["file_page_templates"].items()
        }
        helpers = data["helper_templates"]
        conventions = data.get("conventions") or {}
        catalogue = TemplateCatalogue(
            file_page_templates=templates,
            size_parameters=tuple(helpers["Size"]["parameters"]),
            other_date_types=tuple(helpers["Other date"]["types"]),
            creator_parameters=frozenset(conventions.get("creator_parameters") or ()),
            free_text_parameters=frozenset(conventions.get("free_text_parameters") or ()),
        )
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"cannot read the template catalogue: {error}", file=path) from error
    except (KeyError, TypeError, AttributeError) as error:
        raise ConfigError(f"template catalogue is malformed near {error}", file=path) from error
    for spec in templates.values():
        stray = [alias for alias, target in spec.aliases.items() if target not in spec.parameters]
        if stray:
            raise ConfigError(f"alias {stray[0]!r} of {spec.name} points to no parameter", file=path)
    return catalogue


# --- rendering ------------------------------------------------------------------------------------------


def _ordered_params(spec: TemplateSpec, params: Mapping[str, object]) -> dict[str, Wikitext]:
    """Parameters in the template's documented order, values escaped, blank ones (None, empty, only
    whitespace) left out."""
    slots: dict[str, tuple[str, Wikitext]] = {}
    for name, value in params.items():
        canonical = spec.canonical(name)
        if canonical is None:
            close = spec.suggest(name)
            raise ConfigError(
                f"unknown parameter {name!r} of {{{{{spec.name}}}}}",
                field=name,
                hint=f"did you mean {' or '.join(map(repr, close))}?" if close else f"see {spec.doc}",
            )
        if canonical in slots:
            raise ConfigError(f"parameter {canonical!r} of {{{{{spec.name}}}}} is given twice", field=name)
        escaped = escape(value)
        stripped = escaped.strip(_WIKI_TRIM)  # the wiki trims a named parameter's value
        slots[canonical] = (name, type(escaped)(stripped) if stripped != escaped else escaped)
    return {
        slots[canonical][0]: slots[canonical][1]
        for canonical in spec.parameters
        if canonical in slots and slots[canonical][1] and str(params[slots[canonical][0]]).strip()
    }


def _unique_categories(categories: Iterable[str]) -> list[Wikitext]:
    return list(dict.fromkeys(category_name(category) for category in categories))


@functools.lru_cache(maxsize=8)
def _environment(templates_dir: Path | None) -> jinja2.Environment:
    search = [templates_dir] if templates_dir else []
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader([*search, resources.templates_dir()]),
        finalize=escape,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        variable_start_string="<<",
        variable_end_string=">>",
        block_start_string="<%",
        block_end_string="%>",
        comment_start_string="<#",
        comment_end_string="#>",
    )
    env.globals.update(lang=lang, size=size, other_date=other_date, institution=institution, creator=creator)
    return env


def render_template(
    names: str | Sequence[str], context: Mapping[str, object], templates_dir: Path | None = None
) -> str:
    """Render the first existing page template of ``names`` (file names under ``templates/``) with
    ``context``; every output not ``Wikitext`` is escaped. ``templates_dir`` is a batch's own templates
    folder, searched first (files override the shipped ones by name). Template mistakes are
    ``ConfigError``s naming the template file and line. Other page renderers (Institution and category
    pages) use this too."""
    return _render(_select_template(names, templates_dir), context)


def _select_template(names: str | Sequence[str], templates_dir: Path | None) -> jinja2.Template:
    """The compiled template to render; Jinja keeps it cached and reloads it when its file changes."""
    if templates_dir is not None and not Path(templates_dir).is_dir():
        raise ConfigError("templates folder does not exist", file=templates_dir)
    env = _environment(Path(templates_dir).resolve() if templates_dir else None)
    try:
        return env.select_template([names] if isinstance(names, str) else list(names))
    except jinja2.TemplateSyntaxError as error:
        raise ConfigError(
            f"page template syntax: {error.message}", file=error.filename, line=error.lineno
        ) from error
    except jinja2.TemplateNotFound as error:
        raise ConfigError(f"no page template {error.name}", file=templates_dir) from error
    except UnicodeDecodeError as error:
        raise ConfigError(f"a page template is not UTF-8 text ({error.reason})", file=templates_dir) from None
    except (ValueError, OverflowError, RecursionError) as error:  # Jinja folds constants when compiling
        why = f"{type(error).__name__}: {error}"[:300]
        raise ConfigError(f"a page template cannot be compiled: {why}", file=templates_dir) from None


def _render(page: jinja2.Template, context: Mapping[str, object]) -> str:
    """A template's own mistake, whatever it raises (``<< 1/0 >>``, ``<< categories >>``, an include of
    itself, a loop that runs out of time), is a ConfigError naming its file and line; a value's problem
    stays the value's."""
    try:
        with timelimits.TimeLimit():
            return page.render(**context).strip()
    except GlamuploadError:
        raise
    except Exception as error:  # noqa: BLE001 (a person's template code can raise anything)
        lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == page.filename]
        why = str(error) if isinstance(error, jinja2.TemplateError) else f"{type(error).__name__}: {error}"
        if isinstance(error, RecursionError):
            why = "it includes or extends itself (or nests too deep)"
        if isinstance(error, timelimits.TooSlow):
            why = (
                f"one page took more than {timelimits.LIMIT_SECONDS:g} s to render and was stopped (a loop?)"
            )
        raise ConfigError(
            f"page template failed: {why}", file=page.filename, line=lines[-1] if lines else None
        ) from None


def render_file_page(
    template: str,
    params: Mapping[str, object],
    license_wikitext: str,
    categories: Iterable[str],
    templates_dir: Path | None = None,
) -> str:
    """The whole file page: summary with the file-page ``template`` and its ``params``, the licence
    section with ``license_wikitext`` (trusted: it comes from the license engine), then the categories.

    Parameter values are escaped unless they are ``Wikitext``; blank parameters are left out; an
    unknown or doubled parameter name is a ``ConfigError``, an invalid category an ``InputError``.
    The page template is ``<template-slug>.j2`` (``art-photo.j2``) if there is one, else ``file-page.j2``.
    """
    spec = load_template_catalogue().template(template)
    page = _file_page_template(spec, templates_dir)
    ordered = _ordered_params(spec, params)
    return _render_file_page(spec, page, ordered, license_wikitext, _unique_categories(categories))


def _file_page_template(spec: TemplateSpec, templates_dir: Path | None) -> jinja2.Template:
    slug = spec.name.lower().replace(" ", "-")
    return _select_template([f"{slug}.j2", PAGE_TEMPLATE], templates_dir)


def _render_file_page(
    spec: TemplateSpec,
    page: jinja2.Template,
    ordered_params: Mapping[str, Wikitext],
    license_wikitext: str,
    categories: Sequence[str],
) -> str:
    """The page from parameters already ordered and escaped and categories already valid and unique."""
    context = {
        "template": Wikitext(spec.name),
        "params": {Wikitext(name): value for name, value in ordered_params.items()},
        "license": Wikitext(license_wikitext.strip()),
        "categories": [Wikitext(c) for c in categories],
    }
    return _render(page, context)


# --- checking -------------------------------------------------------------------------------------------


def _constructs(text: str) -> Counter[tuple[str, str]]:
    """Every structural node of ``text`` (templates, links, tags, headings, comments, arguments)."""
    return _tree_constructs(mwparserfromhell.parse(text))


#: What MediaWiki lets run to the end of the page when it is not closed, where mwparserfromhell reads
#: plain text: a comment, and ``<includeonly>`` (whose content the page itself does not show; unclosed
#: ``<noinclude>``/``<onlyinclude>`` show it, other tags are shown as text): the rest of the page (the
#: template's other parameters, the licence, the categories) would be hidden. Both as the sandbox's
#: MediaWiki renders them (tests/test_wikitext_mediawiki.py).
_TO_THE_END = re.compile(r"<!--|<(includeonly)(?=[\s/>])[^>]*>", re.IGNORECASE)


def _running_to_the_end(text: str) -> list[str]:
    """An unclosed comment or ``<includeonly>`` in the page."""
    for match in _TO_THE_END.finditer(text):
        tag = match.group(1)
        if tag is None and "-->" not in text[match.end() :]:
            return ["an unclosed comment (<!--) hides the rest of the page"]
        if tag is not None and not re.search(rf"</{tag}\s*>", text[match.end() :], re.IGNORECASE):
            return [f"an unclosed <{tag.lower()}> hides the rest of the page"]
    return []


def _tree_constructs(tree: mwparserfromhell.wikicode.Wikicode) -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for node in _all_nodes(tree):
        if isinstance(node, Template):
            found["template", _normalise_title(str(node.name))] += 1
        elif isinstance(node, Wikilink):
            found["link", _normalise_title(str(node.title))] += 1
        elif isinstance(node, ExternalLink):
            found["external link", str(node.url).strip()] += 1
        elif isinstance(node, Tag):
            found["tag", str(node.tag).strip().lower()] += 1
        elif isinstance(node, Heading):
            found["heading", str(node.title).strip()] += 1
        elif isinstance(node, Comment):
            found["comment", ""] += 1
        elif isinstance(node, Argument):
            found["argument", str(node.name).strip()] += 1
    return found


def _all_nodes(tree: mwparserfromhell.wikicode.Wikicode) -> Iterator[Node]:
    """Every node of the tree, nested ones included: the nodes of ``tree.filter(recursive=True)``,
    without its per-node generator chains, which cost as much as the parse itself."""
    stack = list(tree.nodes)
    while stack:
        node = stack.pop()
        yield node
        for code in node.__children__():
            stack.extend(code.nodes)


def _describe(key: tuple[str, str]) -> str:
    kind, name = key
    return {
        "template": f"template {{{{{name}}}}}",
        "link": f"link [[{name}]]",
        "tag": f"tag <{name}>",
        "heading": f"heading {name}",
        "argument": f"argument {{{{{{{name}}}}}}}",
    }.get(kind, f"{kind} {name}".strip())


# Where mwparserfromhell can start a node we count: ``{{``/``{|`` (templates, arguments, tables), ``[``
# (links), ``<`` (tags, comments), ``''`` (bold/italic), ``:`` (a free URL's scheme), a line start
# (lists, headings, ``----``); ``|`` ``}`` ``]`` ``>`` only act inside those. Text with none of these
# parses to text and entities alone, so parsing it is skipped (tests/test_wikitext_check_fast.py).
_MAY_BUILD_NODES = re.compile(r"[{}\[\]<>|':\n]|^[#*;=!-]")


def _value_constructs(value: object) -> Counter[tuple[str, str]]:
    """Constructs a parameter value is meant to carry: all of trusted Wikitext, only ``<br>``,
    ``<nowiki/>`` and free URLs of an escaped value (anything else there would be an injection)."""
    return Counter(dict(_text_constructs(str(escape(value)), isinstance(value, Wikitext))))


@functools.lru_cache(maxsize=1024)
def _text_constructs(text: str, trusted: bool) -> tuple[tuple[tuple[str, str], int], ...]:
    """``_value_constructs`` of one escaped text, as immutable pairs: cached because the same values
    (institution, licence, object types, dates) recur on most pages of a batch; a few MiB at most."""
    if not _MAY_BUILD_NODES.search(text):
        return ()
    found = _constructs(text)
    if trusted:
        return tuple(found.items())
    inert = {("tag", "br"), ("tag", "nowiki")}
    return tuple((key, n) for key, n in found.items() if key in inert or key[0] == "external link")


@dataclass(frozen=True)
class _Skeleton:
    """The page template's own constructs, and how often it places each value and the licence."""

    constructs: Counter[tuple[str, str]]
    value_uses: tuple[int, ...]
    license_uses: int


_LICENSE_MARKER = "glamuploadlicensex"


@functools.lru_cache(maxsize=256)
def _skeleton(page: jinja2.Template, template: str, names: tuple[str, ...]) -> _Skeleton:
    """The page rendered with a marker for every value: it depends only on the compiled template (a
    new object when its file changes) and the parameter names, not on the values, so one render and
    parse serves every page of a batch that uses the same parameters."""
    spec = load_template_catalogue().template(template)
    markers = {name: Wikitext(f"glamuploadvalue{index}x") for index, name in enumerate(names)}
    text = _render_file_page(spec, page, markers, _LICENSE_MARKER, [])
    return _Skeleton(
        constructs=_constructs(text),
        value_uses=tuple(text.count(marker) for marker in markers.values()),
        license_uses=text.count(_LICENSE_MARKER),
    )


def check_page(
    text: str,
    *,
    template: str,
    params: Mapping[str, object],
    categories: Iterable[str],
    license_wikitext: str,
    templates_dir: Path | None = None,
) -> list[Problem]:
    """Problems with a rendered page, found by parsing it (empty list = the page is what was intended).

    Checks: NFC text; exactly one top-level ``template``; its parameters are exactly the intended ones
    holding exactly the intended values; a licence and at least one category; and no template, link,
    tag, heading or comment beyond those of the page template, the trusted values, the licence and the
    categories. The arguments are the ones given to ``render_file_page``.
    """
    spec = load_template_catalogue().template(template)
    expected = _ordered_params(spec, params)
    wanted_categories = _unique_categories(categories)
    problems: list[str] = []
    if unicodedata.normalize("NFC", text) != text:
        problems.append("page text is not NFC-normalised (the wiki would change it)")
    page = mwparserfromhell.parse(text)
    calls = [
        node
        for node in page.filter_templates(recursive=False)
        if _normalise_title(str(node.name)) == spec.name
    ]
    if len(calls) != 1:
        problems.append(f"expected exactly one {{{{{spec.name}}}}} template, found {len(calls)}")
    else:
        problems += _check_params(spec, calls[0], expected)
    licence_at = len(problems)  # where "no licence" stands among the problems, in the checks' order
    if not wanted_categories:
        problems.append("page has no category")

    # The page template's own markup, plus each value's and the licence's as often as the template uses them.
    skeleton = _skeleton(_file_page_template(spec, templates_dir), spec.name, tuple(expected))
    if license_wikitext.strip() and not skeleton.license_uses:  # a batch's own page template without it
        problems.insert(licence_at, "the page template does not place the licence (<< license >>)")
    intended = Counter(skeleton.constructs)
    for name, uses in zip(expected, skeleton.value_uses, strict=True):
        for _ in range(uses):
            intended += _value_constructs(params[name])
    for _ in range(skeleton.license_uses):
        intended += _value_constructs(Wikitext(license_wikitext))
    intended += Counter(("link", _normalise_title(f"Category:{name}")) for name in wanted_categories)
    actual = _tree_constructs(page)
    problems += _running_to_the_end(text)
    problems += [f"unexpected {_describe(key)}" for key in sorted((actual - intended).elements())]
    problems += [f"missing {_describe(key)}" for key in sorted((intended - actual).elements())]
    found = [Problem("wikitext", message, ProblemCode.PAGE) for message in problems]
    if not license_wikitext.strip():
        found.insert(licence_at, _NO_LICENSE)
    return found


_NO_LICENSE = Problem("wikitext", "page has no licence", ProblemCode.NO_LICENSE)


# --- the check by construction (decision 0016) ---------------------------------------------------------

PageCheck = Literal["construction", "full"]
"""``construction``: pages are sound by the way they are built, and only what code cannot vouch for is
parsed (once per distinct text); ``full``: every page is parsed whole (``check_page``)."""
PAGE_CHECKS: tuple[PageCheck, ...] = typing.get_args(PageCheck)
_CATEGORY_MARKER = "Glamuploadcategory{}x"
_CATEGORY_MARKERS = re.compile(r"Glamuploadcategory[0-9]+x")


def _each_once(text: str, pattern: re.Pattern[str], markers: Sequence[str]) -> bool:
    """Whether each marker occurs in ``text`` exactly once, counted in one pass (a page of 40,000
    categories took 16 s marker by marker)."""
    found = Counter(pattern.findall(text))
    return all(found[m] == 1 for m in markers)


_LICENSE_SLOT = -1


@dataclass(frozen=True, eq=False)
class _Frame:
    """The page template rendered with a marker in every slot (each value, the licence, ``categories``
    category names), and whether it is a frame code can vouch for: one call of the template whose
    parameters hold exactly their markers, each marker used once, the licence outside the call, each
    category in a link of its own. Pages of a frame that is not are checked whole."""

    template: str
    names: tuple[str, ...]
    text: str
    constructs: Counter[tuple[str, str]]
    sound: bool
    _fitting: Memo[tuple[int, str], bool] = dataclasses.field(default_factory=Memo, repr=False)

    def marker(self, slot: int) -> str:
        return _LICENSE_MARKER if slot == _LICENSE_SLOT else f"glamuploadvalue{slot}x"

    def fits(self, slot: int, value: str) -> bool:
        """Whether trusted ``value`` in ``slot`` (a parameter's index, or ``_LICENSE_SLOT``) keeps the
        frame as it is and adds exactly its own constructs, the other slots holding contained values:
        parsed once per distinct value."""
        return self._fitting.get((slot, value), lambda: self._fits(slot, value))

    def _fits(self, slot: int, value: str) -> bool:
        marker = self.marker(slot)
        page = mwparserfromhell.parse(self.text.replace(marker, value, 1))
        calls = [
            node
            for node in page.filter_templates(recursive=False)
            if _normalise_title(str(node.name)) == self.template
        ]
        if len(calls) != 1:
            return False
        expected = {name: self.marker(index) for index, name in enumerate(self.names)}
        if slot != _LICENSE_SLOT:
            expected[self.names[slot]] = value.strip(_WIKI_TRIM)
        actual = {str(p.name).strip(): str(p.value).strip(_WIKI_TRIM) for p in calls[0].params if p.showkey}
        if actual != expected or len(calls[0].params) != len(expected):
            return False
        return _tree_constructs(page) == self.constructs + _constructs(value)


@functools.lru_cache(maxsize=256)
def _frame(page: jinja2.Template, template: str, names: tuple[str, ...], categories: int) -> _Frame:
    """Rendered and parsed once per compiled page template, parameter names and number of categories."""
    spec = load_template_catalogue().template(template)
    markers = {name: Contained(f"glamuploadvalue{index}x") for index, name in enumerate(names)}
    category_markers = [_CATEGORY_MARKER.format(n) for n in range(categories)]
    text = _render_file_page(spec, page, markers, _LICENSE_MARKER, category_markers)
    tree = mwparserfromhell.parse(text)
    constructs = _tree_constructs(tree)
    calls = [n for n in tree.filter_templates(recursive=False) if _normalise_title(str(n.name)) == spec.name]
    sound = (
        len(calls) == 1
        and [(str(p.name).strip(), str(p.value).strip(_WIKI_TRIM), p.showkey) for p in calls[0].params]
        == [(name, marker, True) for name, marker in markers.items()]
        and all(text.count(marker) == 1 for marker in markers.values())
        and text.count(_LICENSE_MARKER) == 1
        and _LICENSE_MARKER not in str(calls[0])
        and _each_once(text, _CATEGORY_MARKERS, category_markers)
        and all(constructs["link", f"Category:{m}"] == 1 for m in category_markers)
        and not _running_to_the_end(text)
    )
    return _Frame(spec.name, names, text, constructs, sound)


class FilePages:
    """Renders and checks the file pages of one batch (its templates folder), the page templates looked
    up once per template name.

    ``check="construction"`` (the default) parses nothing that code vouches for: a page whose values are
    all ``Contained`` (escaped text and what code built from it, authored markup checked once) in a
    sound frame, its licence checked in its slot once per distinct text. A page it cannot vouch for, or
    with a problem, is checked whole, so its problems are ``check_page``'s. ``check="full"`` checks
    every page whole.
    """

    def __init__(self, templates_dir: Path | None = None, check: PageCheck = "construction") -> None:
        if check not in PAGE_CHECKS:
            raise ConfigError(f"unknown page check {check!r}", hint=f"use one of {PAGE_CHECKS}")
        self.templates_dir = templates_dir
        self.check = check
        self._pages: dict[str, jinja2.Template] = {}

    def render(
        self,
        template: str,
        params: Mapping[str, object],
        license_wikitext: str,
        categories: Iterable[str],
    ) -> tuple[str, list[Problem]]:
        """The page (``render_file_page``) and its problems (``check_page``'s, found as ``check`` says)."""
        spec = load_template_catalogue().template(template)
        page = self._pages.get(spec.name)
        if page is None:
            page = self._pages[spec.name] = _file_page_template(spec, self.templates_dir)
        expected = _ordered_params(spec, params)
        categories = list(categories)
        wanted = _unique_categories(categories)
        text = _render_file_page(spec, page, expected, license_wikitext, wanted)
        if self.check == "construction" and self._proven(
            text, spec, page, expected, license_wikitext, wanted
        ):
            # what check_page finds on such a page: nothing, or only the missing licence
            return text, [] if license_wikitext.strip() else [_NO_LICENSE]
        problems = check_page(
            text,
            template=template,
            params=params,
            categories=categories,
            license_wikitext=license_wikitext,
            templates_dir=self.templates_dir,
        )
        return text, problems

    @staticmethod
    def _proven(
        text: str,
        spec: TemplateSpec,
        page: jinja2.Template,
        expected: Mapping[str, Wikitext],
        license_wikitext: str,
        categories: Sequence[str],
    ) -> bool:
        if not categories or not unicodedata.is_normalized("NFC", text):
            return False  # check_page names what is wrong
        if not all(isinstance(value, Contained) for value in expected.values()):
            return False  # two loose fragments could pair up across their slots: only a parse can tell
        frame = _frame(page, spec.name, tuple(expected), len(categories))
        return frame.sound and frame.fits(_LICENSE_SLOT, license_wikitext.strip())


def _check_params(spec: TemplateSpec, call: Template, expected: Mapping[str, str]) -> list[str]:
    problems = []
    actual: dict[str, str] = {}
    for param in call.params:
        name = str(param.name).strip()
        if not param.showkey:
            problems.append(f"unexpected positional parameter {name}= {str(param.value).strip()[:60]!r}")
        elif name in actual:
            problems.append(f"parameter {name!r} appears twice")
        actual[name] = str(param.value).strip(_WIKI_TRIM)
    for name, value in expected.items():
        if name not in actual:
            problems.append(f"parameter {name!r} is missing")
        elif actual[name] != value:
            problems.append(f"parameter {name!r} holds {_shown(actual[name])} instead of {_shown(value)}")
    problems += [
        f"unexpected parameter {name!r} of {{{{{spec.name}}}}}" for name in actual if name not in expected
    ]
    return problems


def _shown(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "...")
