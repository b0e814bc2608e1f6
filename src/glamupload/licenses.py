"""Decide, with a reason, whether Commons can take a file: the work shown AND its reproduction.

Commons keeps a file only when two things are free, each in the source country and in the United
States: the work the file shows (a drawing, a ship model, a photograph) and the reproduction of it
(the museum's photograph or scan). A verdict therefore states both layers (``Verdict.work`` and
``Verdict.reproduction``) and is ``accept`` only when both are free; its wikitext says both
(``{{PD-Art|…}}``, ``{{Licensed-PD-Art|…|…}}``, ``{{Art Photo|artwork license=…|photo license=…}}``, or a
licence alone where it covers the work too). Reference: docs/licenses.md.

Uploading something that is not free is the one mistake that harms a partner institution, so the
engine is conservative by construction: every statement found in a value is recognised and the worst
one wins; "public domain" is a conclusion from dates, never a label taken on trust; the record's
(metadata) rights never stand in for the image's; and ``Verdict`` refuses to be built as ``accept``
unless both layers are free and every public-domain layer has a US status. What the table knows —
licences, their Commons tags, copyright terms — lives in ``mappings/licenses.yaml``.
"""

from __future__ import annotations

import csv
import datetime
import functools
import json
import re
import typing
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import mwparserfromhell
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from glamupload.errors import ConfigError
from glamupload.resources import mappings_dir
from glamupload.wikitext import escape
from glamupload.yamlconfig import load_yaml, regex_problem, suggest, validate

Kind = Literal["2d", "3d", "photo"]
VerdictName = Literal["accept", "reject", "review"]
EntryVerdict = Literal["accept", "reject", "review", "public-domain"]
LayerStatusName = Literal["public-domain", "licensed", "no-new-rights", "not-free", "unknown"]
UsStatusName = Literal["public-domain", "licensed", "not-free", "unknown"]
FlagKind = Literal[
    "record-rights-cover-images", "holds-work-rights", "institution-assertion", "reviewer-decision"
]
TagRole = Literal["pd", "pd-us", "us", "wrapper", "licensed-wrapper", "art-photo", "refused"]

# Why a layer has its status: a short stable code, so reports can group files by it (the record's own
# years stay in ``LayerStatus.basis``).
LayerRule = Literal[
    "pma",  # creator died more than the term ago
    "pd-old-assumed",  # no death year, created more than 120 years ago
    "unknown-author",  # no death year, created more than 190 years ago
    "institution-rule",  # an assertion rule of the crosswalk fits the record's facts
    "licence",  # a free licence
    "holds-work-rights",  # the institution declares its licence covers the work too
    "reviewer",  # a reviewer's decision
    "faithful-2d",  # a faithful reproduction of a 2D work: no new rights
    "scan-of-photograph",  # a scan of the photograph that is the work: no new rights
    "in-copyright",  # the creator died too recently
    "no-dates",  # no year to compute a term from
    "too-young-for-assumed",  # no death year and not old enough for PD-old-assumed
    "death-year-not-sought",  # no death year because the crosswalk reads none, so PD-old-assumed cannot hold
    "death-in-name",  # no death year, but the creator's name shows one (life dates)
    "dates-contradict",  # the record's years contradict each other
    "us-not-shown",  # public domain at home, but no US rule fits
    "term-not-covered",  # the source country's term is longer than the rule allows
    "not-free",  # a non-free statement (NC, ND, In Copyright, rights reserved)
    "needs-review",  # a statement the table sends to review, or one not recognised
    "no-statement",  # no rights statement at all
    "photo-needs-licence",  # a photograph of a 3D work with no licence of its own
    "kind-not-given",  # 2d / 3d / photo unknown, and the answer depends on it
    "",  # not determined (the other layer already decided)
]

_SEVERITY = {"reject": 3, "review": 2, "public-domain": 1, "accept": 0}
_FREE_LAYER = ("public-domain", "licensed", "no-new-rights")
_FREE_US = ("public-domain", "licensed")

# ---------------------------------------------------------------------------------------------
# The table (mappings/licenses.yaml)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LicenseEntry(_Strict):
    """One row of the license table."""

    id: str
    verdict: EntryVerdict
    wikitext: str = ""
    reason: str = ""
    p275: str | None = None
    p6216: str | None = None
    uri: str | None = None
    patterns: tuple[str, ...] = ()
    notice: bool = False
    attribution: bool = False

    @model_validator(mode="after")
    def _accept_has_tag(self) -> LicenseEntry:
        if (self.verdict == "accept") != bool(self.wikitext):
            raise ValueError(f"{self.id}: an accept entry needs wikitext, and only accept entries have it")
        return self

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            if (problem := regex_problem(pattern)) is not None:
                raise ValueError(f"pattern {pattern!r} is not a regular expression: {problem}")
        return patterns


class PublicDomainTags(_Strict):
    """The Commons tags the engine writes for public-domain works and their reproductions."""

    pma_us_expired: str
    pma_pd_1996: str
    unknown_author: str
    assumed: str
    us_expired: str
    faithful: str
    licensed_faithful: str
    photo_of_work: str


class PublicDomainRules(_Strict):
    """The copyright terms the public-domain reasoning applies."""

    us_years: int
    uraa_year: int
    uraa_published_before: int
    assumed_years: int
    unknown_author_years: int
    assumed_max_pma: int
    default_pma: int
    pma_by_country: dict[str, int] = {}
    tags: PublicDomainTags
    p6216: str

    def pma(self, country: str | None) -> int:
        """Years after the author's death the source country protects a work."""
        return self.pma_by_country.get((country or "").upper(), self.default_pma)

    def us_cutoff(self, year: int) -> int:
        """Works published before 1 January of this year are public domain in the US."""
        return year - self.us_years


class CommonsTag(_Strict):
    """A Commons licence tag and what it says about the United States (see licenses.yaml)."""

    name: str
    role: TagRole
    add: str = ""
    doc: str

    @model_validator(mode="after")
    def _pd_says_what_to_add(self) -> CommonsTag:
        if (self.role == "pd") != bool(self.add):
            raise ValueError(f"{self.name}: a 'pd' tag needs 'add' (the US tag to add), and only it has one")
        return self


class LicenseTable(_Strict):
    """The whole of ``mappings/licenses.yaml``, indexed for recognition."""

    public_domain: PublicDomainRules
    commons_tags: tuple[CommonsTag, ...]
    synonyms: dict[str, str]
    cc_ports: dict[str, tuple[str, ...]]
    licenses: tuple[LicenseEntry, ...]

    @field_validator("licenses")
    @classmethod
    def _unique_ids(cls, licenses: tuple[LicenseEntry, ...]) -> tuple[LicenseEntry, ...]:
        seen: set[str] = set()
        for entry in licenses:
            if entry.id in seen:
                raise ValueError(f"license id {entry.id!r} appears twice")
            seen.add(entry.id)
        return licenses

    @model_validator(mode="after")
    def _written_tags_are_described(self) -> LicenseTable:
        tags = self.public_domain.tags.model_dump().values()
        missing = [name for name in tags if _tag_key(name) not in self.tags_by_name]
        if missing:
            raise ValueError(f"public_domain.tags {missing[0]!r} is not described under commons_tags")
        return self

    @functools.cached_property
    def by_id(self) -> dict[str, LicenseEntry]:
        return {entry.id: entry for entry in self.licenses}

    @functools.cached_property
    def by_uri(self) -> dict[str, LicenseEntry]:
        return {entry.uri.casefold(): entry for entry in self.licenses if entry.uri}

    @functools.cached_property
    def compiled(self) -> list[tuple[re.Pattern[str], LicenseEntry]]:
        return [(re.compile(p), entry) for entry in self.licenses for p in entry.patterns]

    @functools.cached_property
    def compiled_synonyms(self) -> list[tuple[re.Pattern[str], str]]:
        return [(re.compile(p), f" {word} ") for p, word in self.synonyms.items()]

    @functools.cached_property
    def ports(self) -> frozenset[str]:
        """Every jurisdiction port of any version ("de", "se"): a word after a CC name that may be one."""
        return frozenset(port for listed in self.cc_ports.values() for port in listed)

    @functools.cached_property
    def tags_by_name(self) -> dict[str, CommonsTag]:
        return {_tag_key(tag.name): tag for tag in self.commons_tags}


