"""Commons file names: built from a crosswalk pattern, made valid, unique within a batch.

The rules are those of MediaWiki and the Commons title blacklist (commons-conventions.md §3). The name a
batch plans must be the name the wiki will store, byte for byte, so everything the wiki would change
silently (spaces, first letter, entities, illegal characters) is done here, where it can be reported.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
import sqlite3
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

import yaml

from glamupload import media, resources
from glamupload.errors import ConfigError, InputError

MAX_BYTES = 240
"""Longest file name (no ``File:``, with the extension) in UTF-8 bytes: MediaWiki's archive-name limit."""

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
_ENTITY_LIKE = re.compile(r"&([A-Za-z0-9\x80-\U0010ffff]+|#[0-9]+|#[xX][0-9A-Fa-f]+);")
# Unusual spaces the title blacklist forbids count as spaces; underscores are spaces in titles.
_SPACES = re.compile(r"[\s_\u00a0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# Invisible or forbidden: controls, soft hyphen, zero-width space, direction marks, bidi
# overrides/isolates, BOM, surrogates, private use, specials, and everything outside the BMP (title
# blacklist; an upload named with U+200E or U+200F is refused as badfilename).
_REMOVED = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"
    "\ud800-\udfff\ue000-\uf8ff\ufff0-\uffff\U00010000-\U0010ffff]"
)
# Characters outside $wgLegalTitleChars plus $wgIllegalFileChars (: / \); brackets stay brackets.
_ILLEGAL = str.maketrans(
    {
        "[": "(",
        "]": ")",
        "{": "(",
        "}": ")",
        "<": "(",
        ">": ")",
        "#": "-",
        "|": "-",
        ":": "-",
        "/": "-",
        "\\": "-",
    }
)
_COLON_BEFORE_SPACE = re.compile(r"(?<=\S):(?= )")
_SIGNATURE = re.compile(r"~{3,}")
_PERCENT_ESCAPE = re.compile(r"%(?=[0-9A-Fa-f]{2})")
_TRUNCATION_LEFTOVERS = " ,;-–—(&"
_JOINERS = {"\u200c", "\u200d"}