def load_table(path: Path | None = None) -> LicenseTable:
    """Read a license table; the shipped one when ``path`` is None (read once, then cached)."""
    if path is None:
        return _shipped_table()
    return validate(LicenseTable, load_yaml(path))


@functools.cache
def _shipped_table() -> LicenseTable:
    return validate(LicenseTable, load_yaml(mappings_dir() / "licenses.yaml"))


# ---------------------------------------------------------------------------------------------
# Verdicts: two layers, each with its US status


@dataclass(frozen=True)
class UsStatus:
    """A layer's status in the United States and the rule that gives it."""

    status: UsStatusName = "unknown"
    rule: str = ""
    tag: str = ""  # the US tag written beside the work's tag, when that tag does not state it

    @property
    def free(self) -> bool:
        return self.status in _FREE_US


@dataclass(frozen=True)
class LayerStatus:
    """One layer (the work, or its reproduction): its status, why, the dates that prove it, the US."""

    status: LayerStatusName = "unknown"
    rule: LayerRule = ""
    basis: str = ""
    license_id: str | None = None
    holder: str | None = None
    death_year: int | None = None
    created: int | None = None
    published: int | None = None
    country: str | None = None
    us: UsStatus = UsStatus()

    @property
    def free(self) -> bool:
        """Free in the source country and in the US."""
        return self.status in _FREE_LAYER and self.us.free


@dataclass(frozen=True)
class Flag:
    """Something the report must show on every file it concerns (a declaration, an assertion, a review)."""

    kind: FlagKind
    text: str


def _check_literal(name: str, value: object, kind: object) -> None:
    if value not in typing.get_args(kind):
        raise ValueError(f"{name} {value!r} is not one of {', '.join(map(str, typing.get_args(kind)))}")


@dataclass(frozen=True)
class Verdict:
    """What Commons can do with one file, and why. ``wikitext`` is empty unless accepted.

    ``accept`` is possible only with both layers free and every public-domain layer free in the US: the
    constructor refuses anything else, so no code path can accept a half-free file.
    """

    verdict: VerdictName
    license_id: str | None
    wikitext: str
    reason: str
    basis: str = ""
    p275: str | None = None
    p6216: str | None = None
    work: LayerStatus = LayerStatus()
    reproduction: LayerStatus = LayerStatus()
    flags: tuple[Flag, ...] = ()

    def __post_init__(self) -> None:
        _check_literal("verdict", self.verdict, VerdictName)
        for layer in (self.work, self.reproduction):
            _check_literal("layer status", layer.status, LayerStatusName)
            _check_literal("layer rule", layer.rule, LayerRule)
            _check_literal("US status", layer.us.status, UsStatusName)
        for flag in self.flags:
            _check_literal("flag", flag.kind, FlagKind)
        if self.wikitext and self.verdict != "accept":
            raise ValueError("only an accepted verdict carries license wikitext")
        if self.verdict == "accept":
            if not self.wikitext:
                raise ValueError("an accepted verdict needs license wikitext")
            if not (self.work.free and self.reproduction.free):
                raise ValueError(
                    "a verdict is accepted only when the work and its reproduction are both free"
                )

    @property
    def accepted(self) -> bool:
        return self.verdict == "accept"

    @property
    def group(self) -> str:
        """The reason without the record's own values: files that share it share a review decision."""
        parts = [f"work: {_RULE_TEXT[self.work.rule]}", f"reproduction: {_RULE_TEXT[self.reproduction.rule]}"]
        return f"{self.verdict} ({'; '.join(parts)})"

    @functools.cached_property
    def json(self) -> str:
        """``to_dict`` as JSON text (records.jsonl's form), made once per verdict: a batch's files share
        a few verdicts."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``glamupload license --json``, records.jsonl and the upload state."""
        data = asdict(self)
        data["flags"] = [asdict(flag) for flag in self.flags]
        data["group"] = self.group  # derived: for readers of the JSON that group files by reason
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        """A verdict back from ``to_dict`` (exactly: ``Verdict.from_dict(v.to_dict()) == v``)."""

        def layer(raw: Mapping[str, Any] | None) -> LayerStatus:
            raw = dict(raw or {})
            raw["us"] = UsStatus(**(raw.get("us") or {}))
            return LayerStatus(**raw)

        values = dict(data)
        values.pop("group", None)
        values["work"] = layer(values.get("work"))
        values["reproduction"] = layer(values.get("reproduction"))
        values["flags"] = tuple(Flag(**flag) for flag in values.get("flags") or ())
        return cls(**values)


_RULE_TEXT: dict[str, str] = {
    "pma": "public domain, the creator died more than the term ago",
    "pd-old-assumed": "public domain, no death year but created more than 120 years ago (PD-old-assumed)",
    "unknown-author": "public domain, no death year but created more than 190 years ago",
    "institution-rule": "public domain as the institution asserts, and the record's facts fit its rule",
    "licence": "under a free licence",
    "holds-work-rights": "licensed by the institution, which declares it holds the rights to the work",
    "reviewer": "as a reviewer decided",
    "faithful-2d": "a faithful reproduction of a 2D work, no new rights",
    "scan-of-photograph": "a scan of the photograph, no new rights",
    "in-copyright": "still in copyright: the creator died too recently",
    "no-dates": "no year to compute a term from",
    "too-young-for-assumed": "no death year for the creator, and too recent for PD-old-assumed",
    "death-year-not-sought": "no death year, as the crosswalk reads none: PD-old-assumed needs one not found",
    "death-in-name": "no death year, but the creator's name shows life dates: the death is known",
    "dates-contradict": "the record's years contradict each other",
    "us-not-shown": "public domain in the source country, but no US rule fits",
    "term-not-covered": "the source country's term is longer than the rule allows",
    "not-free": "a statement Commons cannot accept",
    "needs-review": "a statement that needs a person's review",
    "no-statement": "no rights statement",
    "photo-needs-licence": "a photograph of a 3D work needs its own licence",
    "kind-not-given": "the kind of file (2d, 3d, photo) is not given",
    "": "not determined",
}


def _this_year() -> int:
    return datetime.datetime.now(datetime.UTC).year


@dataclass(frozen=True)
class Facts:
    """What the record says that public-domain reasoning needs (years as integers).

    ``kind`` says what the file is: ``2d`` a faithful reproduction of a flat work, ``3d`` a photograph
    of an object, ``photo`` a photograph that is itself the work.
    """

    death_year: int | None = None
    created: int | None = None
    published: int | None = None
    country: str | None = None
    kind: Kind | None = None
    current_year: int = field(default_factory=_this_year)
    #: False when the crosswalk maps no death year at all: a missing one was then not looked for, and
    #: {{PD-old-assumed}} is for a death date that cannot be found (Template:PD-old-assumed), not for one
    #: nobody read (a 1903 Picasso). Works older than the unknown-author rule stay public domain.
    death_year_sought: bool = True
    #: A death year the work's creator's name shows (``Berg, Anna (1880-1960)``, ``† 1960``) when
    #: ``death_year`` has none: a death within the term is then known though the crosswalk does not read
    #: it, so no rule may assume it unknown (PD-old-assumed) or long past (unknown author).
    named_death: int | None = None
    #: True when the record gives a country that is not an ISO code ("Sverige", "Mexico"): the term is then
    #: the longest the table knows, never the default, which may be too short.
    country_unreadable: bool = False


class Declaration(_Strict):
    """An explicit statement by the crosswalk or batch author; it must say why (shown on every file)."""

    reason: str

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"reason": data} if isinstance(data, str) else data

    @field_validator("reason")
    @classmethod
    def _says_why(cls, reason: str) -> str:
        if len(reason.strip()) < 10:
            raise ValueError("give the reason in words (who stated it, where): it is shown on every file")
        return reason.strip()


class RightsDeclarations(_Strict):
    """Declarations that widen what a statement covers; absent unless written, each with its reason."""

    record_covers_images: Declaration | None = Field(
        None, description="the record's rights are also the images' rights (e.g. a README says so)"
    )
    holds_work_rights: Declaration | None = Field(
        None, description="the institution holds the rights to the works, so its licence covers them too"
    )

    def merged(self, other: RightsDeclarations) -> RightsDeclarations:
        """These declarations, with ``other``'s where it gives one (a batch over its crosswalk)."""
        return RightsDeclarations(
            record_covers_images=other.record_covers_images or self.record_covers_images,
            holds_work_rights=other.holds_work_rights or self.holds_work_rights,
        )


# ---------------------------------------------------------------------------------------------
# Recognition

_CC_URI = re.compile(r"creativecommons\.org(?::\d+)?/((?:licenses|publicdomain)/[a-z0-9._/+-]*)")
_RS_URI = re.compile(r"rightsstatements\.org(?::\d+)?/(?:vocab|page|data)/([a-z-]+)/(\d\.\d)")
#: "cc by-sa 3.0 de": the type, the version, and a word after it that may be a jurisdiction port (one that
#: ends the text or is followed by punctuation: "3.0 de museo" is Spanish, not Germany's port)
_CC_TEXT = re.compile(
    r"(?<![a-z])cc((?:[ _-]*(?:by|sa|nc|nd)(?![a-z]))+)"
    r"(?:[ _-]*v?(\d\.\d)(?!\d)(?:[ _(-]+([a-z]{2,8})\)?(?=\s*(?:$|[^a-z0-9\s])))?)?"
)
_CC_VERSION = re.compile(r"\d\.\d")
_IN_A_TAG = r"[^{}\[\]<>~\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # no links, tags, signatures or control characters
_TEMPLATES_ONLY = re.compile(
    rf"^(?:\s*\{{\{{{_IN_A_TAG}+(?:\{{\{{{_IN_A_TAG}+\}}\}}{_IN_A_TAG}*)*\}}\}})+\s*$"
)


@dataclass(frozen=True)
class Match:
    """One statement found in a value: the table entry and the text that named it."""

    entry: LicenseEntry
    found: str
    port: str | None = None

    @property
    def license_id(self) -> str:
        return f"{self.entry.id}-{self.port}" if self.port else self.entry.id


def normalise_text(text: str, table: LicenseTable | None = None) -> str:
    """Fold case, strip accents and apply the table's synonyms, so patterns see one spelling."""
    table = table or load_table()
    decomposed = unicodedata.normalize("NFKD", text)
    plain = " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())
    for pattern, word in table.compiled_synonyms:
        plain = pattern.sub(word, plain)
    return " ".join(plain.split())


def _cc_path(path: str) -> tuple[str, str | None]:
    """``licenses/by-sa/3.0/de/legalcode.de`` → (``licenses/by-sa/3.0``, ``de``)."""
    parts = [p.rstrip(".") for p in path.split("/")]
    parts = [p for p in parts if p and not p.startswith(("legalcode", "deed", "rdf"))]
    for i, part in enumerate(parts):
        if _CC_VERSION.fullmatch(part):
            return "/".join(parts[: i + 1]), (parts[i + 1] if i + 1 < len(parts) else None)
    return "/".join(parts), None


def recognise(value: str, table: LicenseTable | None = None) -> list[Match]:
    """Every statement the table recognises in ``value`` (URIs, abbreviations, free text)."""
    table = table or load_table()
    folded = value.casefold()
    matches: list[Match] = []
    for m in _CC_URI.finditer(folded):
        matches.extend(_match_cc(*_cc_path(m.group(1)), m.group(0), table))
    for m in _RS_URI.finditer(folded):
        entry = table.by_uri.get(f"vocab/{m.group(1)}/{m.group(2)}")
        matches.append(Match(entry or _unknown(m.group(0)), m.group(0)))
    text = normalise_text(value, table)
    for m in _CC_TEXT.finditer(text):
        kind = "-".join(re.findall(r"by|sa|nc|nd", m.group(1)))
        base = f"licenses/{kind}/{m.group(2)}" if m.group(2) else None
        if base and m.group(3) in table.ports:  # "CC BY-SA 3.0 DE" is the German port, as its URI would be
            matches.extend(_match_cc(base, m.group(3), m.group(0).strip(), table))
            continue
        entry = table.by_uri.get(base) if base else table.by_id.get(f"cc-{kind}")
        if entry:
            matches.append(Match(entry, m.group(0).strip()))
    for pattern, entry in table.compiled:
        found = pattern.search(text)
        if found:
            matches.append(Match(entry, found.group(0).strip()))
    return _drop_subsumed(matches)


def _match_cc(base: str, port: str | None, found: str, table: LicenseTable) -> list[Match]:
    entry = table.by_uri.get(base)
    if entry is None:
        return [Match(_unknown(found), found)]
    if port is None or entry.verdict != "accept":
        return [Match(entry, found)]
    version = base.rsplit("/", 1)[-1]
    if port not in table.cc_ports.get(version, ()):
        return [Match(_unknown(found, f"{entry.id} has no '{port}' port in the table"), found)]
    ported = entry.model_copy(update={"wikitext": entry.wikitext.replace("}}", f"-{port}}}}}"), "p275": None})
    return [Match(ported, found, port)]


def _unknown(found: str, why: str = "not in the license table") -> LicenseEntry:
    return LicenseEntry(id="unknown", verdict="review", reason=f"{found!r}: {why}")


def _drop_subsumed(matches: list[Match]) -> list[Match]:
    """A versionless "CC BY" next to "CC BY 4.0" (or its URI) is the same statement."""
    versioned = {m.entry.id.rsplit("-", 1)[0] for m in matches if m.entry.uri}
    return [m for m in matches if m.entry.uri or m.entry.id not in versioned]


# ---------------------------------------------------------------------------------------------
# Commons tags: parsing, rendering, and the US-status check every written licence must pass


@dataclass(frozen=True)
class Tag:
    """One template call: ``{{name|a|b|key=value}}`` (positional parameters have no key)."""

    name: str
    positional: tuple[str, ...] = ()
    named: tuple[tuple[str, str], ...] = ()

    def render(self) -> str:
        parts = [self.name, *self.positional, *(f"{k}={v}" for k, v in self.named)]
        return "{{" + "|".join(parts) + "}}"

    def get(self, key: str) -> str | None:
        if key.isdigit() and 0 < int(key) <= len(self.positional):
            return self.positional[int(key) - 1]
        return dict(self.named).get(key)