def _clean_once(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    while (decoded := _ENTITY.sub(lambda m: html.unescape(m.group()), text)) != text:
        text = decoded
    text = _ENTITY_LIKE.sub(lambda m: "&" + m.group(1) + "-", text)
    text = _REMOVED.sub("", _SPACES.sub(" ", text))
    text = unicodedata.normalize("NFC", text)
    text = _COLON_BEFORE_SPACE.sub(" -", text).translate(_ILLEGAL)
    text = _PERCENT_ESCAPE.sub("-", _SIGNATURE.sub("-", text))
    return _SPACES.sub(" ", text).strip()


# Text no rule of _clean_once changes: words of letters, digits and common punctuation (BMP only: the
# title blacklist removes the rest), single spaces between them, NFC. Most name parts look like this.
_UNTOUCHED = re.compile(r"(?:[^\W_]|[,.()'!?+;=@$*-])+(?: (?:[^\W_]|[,.()'!?+;=@$*-])+)*")


@functools.lru_cache(maxsize=8192)
def _clean(text: str) -> str:
    """Title-safe text without case changes (for one part of a name). Repeated to a fixed point because
    one rule can expose work for another (a decoded ``&#124;`` is an illegal ``|``). Remembered: a batch
    repeats its parts, and a file's name is cleaned again by each check of it."""
    if _UNTOUCHED.fullmatch(text) and max(text) < "\ue000" and unicodedata.is_normalized("NFC", text):
        return text
    for _ in range(8):
        cleaned = _clean_once(text)
        if cleaned == text:
            break
        text = cleaned
    return text


def _upper_first(text: str) -> str:
    """Upper-case the first character as Commons does ($wgCapitalLinks); a character whose upper case
    is several characters (ß → SS) stays as it is, as on Wikimedia wikis."""
    first = text[:1].upper()
    return first + text[1:] if len(first) == 1 else text


def sanitize(name: str) -> str:
    """Make ``name`` a valid Commons title text: NFC, entities decoded, forbidden invisible characters
    removed, illegal characters replaced (``[]{}<>`` by brackets, ``#|:/\\`` by ``-``), whitespace and
    underscores collapsed to single spaces, first letter upper case. Idempotent."""
    return _upper_first(_clean(name))


def _truncate(text: str, max_bytes: int) -> str:
    """At most ``max_bytes`` of UTF-8, cut between characters (never inside a character with its
    combining marks) and, where a space is in the second half, between words."""
    if len(text.encode()) <= max_bytes:
        return text
    end = len(text.encode()[:max_bytes].decode("utf-8", "ignore"))
    while end > 0 and (unicodedata.combining(text[end]) or text[end] in _JOINERS):
        end -= 1
    cut = text[:end]
    space = cut.rfind(" ")
    if space >= len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip(_TRUNCATION_LEFTOVERS)


def _extension(ext: str) -> str:
    ext = ext.strip().lstrip(".").lower()
    if not re.fullmatch(r"[a-z0-9]{1,10}", ext):
        raise ConfigError(f"{ext!r} is not a file extension")
    return ext


def _strip_extensions(base: str) -> str:
    """No double extension (``photo.jpg.jpg``, ``scan.tiff.jpg``) and no dots before the extension."""
    known = media.known_extensions()
    while True:
        stem, dot, last = base.rstrip(". ").rpartition(".")
        if not dot or last.lower() not in known or not stem.strip():
            return base.rstrip(". ")
        base = stem


@dataclass(frozen=True)
class FilenamePattern:
    """A parsed pattern such as ``{title} - {institution} - {accession}``: literals around fields.

    The literals between fields are separators: a field whose value is empty disappears together with
    the separator in front of it (behind it, for the first field). The literals before the first and
    after the last field are always kept.
    """

    literals: tuple[str, ...]
    fields: tuple[str, ...]

    @classmethod
    def parse(cls, pattern: str) -> FilenamePattern:
        pieces = _PLACEHOLDER.split(pattern)
        literals, fields = tuple(pieces[0::2]), tuple(name.strip() for name in pieces[1::2])
        stray = next((lit for lit in literals if "{" in lit or "}" in lit), None)
        if stray is not None or "" in fields:
            raise ConfigError(f"file name pattern {pattern!r} has an unmatched or empty {{...}}")
        return cls(literals, fields)

    def join(self, values: Mapping[str, str]) -> str:
        text, emitted = self.literals[0], False
        for index, name in enumerate(self.fields):
            if values[name]:
                text += (self.literals[index] if emitted and index else "") + values[name]
                emitted = True
        return text + self.literals[-1]


def build_filename(
    pattern: str | FilenamePattern,
    values: Mapping[str, object],
    protected: Collection[str],
    ext: str,
    *,
    suffix: str = "",
) -> str:
    """A valid Commons file name (without ``File:``) from ``pattern`` filled with ``values``.

    At most ``MAX_BYTES`` bytes including ``.ext``: the unprotected fields are shortened, the longest
    first, on character (preferably word) boundaries; ``protected`` fields (identifiers), ``suffix``
    (e.g. `` - recto (2)``) and the extension are never cut. ``ext`` should be ``media.extension_for``
    of the sniffed type. Raises ``ConfigError`` for a pattern naming a field not in ``values``, and
    ``InputError`` if the protected parts alone are too long or the name comes out empty.
    """
    parsed = pattern if isinstance(pattern, FilenamePattern) else FilenamePattern.parse(pattern)
    unknown = [name for name in parsed.fields if name not in values]
    if unknown:
        raise ConfigError(
            f"file name pattern uses {unknown[0]!r}, which has no value source", field=unknown[0]
        )
    ext = _extension(ext)
    cleaned = {name: _clean("" if values[name] is None else str(values[name])) for name in parsed.fields}
    cuttable = [name for name in parsed.fields if name not in protected]

    def assemble(cap: int) -> str:
        parts = {
            name: _truncate(value, cap) if name in cuttable else value for name, value in cleaned.items()
        }
        return _strip_extensions(sanitize(parsed.join(parts) + suffix))

    def fits(base: str) -> bool:
        return len(f"{base}.{ext}".encode()) <= MAX_BYTES

    longest = max((len(cleaned[name].encode()) for name in cuttable), default=0)
    base = assemble(longest)
    if not fits(base):
        if not fits(assemble(0)):
            raise InputError(
                f"file name cannot be made {MAX_BYTES} bytes or shorter without cutting an identifier",
                field=", ".join(sorted(protected)),
            )
        low, high = 0, longest  # fits(assemble(low)) holds, fits(assemble(high)) does not
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if fits(assemble(middle)) else (low, middle)
        base = assemble(low)
    if not base:
        raise InputError("file name pattern gives an empty name", field=", ".join(parsed.fields))
    return f"{base}.{ext}"


@functools.lru_cache(maxsize=1)
def _camera_default_patterns() -> re.Pattern[str]:
    path = resources.mappings_dir() / "camera-default-names.yaml"
    try:
        patterns = yaml.safe_load(path.read_text(encoding="utf-8"))["patterns"]
        return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    except (OSError, yaml.YAMLError, KeyError, TypeError, re.error) as error:
        raise ConfigError(f"camera default name patterns are unreadable: {error}", file=path) from error


def is_camera_default(name: str) -> bool:
    """True for meaningless camera/scanner default names (``DSC_1234.JPG``, ``IMG_0001``, ``P1010203``)
    that Commons blacklists; with or without an extension."""
    base = _strip_extensions(_clean(name))
    return bool(_camera_default_patterns().fullmatch(base))


SaysLittle = Literal["empty", "identifier", "placeholder", "upper-case-word", "camera-default"]
"""Why a file name's descriptive part says little: it is empty (the name is only the collection and the
identifier), only an identifier or number, a word that stands for no title ("Untitled"), one upper-case
word (a ship's name), or a camera's default."""


@functools.lru_cache(maxsize=1)
def _says_little_patterns() -> dict[str, re.Pattern[str]]:
    path = resources.mappings_dir() / "conventions.yaml"
    try:
        patterns = yaml.safe_load(path.read_text(encoding="utf-8"))["says_little"]
        return {kind: re.compile(patterns[kind]) for kind in ("identifier", "placeholder", "upper_case_word")}
    except (OSError, yaml.YAMLError, KeyError, TypeError, re.error) as error:
        raise ConfigError(f"the file-name rules are unreadable: {error}", file=path) from error


def says_little(descriptive: str) -> SaysLittle | None:
    """Whether the descriptive part of a file name (what says what the file shows: the name without its
    collection and identifier parts) says little about the file, and why; None when it says enough.
    Commons asks for descriptive names (Commons:File naming), which are costly to change once used."""
    text = _clean(descriptive).strip(" .,;-")
    if not text:
        return "empty"
    if is_camera_default(text):
        return "camera-default"
    patterns = _says_little_patterns()
    if patterns["identifier"].fullmatch(text):
        return "identifier"
    if patterns["placeholder"].fullmatch(text):
        return "placeholder"
    if patterns["upper_case_word"].fullmatch(text) and text.upper() == text != text.lower():
        return "upper-case-word"
    return None


@dataclass(frozen=True)
class Collision:
    """Two planned files wanted the same name; the later one got a numbered name."""

    record_id: str
    wanted: str
    allocated: str
    first_record_id: str


class TitleAllocator:
    """Hands out file names unique within one batch.

    The first record to want a name gets it; each later one gets `` (2)``, `` (3)`` … before the
    extension (inside the 240-byte limit, cutting descriptive text rather than identifiers). The result
    depends only on the records and their order in the export, so a re-run plans the same names. Every
    such case is kept in ``collisions`` for the report. Multi-image records pass ``view`` (``recto``,
    ``page 003``), which becomes a `` - view`` suffix.

    The names taken are kept as 16-byte digests with their record ids in a private temporary SQLite
    database, which spills to a temporary file beyond a few MiB: memory does not grow with the batch
    (a dict of names and ids took ~250 bytes per file).
    """

    def __init__(self, pattern: str, protected: Collection[str] = ()) -> None:
        self.builder = NameBuilder(pattern, protected)
        self.collisions: list[Collision] = []
        self._owners = DigestTable()
        self._next_number: dict[str, int] = {}

    def allocate(self, record_id: str, values: Mapping[str, object], ext: str, *, view: str = "") -> str:
        """A unique name for one file of record ``record_id``."""
        request = self.request(values, ext, view=view)
        name, collision = self.take(record_id, request)
        if collision is not None:
            self.collisions.append(collision)
        return name

    def request(self, values: Mapping[str, object], ext: str, *, view: str = "") -> NameRequest:
        return self.builder.request(NameParts(dict(values), ext, view))

    def hold(self, name: str, record_id: str) -> None:
        """A name the batch's upload state already gives a file of ``record_id`` (uploaded, a duplicate,
        in flight) before this plan: no other record's file may take it, and the record keeps it when
        its numbering comes to it (a replan after records were withdrawn numbers the names afresh)."""
        self._owners.claim(name, _HELD + record_id)

    def take(self, record_id: str, request: NameRequest) -> tuple[str, Collision | None]:
        """The unique name for a request, in export order: the wanted name when it is free, else the
        first free numbered one (with the collision to report)."""
        wanted = request.wanted
        first_owner = self._owners.claim(wanted, record_id)
        if first_owner is None or self._own_held(wanted, first_owner, record_id):
            return wanted, None
        name: str = wanted
        owner: str | None = first_owner
        while owner is not None and not self._own_held(name, owner, record_id):
            number = self._next_number.get(wanted, 2)
            self._next_number[wanted] = number + 1
            name = self.builder.numbered(request, number)
            owner = self._owners.claim(name, record_id)
        return name, Collision(record_id, wanted, name, first_owner.removeprefix(_HELD))

    def _own_held(self, name: str, owner: str, record_id: str) -> bool:
        """Whether ``name`` is held for this record; it is then the record's (once: not for a second file)."""
        if owner != _HELD + record_id:
            return False
        self._owners.give(name, record_id)
        return True


#: Marks an owner as held from the upload state (``TitleAllocator.hold``); no record id starts with NUL.
_HELD = "\x00held\x00"


class NameBuilder:
    """The names a pattern gives a file: the wanted one and its numbered variants. It needs no other
    file, so worker processes build the names and one ``TitleAllocator`` makes them unique."""

    def __init__(self, pattern: str, protected: Collection[str] = ()) -> None:
        self.pattern = FilenamePattern.parse(pattern)
        self.protected = frozenset(protected)

    def request(self, parts: NameParts) -> NameRequest:
        """The name a file wants and what is needed to number it (``TitleAllocator.take`` decides)."""
        suffix = f" - {parts.view}" if _clean(parts.view) else ""
        wanted = build_filename(self.pattern, parts.values, self.protected, parts.ext, suffix=suffix)
        return NameRequest(wanted, parts.values, parts.ext, suffix)

    def numbered(self, request: NameRequest, number: int) -> str:
        """The wanted name with `` (number)`` before the extension (InputError if it cannot fit)."""
        suffix = f"{request.suffix} ({number})"
        return build_filename(self.pattern, request.values, self.protected, request.ext, suffix=suffix)


@dataclass(frozen=True)
class NameParts:
    """What a file's name is made of: the pattern's values, the extension and the view (``recto``)."""

    values: Mapping[str, object]
    ext: str
    view: str = ""


@dataclass(frozen=True)
class NameRequest:
    """A file's wanted name and its parts (for a numbered name if the wanted one is taken)."""

    wanted: str
    values: Mapping[str, object]
    ext: str
    suffix: str


class DigestTable:
    """Text → the first value given for it (a file name → the record that took it, a record id → the
    first record with it), kept as 16-byte digests in a private SQLite database that spills to a
    temporary file once it outgrows its page cache: memory does not grow with the batch."""

    def __init__(self) -> None:
        # "" is a private temporary database, deleted on close; one writer, never concurrent, so the
        # connection may follow a generator that is resumed in another thread.
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE owner (name BLOB PRIMARY KEY, record_id BLOB NOT NULL) WITHOUT ROWID")
        # One transaction for the table's life (it is never read elsewhere, and dropped on close): each
        # statement in autocommit mode was its own transaction, a quarter of a claim's cost.
        self._db.execute("BEGIN")

    @staticmethod
    def _bytes(text: str) -> bytes:
        return text.encode("utf-8", "surrogatepass")  # an id from JSON may hold a lone surrogate

    def _key(self, name: str) -> bytes:
        return hashlib.blake2b(self._bytes(name), digest_size=16).digest()

    def claim(self, name: str, record_id: str) -> str | None:
        """Give ``name`` to ``record_id`` when it has no owner yet (None); else return its owner."""
        key = self._key(name)
        if self._db.execute(
            "INSERT OR IGNORE INTO owner VALUES (?, ?)", (key, self._bytes(record_id))
        ).rowcount:
            return None
        row = self._db.execute("SELECT record_id FROM owner WHERE name = ?", (key,)).fetchone()
        return str(row[0].decode("utf-8", "surrogatepass"))

    def give(self, name: str, record_id: str) -> None:
        """Make ``record_id`` the owner of ``name`` (claimed before)."""
        self._db.execute(
            "UPDATE owner SET record_id = ? WHERE name = ?", (self._bytes(record_id), self._key(name))
        )