def _tag_key(name: str) -> str:
    """Template names compare case-insensitively in their first letter; spaces and _ are one."""
    name = " ".join(name.replace("_", " ").split())
    return name[:1].upper() + name[1:]


def _parse_tags(wikitext: str) -> list[Tag]:
    tags = []
    for node in mwparserfromhell.parse(wikitext).filter_templates(recursive=False):
        positional, named = [], []
        for param in node.params:
            value = str(param.value).strip()
            if param.showkey:
                named.append((str(param.name).strip(), value))
            else:
                positional.append(value)
        tags.append(Tag(str(node.name).strip(), tuple(positional), tuple(named)))
    return tags


def _render(tags: Iterable[Tag]) -> str:
    return "".join(tag.render() for tag in tags)


@dataclass(frozen=True)
class _TagReading:
    """What a piece of licence wikitext says, layer by layer (from the commons_tags table)."""

    work_pd: list[str]  # public-domain tags about the work
    us_tags: list[str]  # US tags, or PD tags that state the US status too
    licences: list[str]
    reproduction: Literal["faithful", "licensed", "none"]
    problems: list[str]


def _read_tags(wikitext: str, table: LicenseTable, cutoff: int) -> _TagReading:
    """Classify every template of ``wikitext``; problems: PD tags with no US status beside them."""
    work_pd: list[str] = []  # every PD tag about the work (for describing the layers)
    checked: list[str] = []  # the ones this level checks (Art Photo's parts check their own)
    us: list[str] = []
    licences: list[str] = []
    reproduction: Literal["faithful", "licensed", "none"] = "none"
    problems: list[str] = []

    def work_tag(name: str) -> None:
        tag = table.tags_by_name.get(_tag_key(name))
        if tag is not None and tag.role in ("pd-us", "us"):
            us.append(name)
        if tag is None or tag.role != "us":
            work_pd.append(name)
            checked.append(name)

    for tag in _parse_tags(wikitext):
        known = table.tags_by_name.get(_tag_key(tag.name))
        role = known.role if known else None
        if role == "wrapper":
            work_tag(tag.get("1") or "PD-old")
            reproduction = "faithful"
        elif role == "licensed-wrapper":
            work_tag(tag.get("1") or "PD-old")
            licences.append(tag.get("2") or "")
            reproduction = "licensed"
        elif role == "art-photo":
            artwork = _read_tags(tag.get("artwork license") or "", table, cutoff)
            photo = _read_tags(tag.get("photo license") or "", table, cutoff)
            problems += [f"|artwork license= {p}" for p in artwork.problems]
            problems += [f"|photo license= {p}" for p in photo.problems]
            if not (tag.get("artwork license") and tag.get("photo license")):
                problems.append("{{Art Photo}} needs both |artwork license= and |photo license=")
            work_pd += artwork.work_pd
            us += artwork.us_tags
            licences += artwork.licences + photo.licences
            reproduction = "licensed"
        elif role == "refused":
            problems.append(f"{{{{{tag.name}}}}} says the file is not free or asks for its deletion")
        elif role in ("pd", "pd-us", "us") or _tag_key(tag.name).startswith("PD-"):
            work_tag(tag.name)  # an unknown PD tag is acceptable only next to a US tag
        else:
            licences.append(tag.name)
    lacking = [name for name in checked if name not in us]
    if lacking and not [u for u in us if u not in checked]:
        known = table.tags_by_name.get(_tag_key(lacking[0]))
        add = (
            known.add.replace("{cutoff}", f"1 January {cutoff}")
            if known
            else "a US tag such as {{PD-US-expired}} or {{PD-1996}}, or describe the tag in "
            "mappings/licenses.yaml commons_tags"
        )
        problems.append(f"{{{{{lacking[0]}}}}} gives no US status: add {add}")
    return _TagReading(work_pd, us, licences, reproduction, problems)


def license_wikitext_problem(
    wikitext: str, table: LicenseTable | None = None, year: int | None = None
) -> str | None:
    """Why ``wikitext`` cannot be written as a file's licence (None when it can).

    It must be template calls only, name no non-free licence, and give every public-domain tag a US
    status (Commons:Licensing). The one check for crosswalk rules, overrides and reviewers' decisions.
    """
    table = table or load_table()
    if not _TEMPLATES_ONLY.match(wikitext):
        return f"{wikitext!r} is not one or more {{{{template}}}} calls"
    # A notice word inside a template name ({{Copyrighted free use}}) is not a rights statement.
    nonfree = [m for m in recognise(wikitext, table) if m.entry.verdict == "reject" and not m.entry.notice]
    if nonfree:
        return f"{wikitext!r} names a license Commons cannot accept ({nonfree[0].entry.reason})"
    reading = _read_tags(wikitext, table, table.public_domain.us_cutoff(year or _this_year()))
    return reading.problems[0] if reading.problems else None


def check_license_wikitext(wikitext: str) -> str:
    """``wikitext`` unchanged, or a ValueError saying why it cannot be a licence (pydantic validators)."""
    problem = license_wikitext_problem(wikitext)
    if problem:
        raise ValueError(problem)
    return wikitext


# ---------------------------------------------------------------------------------------------
# Crosswalk declarations (embedded in the crosswalk schema)


class RecordConditions(_Strict):
    """Facts a record must show for an institution's assertion to be taken as it stands."""

    kind: tuple[Kind, ...] | None = None
    created_before: int | None = Field(None, description="creation year must be earlier than this")
    created_years_ago: int | None = Field(None, description="created at least this many years ago")
    died_years_ago: int | None = Field(
        None,
        description="creator died at least this many years ago (pma 70 → 71: the term ends with the year)",
    )

    def unmet(self, facts: Facts) -> list[str]:
        """Why ``facts`` fall outside these conditions (empty when they hold)."""
        problems = []
        if self.kind is not None and facts.kind not in self.kind:
            problems.append(f"kind is {facts.kind or 'not given'}, needs {' or '.join(self.kind)}")
        for limit, value, what, year in (
            (self.created_before, facts.created, "created", "creation year"),
            (_years_ago(self.created_years_ago, facts), facts.created, "created", "creation year"),
            (_years_ago(self.died_years_ago, facts), facts.death_year, "creator died", "death year"),
        ):
            if limit is None:
                continue
            if value is None:
                problems.append(f"no {year} in the record, needs one before {limit}")
            elif value >= limit:
                problems.append(f"{what} {value}, needs before {limit}")
        return problems


def _years_ago(years: int | None, facts: Facts) -> int | None:
    """The exclusive year limit for "at least ``years`` ago" (None when there is no condition)."""
    return None if years is None else facts.current_year - years + 1


class AssertionRule(_Strict):
    """An institution's public-domain label plus record facts → the work's Commons tags, as asserted.

    ``wikitext`` is the WORK's tags: its source-country tag and its US tag (``{{PD-Sweden-photo}}
    {{PD-1996}}``). The reproduction's wrapper (PD-Art, Licensed-PD-Art, Art Photo) is added per file.
    """

    label: str
    when: RecordConditions = RecordConditions()
    wikitext: str

    @field_validator("wikitext")
    @classmethod
    def _is_free_work_tag(cls, wikitext: str) -> str:
        check_license_wikitext(wikitext)
        table = load_table()
        for tag in _parse_tags(wikitext):
            known = table.tags_by_name.get(_tag_key(tag.name))
            if known and known.role in ("wrapper", "licensed-wrapper", "art-photo"):
                raise ValueError(
                    f"write only the work's tags here, not {{{{{tag.name}}}}}: glamupload wraps them for "
                    "the reproduction (PD-Art, Licensed-PD-Art, Art Photo) file by file"
                )
        return wikitext


class LicenseRules(_Strict):
    """A crosswalk's ``licenses:`` section: its own labels and assertion rules."""

    labels: dict[str, str] = {}
    attribution: str | None = None
    rules: tuple[AssertionRule, ...] = ()

    @field_validator("labels")
    @classmethod
    def _known_ids(cls, labels: dict[str, str]) -> dict[str, str]:
        known = load_table().by_id
        for label, license_id in labels.items():
            if license_id not in known:
                close = suggest(license_id, known)
                raise ValueError(
                    f"label {label!r}: unknown license id {license_id!r}"
                    + (f" (did you mean {close!r}?)" if close else "")
                )
        return labels


# ---------------------------------------------------------------------------------------------
# Overrides and reviewers' decisions


OVERRIDE_COLUMNS = ("record_id", "wikitext", "reviewer", "reason")


class Override(_Strict):
    """A reviewed exception: this record goes up with this license wikitext."""

    record_id: str
    wikitext: str
    reviewer: str
    reason: str

    @field_validator("record_id", "reviewer", "reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("wikitext")
    @classmethod
    def _is_free_template(cls, wikitext: str) -> str:
        return check_license_wikitext(wikitext.strip())


def load_overrides(path: Path) -> dict[str, Override]:
    """Read an overrides file: YAML (``overrides:``, a list of entries) or CSV, both with the columns
    ``record_id, wikitext, reviewer, reason`` (docs/licenses.md). Errors name the row and the column."""
    entries = list(_overrides_from_csv(path) if path.suffix.lower() == ".csv" else _overrides_from_yaml(path))
    by_record: dict[str, Override] = {}
    for line, row, override in entries:
        if override.record_id in by_record:
            raise ConfigError(
                f"{row}: record {override.record_id!r} has a second override",
                file=path,
                line=line,
                record=override.record_id,
                field="record_id",
            )
        by_record[override.record_id] = override
    return by_record


def _overrides_from_yaml(path: Path) -> Iterator[tuple[int | None, str, Override]]:
    located = load_yaml(path)
    entries = located.data.get("overrides")
    hint = f"each entry needs {', '.join(OVERRIDE_COLUMNS)} (see docs/licenses.md)"
    if set(located.data) != {"overrides"} or not isinstance(entries, list):
        raise located.error(
            "an overrides file has one key, 'overrides:', holding a list of entries",
            ("overrides",),
            hint=hint,
        )
    for i, entry in enumerate(entries):
        row = f"entry {i + 1}"
        if not isinstance(entry, dict):
            raise located.error(
                f"{row}: expected a mapping with {', '.join(OVERRIDE_COLUMNS)}", ("overrides", i)
            )
        override = validate(Override, located, entry, ("overrides", i))
        yield located.line(("overrides", i)), row, override


def _overrides_from_csv(path: Path) -> Iterator[tuple[int | None, str, Override]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = []
            line = 2
            for record in reader:
                rows.append((line, record))
                line = reader.line_num + 1
            columns = reader.fieldnames or []
    except FileNotFoundError:
        raise ConfigError("file not found", file=path) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text ({exc.reason})", file=path) from None
    hint = f"columns: {', '.join(OVERRIDE_COLUMNS)}"
    missing = [c for c in OVERRIDE_COLUMNS if c not in columns]
    if missing:
        raise ConfigError(
            f"the header has no column {missing[0]!r}", file=path, line=1, field=missing[0], hint=hint
        )
    for number, (line, record) in enumerate(rows, start=1):
        row = f"row {number}"
        extra = [value for value in record.get(None) or [] if value.strip()]  # DictReader's restkey
        if extra:  # an unquoted comma in the reason cut it short ("died 1908, checked in KulturNav")
            raise ConfigError(
                f"{row} has {len(columns) + len(extra)} values for {len(columns)} columns",
                file=path,
                line=line,
                hint="put a value holding a comma in double quotes",
            )
        try:
            yield line, row, Override.model_validate({c: record.get(c) or "" for c in OVERRIDE_COLUMNS})
        except ValidationError as exc:
            err = exc.errors()[0]
            column = str(err["loc"][0]) if err["loc"] else "?"
            message = str(err["msg"]).removeprefix("Value error, ")
            raise ConfigError(
                f"{row}, column {column!r}: {message}", file=path, line=line, field=column, hint=hint
            ) from None


def reviewed_verdict(
    wikitext: str,
    reason: str,
    reviewer: str,
    *,
    previous: Verdict | None = None,
    table: LicenseTable | None = None,
) -> Verdict:
    """The accepted verdict a reviewer's decision makes: ``wikitext`` is the licence they assert.

    Validated like the table's own answers (template calls only, no NC/ND, every PD tag with a US
    status): a ConfigError naming the problem otherwise. ``previous`` (the engine's verdict) is kept in
    the reason, so the report shows what was overruled.
    """
    table = table or load_table()
    wikitext, reason, reviewer = wikitext.strip(), reason.strip(), reviewer.strip()
    for value, name in ((reviewer, "reviewer"), (reason, "reason")):
        if not value:
            raise ConfigError(f"a review decision needs a {name}", field=name)
    problem = license_wikitext_problem(wikitext, table)
    if problem:
        raise ConfigError(problem, field="wikitext")
    said = f" (the table said {previous.verdict}: {previous.reason})" if previous else ""
    reading = _read_tags(wikitext, table, table.public_domain.us_cutoff(_this_year()))
    basis = f"asserted by {reviewer}: {reason}"
    us_pd = UsStatus("public-domain", f"{', '.join(reading.us_tags) or 'the tags'} as asserted by {reviewer}")
    licensed = LayerStatus("licensed", "reviewer", basis, us=UsStatus("licensed", "a free licence"))
    work = (
        LayerStatus("public-domain", "reviewer", basis, us=us_pd)
        if reading.work_pd or reading.us_tags
        else licensed
    )
    if reading.reproduction == "faithful" or (
        reading.reproduction == "none" and work.status == "public-domain"
    ):
        reproduction = LayerStatus("no-new-rights", "reviewer", basis, us=us_pd)
    else:
        reproduction = licensed
    return Verdict(
        "accept",
        "override",
        wikitext,
        f"override by {reviewer}: {reason}{said}",
        "override",
        work=work,
        reproduction=reproduction,
        flags=(Flag("reviewer-decision", f"accepted by {reviewer}: {reason}"),),
    )


# ---------------------------------------------------------------------------------------------
# Judging


RightsValue = str | Sequence[str] | None


def judge(
    image_rights: RightsValue = None,
    record_rights: RightsValue = None,
    facts: Facts | None = None,
    *,
    work_rights: RightsValue = None,
    rules: LicenseRules | None = None,
    attribution: str | None = None,
    declarations: RightsDeclarations | None = None,
    override: Override | None = None,
    table: LicenseTable | None = None,
) -> Verdict:
    """The verdict for one file, from its statements and the record's facts.

    ``image_rights`` speak of the file (the reproduction; for a ``photo``, of the photograph itself);
    ``work_rights`` of the work shown; ``record_rights`` only of the metadata — they never make a file
    acceptable unless ``declarations.record_covers_images`` says so, with its reason. An override wins
    over everything (validated like every licence). ``attribution`` (the record's, else the crosswalk's)
    becomes the attribution parameter of the tags that take one; it is made inert, since it comes from
    metadata.
    """
    table = table or load_table()
    facts = facts or Facts()
    rules = rules or LicenseRules()
    declarations = declarations or RightsDeclarations()
    if attribution:
        rules = rules.model_copy(update={"attribution": attribution})
    image, record, work = _values(image_rights), _values(record_rights), _values(work_rights)
    flags: list[Flag] = []
    notes: list[str] = []
    basis = "image rights"
    if not image and record:
        if declarations.record_covers_images is not None:
            image, basis = record, "record rights"
            flags.append(
                Flag(
                    "record-rights-cover-images",
                    "the record's rights are declared to cover the images: "
                    + declarations.record_covers_images.reason,
                )
            )
        else:
            notes.append(
                f"the record's own rights ({'; '.join(record)!r}) speak only of the metadata, "
                "not of the image"
            )
    elif image and record:
        notes.append("the record's own rights statement is not used: it speaks of the metadata")
    verdict = _Judge(facts, rules, declarations, table, flags).verdict(image, work, basis)
    if notes:
        verdict = replace(verdict, reason=f"{verdict.reason}; {'; '.join(notes)}")
    if override is not None:
        return reviewed_verdict(
            override.wikitext, override.reason, override.reviewer, previous=verdict, table=table
        )
    return verdict


def judge_value(value: str, facts: Facts | None = None, *, work_rights: RightsValue = None) -> Verdict:
    """How one rights value is judged on its own (``glamupload license VALUE``)."""
    return replace(judge(value, facts=facts, work_rights=work_rights), basis="value")


def _values(value: RightsValue) -> list[str]:
    items = [value] if isinstance(value, str) else list(value or [])
    return [item.strip() for item in items if item and item.strip()]


@dataclass(frozen=True)
class _Reading:
    """What a set of statements says: a free licence, a public-domain claim, a refusal, or nothing."""

    outcome: Literal["none", "licence", "pd-claim", "reject", "review"]
    reason: str = ""
    license_id: str | None = None
    match: Match | None = None
    asserted: tuple[AssertionRule, ...] = ()


@dataclass(frozen=True)
class _Work:
    """The work layer and the tags that say it (empty unless free)."""

    layer: LayerStatus
    tags: tuple[Tag, ...] = ()
    licence: Match | None = None


class _Judge:
    """One verdict: reads the statements, decides each layer, writes the wikitext that says both."""

    def __init__(
        self,
        facts: Facts,
        rules: LicenseRules,
        declarations: RightsDeclarations,
        table: LicenseTable,
        flags: list[Flag],
    ) -> None:
        self.facts = facts
        self.rules = rules
        self.declarations = declarations
        self.table = table
        self.flags = flags
        self.tags = table.public_domain.tags

    # -- reading statements -----------------------------------------------------------------------

    def read(self, values: list[str]) -> _Reading:
        table = self.table
        if not values:
            return _Reading("none", "no rights statement")
        labels = {normalise_text(k, table): v for k, v in self.rules.labels.items()}
        folded = [normalise_text(v, table) for v in values]
        matches = [m for value in values for m in recognise(value, table)]
        for text, value in zip(folded, values, strict=True):
            if text in labels:
                entry = table.by_id[labels[text]]
                matches.append(Match(entry, f"label {value!r} (crosswalk: {entry.id})"))
        asserted = tuple(rule for rule in self.rules.rules if normalise_text(rule.label, table) in folded)
        worst = max((_SEVERITY[m.entry.verdict] for m in matches), default=None)
        if worst == _SEVERITY["reject"]:
            return self._rejected(matches)
        if asserted and worst in (None, _SEVERITY["public-domain"]):
            return _Reading(
                "pd-claim",
                f"the institution asserts {asserted[0].label!r}",
                asserted[0].label,
                asserted=asserted,
            )
        if not matches:
            return _Reading("review", f"rights statement not recognised: {'; '.join(values)!r}")
        reviews = [m for m in matches if m.entry.verdict == "review"]
        if reviews:
            return self._reviewed(reviews[0])
        accepts = {m.license_id: m for m in matches if m.entry.verdict == "accept"}
        if len(accepts) > 1:
            return _Reading("review", f"names several licenses: {', '.join(sorted(accepts))}")
        if accepts:
            match = next(iter(accepts.values()))
            return _Reading(
                "licence", f"{match.entry.id} recognised in {match.found!r}", match.license_id, match
            )
        claim = matches[0]
        return _Reading("pd-claim", f"{claim.found!r} claims public domain", claim.license_id)

    @staticmethod
    def _reviewed(first: Match) -> _Reading:
        said = (
            first.entry.reason
            if repr(first.found) in first.entry.reason
            else f"{first.entry.reason} (found {first.found!r})"
        )
        return _Reading("review", said, first.license_id)

    def _rejected(self, matches: list[Match]) -> _Reading:
        rejects = [m for m in matches if m.entry.verdict == "reject"]
        accepts = [m for m in matches if m.entry.verdict == "accept"]
        hard = [m for m in rejects if not m.entry.notice]
        reviews = [m for m in matches if m.entry.verdict == "review"]
        # a notice names the free licence's holder; what else is written beside them still counts
        if not hard and reviews and accepts:
            return self._reviewed(reviews[0])
        if not hard and len({m.license_id for m in accepts}) == 1:
            match = accepts[0]
            return _Reading(
                "licence",
                f"{match.entry.id} recognised in {match.found!r}; the copyright notice "
                f"{rejects[0].found!r} names the holder of the free license",
                match.license_id,
                match,
            )
        first = (hard or rejects)[0]
        return _Reading("reject", f"{first.entry.reason} (found {first.found!r})", first.license_id)

    # -- the verdict ------------------------------------------------------------------------------

    def verdict(self, image_values: list[str], work_values: list[str], basis: str) -> Verdict:
        kind = self.facts.kind
        image = self.read(image_values)
        work_reading = self.read(work_values) if work_values else None
        if image.outcome in ("reject", "review", "none"):
            return self._refused(image, "the image", basis if image_values else "none")
        if work_reading is not None and work_reading.outcome in ("reject", "review"):
            return self._refused(work_reading, "the work", "work rights")
        if work_reading is None and (kind == "photo" or image.outcome == "pd-claim"):
            # a photograph is the work itself; a public-domain claim speaks of the work shown
            work_reading = image
        work = self._work(work_reading, image)
        reproduction = self._reproduction(image, work)
        if work.layer.free and reproduction.free:
            return self._accepted(image, work, reproduction, basis)
        failing = work.layer if not work.layer.free else reproduction
        reason = f"{'the work' if failing is work.layer else 'the reproduction'}: {failing.basis}"
        other = reproduction if failing is work.layer else work.layer
        if other.basis:
            reason += f" ({'reproduction' if failing is work.layer else 'work'}: {other.basis})"
        verdict: VerdictName = (
            "reject" if "not-free" in (work.layer.status, reproduction.status) else "review"
        )
        return Verdict(
            verdict,
            image.license_id,
            "",
            reason,
            basis,
            work=work.layer,
            reproduction=reproduction,
            flags=tuple(self.flags),
        )

    def _refused(self, reading: _Reading, what: str, basis: str) -> Verdict:
        status: LayerStatusName = "not-free" if reading.outcome == "reject" else "unknown"
        rule: LayerRule = "no-statement"
        if reading.outcome == "reject":
            rule = "not-free"
        elif reading.outcome == "review":
            rule = "needs-review"
        reason = reading.reason if reading.outcome != "none" else "no rights statement for the image"
        layer = LayerStatus(
            status,
            rule,
            reason,
            reading.license_id,
            us=UsStatus("not-free" if status == "not-free" else "unknown"),
        )
        work, reproduction = (layer, LayerStatus()) if what == "the work" else (LayerStatus(), layer)
        if self.facts.kind == "photo" and what == "the image":
            work = layer
        verdict: VerdictName = "reject" if reading.outcome == "reject" else "review"
        return Verdict(
            verdict,
            reading.license_id,
            "",
            reason,
            basis,
            work=work,
            reproduction=reproduction,
            flags=tuple(self.flags),
        )

    def _work(self, reading: _Reading | None, image: _Reading) -> _Work:
        """The work's status: its own statement, else the dates; the institution's licence if declared."""
        if reading is not None and reading.outcome == "licence" and reading.match is not None:
            holder = self.rules.attribution if reading is image else None
            what = "the photograph is the work" if reading is image else "the work's own rights statement"
            return _Work(
                LayerStatus(
                    "licensed",
                    "licence",
                    f"{reading.reason} ({what})",
                    reading.license_id,
                    holder,
                    us=_LICENSED_US,
                ),
                licence=reading.match,
            )
        work = self._public_domain(reading.asserted if reading else ())
        if reading is not None and reading.outcome == "pd-claim" and not work.layer.free:
            work = replace(work, layer=replace(work.layer, basis=f"{reading.reason}, but {work.layer.basis}"))
        holds = self.declarations.holds_work_rights
        if (
            not work.layer.free
            and holds is not None
            and image.outcome == "licence"
            and image.match is not None
        ):
            self.flags.append(
                Flag("holds-work-rights", f"the institution holds the rights to the work: {holds.reason}")
            )
            basis = (
                f"the institution declares it holds the rights to the work ({holds.reason}), "
                f"so {image.license_id} covers it"
            )
            return _Work(
                LayerStatus(
                    "licensed",
                    "holds-work-rights",
                    basis,
                    image.license_id,
                    self.rules.attribution,
                    us=_LICENSED_US,
                ),
                licence=image.match,
            )
        return work

    def _reproduction(self, image: _Reading, work: _Work) -> LayerStatus:
        kind = self.facts.kind
        if image.outcome == "licence" and image.match is not None:
            if kind == "photo" and work.licence is image.match:
                return LayerStatus(
                    "no-new-rights",
                    "scan-of-photograph",
                    "a scan of the photograph adds no rights",
                    us=_NO_NEW_US,
                )
            return LayerStatus(
                "licensed",
                "licence",
                f"the image is licensed: {image.reason}",
                image.license_id,
                self.rules.attribution,
                us=_LICENSED_US,
            )
        # image.outcome == "pd-claim": the institution says the image is public domain
        if kind == "photo":
            return LayerStatus(
                "no-new-rights",
                "scan-of-photograph",
                "a scan of the photograph adds no rights",
                us=_NO_NEW_US,
            )
        if kind == "2d":
            return LayerStatus(
                "no-new-rights",
                "faithful-2d",
                "a faithful reproduction of a 2D work adds no rights (PD-Art)",
                us=_NO_NEW_US,
            )
        if kind == "3d":
            return LayerStatus(
                "unknown",
                "photo-needs-licence",
                f"{image.reason}, which speaks of the object; a photograph of a 3D object is a new work and "
                "needs its own licence, and none was given",
            )
        return LayerStatus(
            "unknown",
            "kind-not-given",
            f"{image.reason}, but the kind of file is not given (2d reproduction, photo of a 3d object, "
            "or the photograph itself): set rights.facts.kind",
        )

    def _accepted(self, image: _Reading, work: _Work, reproduction: LayerStatus, basis: str) -> Verdict:
        tags = self.tags
        kind = self.facts.kind
        licence = image.match if reproduction.status == "licensed" else None
        licence_tag = self._licence_tag(licence) if licence else None
        if work.licence is not None:  # the work is licensed
            work_tag = self._licence_tag(work.licence)
            if licence is None or work.licence is licence:
                wikitext = work_tag.render()
            else:
                wikitext = Tag(
                    tags.photo_of_work,
                    named=(
                        ("artwork license", work_tag.render()),
                        ("photo license", licence_tag.render() if licence_tag else ""),
                    ),
                ).render()
        elif licence_tag is None:  # public-domain work, reproduction adds no rights
            first, rest = work.tags[0], work.tags[1:]
            wrap = kind == "2d" and not first.positional
            wikitext = (
                _render([Tag(tags.faithful, (first.name,), first.named), *rest])
                if wrap
                else _render(work.tags)
            )
        elif kind in ("2d", "photo") and not work.tags[0].positional:
            first, rest = work.tags[0], work.tags[1:]
            attribution = tuple(("attribution", v) for k, v in licence_tag.named if k == "1")
            wrapped = Tag(tags.licensed_faithful, (first.name, licence_tag.name), first.named + attribution)
            wikitext = _render([wrapped, *rest])
        else:
            wikitext = Tag(
                tags.photo_of_work,
                named=(("artwork license", _render(work.tags)), ("photo license", licence_tag.render())),
            ).render()
        cutoff = self.table.public_domain.us_cutoff(self.facts.current_year)
        problems = _read_tags(wikitext, self.table, cutoff).problems
        if problems:  # a table or crosswalk mistake: never write it
            reason = f"the licence wikitext built for this file is not valid ({problems[0]}): {wikitext}"
            return Verdict(
                "review", image.license_id, "", reason, basis, work=work.layer, reproduction=reproduction
            )
        p275, p6216 = (
            (licence.entry.p275, licence.entry.p6216) if licence else (None, self.table.public_domain.p6216)
        )
        if work.licence is not None and licence is None:
            p275, p6216 = work.licence.entry.p275, work.licence.entry.p6216
        reason = f"work: {work.layer.basis}; reproduction: {reproduction.basis}"
        if work.layer.us.rule and work.layer.status == "public-domain":
            reason = f"work: {work.layer.basis}; US: {work.layer.us.rule}; reproduction: {reproduction.basis}"
        license_id = image.license_id
        return Verdict(
            "accept",
            license_id,
            wikitext,
            reason,
            "institution assertion" if work.layer.rule == "institution-rule" else basis,
            p275,
            p6216,
            work.layer,
            reproduction,
            tuple(self.flags),
        )

    def _licence_tag(self, match: Match) -> Tag:
        """A free licence's tag, with the attribution as parameter 1 where the tag takes one."""
        tag = _parse_tags(match.entry.wikitext)[0]
        if self.rules.attribution and match.entry.attribution:
            tag = replace(tag, named=(("1", escape(self.rules.attribution)),))
        return tag

    # -- public domain, from dates ----------------------------------------------------------------

    def _dated(
        self, status: LayerStatusName, rule: LayerRule, basis: str, us: UsStatus = UsStatus()
    ) -> LayerStatus:
        """A work layer carrying the record's dates and country (the evidence it rests on)."""
        f = self.facts
        return LayerStatus(
            status,
            rule,
            basis,
            death_year=f.death_year,
            created=f.created,
            published=f.published,
            country=f.country,
            us=us,
        )

    def _public_domain(self, asserted: Sequence[AssertionRule]) -> _Work:
        """The work's public-domain status in the source country and in the US, or why it is unknown."""
        why_not = []
        for rule in asserted:
            unmet = rule.when.unmet(self.facts)
            if not unmet:
                claim = f"the institution asserts {rule.label!r}"
                self.flags.append(Flag("institution-assertion", f"{claim}: {rule.wikitext}"))
                basis = f"{claim}; the record's facts fit its rule for {rule.wikitext}"
                us = UsStatus("public-domain", f"as the rule's tags state ({rule.wikitext})")
                return _Work(
                    self._dated("public-domain", "institution-rule", basis, us),
                    tuple(_parse_tags(rule.wikitext)),
                )
            why_not.append(f"{rule.wikitext}: {', '.join(unmet)}")
        work = self._computed()
        if why_not and not work.layer.free:
            basis = f"no rule of the institution's fits ({'; '.join(why_not)}), and {work.layer.basis}"
            work = replace(work, layer=replace(work.layer, basis=basis))
        return work

    def _computed(self) -> _Work:
        """Public domain from the dates alone: the creator's death (life + term), else the age of the work."""
        facts = self.facts
        rules = self.table.public_domain
        year = facts.current_year
        problem = _contradiction(facts)
        if problem:
            return _Work(
                self._dated("unknown", "dates-contradict", f"the dates contradict each other: {problem}")
            )
        pma = rules.pma(facts.country)
        if facts.country is None and facts.country_unreadable:
            # a country that is given but not readable ("Sverige", "Mexico") may be one of a longer term
            pma = max([pma, *rules.pma_by_country.values()])
            where = (
                f"the source country (given, but no ISO code: the longest term known, {pma} years, assumed)"
            )
        else:
            where = (
                facts.country.upper()
                if facts.country
                else f"the source country (assumed {pma} years after death)"
            )
        us_year, us_what = (facts.published, "published") if facts.published else (facts.created, "created")
        if us_year is None and facts.death_year is not None:  # made in the creator's lifetime at the latest
            us_year, us_what = facts.death_year, "created by the creator's death in"
        cutoff = rules.us_cutoff(year)
        us_expired = us_year is not None and us_year < cutoff
        expired = UsStatus("public-domain", f"{us_what} {us_year}, before 1 January {cutoff} (95 years)")
        if facts.death_year is not None:
            death = facts.death_year
            if death + pma >= year:
                basis = f"the creator died {death}: protected in {where} until the end of {death + pma}"
                return _Work(self._dated("unknown", "in-copyright", basis))
            home = f"the creator died {death}: public domain in {where} since 1 January {death + pma + 1}"
            deathyear = (("deathyear", str(death)),)
            if us_expired:
                return _Work(
                    self._dated("public-domain", "pma", home, expired),
                    (Tag(rules.tags.pma_us_expired, named=deathyear),),
                )
            if (
                death + pma < rules.uraa_year
                and us_year is not None
                and us_year < rules.uraa_published_before
                and _foreign(facts.country)  # the URAA restored only works first published abroad
            ):
                us = UsStatus(
                    "public-domain",
                    f"public domain in {where} on its URAA date, 1 January {rules.uraa_year}, and {us_what} "
                    f"{us_year}, before 1 March {rules.uraa_published_before} (PD-1996)",
                )
                return _Work(
                    self._dated("public-domain", "pma", home, us),
                    (Tag(rules.tags.pma_pd_1996, named=deathyear),),
                )
            basis = f"{home}, but not in the US: {self._us_problem(us_year, us_what, cutoff)}"
            if not _foreign(facts.country) and death + pma < rules.uraa_year:
                basis += "; PD-1996 is for works first published outside the US, and " + (
                    "this one is American" if facts.country else "the source country is not known"
                )
            return _Work(
                self._dated("unknown", "us-not-shown", basis, UsStatus("unknown", "no US rule fits"))
            )
        nodeath = "no death year for the creator"
        # a work is at least as old as its publication
        made, made_what = (
            (facts.created, "created") if facts.created is not None else (facts.published, "published")
        )
        if made is None:
            basis = f"{nodeath} and no creation or publication year, so no term can be computed"
            return _Work(self._dated("unknown", "no-dates", basis))
        if pma > rules.assumed_max_pma:
            basis = (
                f"{nodeath}, and {where} protects works {pma} years after death: PD-old-assumed is only for "
                f"countries of {rules.assumed_max_pma} years"
            )
            return _Work(self._dated("unknown", "term-not-covered", basis))
        if not us_expired:
            return _Work(
                self._dated(
                    "unknown", "us-not-shown", f"{nodeath}, and {self._us_problem(us_year, us_what, cutoff)}"
                )
            )
        if facts.named_death is not None and facts.named_death + pma >= year:
            # the name shows a death too recent for the term: no rule may assume it unknown or long past
            basis = (
                f"{nodeath} read, though the creator's name shows one, {facts.named_death}, less than {pma} "
                "years ago: map the creators' death years (rights.facts.death_year), or split the life dates "
                "off the name"
            )
            return _Work(self._dated("unknown", "death-in-name", basis))
        if made < year - rules.unknown_author_years:
            basis = (
                f"{nodeath}, but {made_what} {made}, more than {rules.unknown_author_years} years ago: "
                f"its author cannot have lived {pma} years more"
            )
            return _Work(
                self._dated("public-domain", "unknown-author", basis, expired),
                (Tag(rules.tags.unknown_author),),
            )
        if made < year - rules.assumed_years and not facts.death_year_sought:
            basis = (
                f"{nodeath}, as the crosswalk reads none (rights.facts.death_year), and {made_what} {made}: "
                "PD-old-assumed is for a death date that cannot be found, so map the creators' death years"
            )
            return _Work(self._dated("unknown", "death-year-not-sought", basis))
        if made < year - rules.assumed_years:
            basis = (
                f"{nodeath}, but {made_what} {made}, over {rules.assumed_years} years ago (PD-old-assumed)"
            )
            us = replace(expired, tag=Tag(rules.tags.us_expired).render())
            tags = (Tag(rules.tags.assumed), Tag(rules.tags.us_expired))
            return _Work(self._dated("public-domain", "pd-old-assumed", basis, us), tags)
        limit = year - rules.assumed_years
        basis = f"{nodeath}, and {made_what} {made}: PD-old-assumed needs a work created before {limit}"
        return _Work(self._dated("unknown", "too-young-for-assumed", basis))

    def _us_problem(self, us_year: int | None, us_what: str, cutoff: int) -> str:
        if us_year is None:
            return "no publication or creation year, so the US rule cannot be checked"
        return (
            f"{us_what} {us_year}: in the US only works published before 1 January {cutoff} are "
            "public domain by age"
        )


_LICENSED_US = UsStatus("licensed", "a free licence applies in every country")
_NO_NEW_US = UsStatus(
    "public-domain",
    "a faithful reproduction of a 2D work has no copyright of its own in the US (Bridgeman v. Corel)",
)


def is_country_code(text: str) -> bool:
    """Whether ``text`` is written as a country's two-letter ISO 3166 code (``SE``): "SWE", "Sverige" or
    "Mexico" would be a country the terms table does not know, with the default term, silently."""
    return re.fullmatch(r"[A-Za-z]{2}", text) is not None


def _foreign(country: str | None) -> bool:
    """Whether a work is known to come from outside the US: {{PD-1996}} is for works first published
    outside the US (its /doc), so a US work, or one whose country is not known, never takes it."""
    return country is not None and country.upper() != "US"


def _contradiction(facts: Facts) -> str | None:
    now = facts.current_year
    for what, value in (
        ("death year", facts.death_year),
        ("creation year", facts.created),
        ("publication year", facts.published),
    ):
        if value is not None and value > now:
            return f"{what} {value} is in the future"
    if facts.created is not None and facts.published is not None and facts.published < facts.created:
        return f"published {facts.published} before it was created ({facts.created})"
    if facts.created is not None and facts.death_year is not None and facts.created > facts.death_year:
        return f"created {facts.created} after the creator died ({facts.death_year})"
    return None
