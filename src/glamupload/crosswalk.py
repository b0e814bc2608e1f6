"""Crosswalks: the YAML file that says how one export's records become Commons file pages.

A crosswalk is data a curator can read and diff (reference: docs/crosswalks.md). It is loaded and
checked completely *before* any record is read: unknown keys, transforms, template parameters,
lookup tables and field names that the export does not have are ConfigErrors naming the file,
line and key, with the closest valid name.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from glamupload.caching import MISSING, Memo
from glamupload.errors import ConfigError
from glamupload.licenses import Declaration, LicenseRules, RightsDeclarations
from glamupload.problems import ProblemCode
from glamupload.readers.base import XPATH_PREFIX
from glamupload.readers.paths import ExportShape
from glamupload.resources import mappings_dir
from glamupload.sdc.model import PID
from glamupload.sdc.model import QID as SDC_QID
from glamupload.sdc.model import table as sdc_table
from glamupload.timelimits import PatternLimit
from glamupload.titles import FilenamePattern
from glamupload.transforms import (
    Context,
    FieldCache,
    FieldPattern,
    FieldSource,
    LanguageCode,
    LookupTable,
    Step,
    Values,
    as_values,
    compile_step,
    normalise_key,
    placeholders,
    render,
    run_chain,
)
from glamupload.wikitext import Wikitext, load_template_catalogue, trusted
from glamupload.yamlconfig import (
    CategoryName,
    Loc,
    LocatedYaml,
    did_you_mean,
    load_yaml,
    regex_problem,
    validate,
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, coerce_numbers_to_str=True)


def _str_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Condition(Strict):
    """A test on one field's value(s), or several fields' together; true when any of the values passes.

    ``equals`` and ``in`` compare as lookup tables do (``normalise_key``: case and spacing aside): a
    record's "foto" is the crosswalk's "Foto", as the lookup that gives its licence kind already reads
    it, so the page template and the licence never disagree on what a record is."""

    field: str | list[str]
    equals: str | None = None
    in_: list[str] | None = Field(None, alias="in")
    matches: str | None = None
    present: bool | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [t for t in (self.equals, self.in_, self.matches, self.present) if t is not None]
        if len(tests) != 1:
            raise ValueError("a condition needs exactly one of: equals, in, matches, present")
        if self.matches is not None and (problem := regex_problem(self.matches)) is not None:
            raise ValueError(f"matches: not a regular expression ({problem})")
        return self

    @property
    def fields(self) -> list[str]:
        return [self.field] if isinstance(self.field, str) else self.field

    @cached_property
    def wanted(self) -> frozenset[str]:
        """``equals``/``in`` as ``normalise_key`` folds them (made once: a condition is asked per record)."""
        return frozenset(
            normalise_key(v) for v in ([self.equals] if self.equals is not None else self.in_ or [])
        )

    def holds(self, record: FieldSource) -> bool:
        values = [v.strip() for name in self.fields for v in as_values(record.get(name))]
        if self.present is not None:
            return bool(values) == self.present
        if self.equals is not None or self.in_ is not None:
            return any(normalise_key(v) in self.wanted for v in values)
        with PatternLimit(self.matches or "", f"the condition on {', '.join(self.fields)}", values):
            return any(re.search(self.matches or "", v) for v in values)


class Source(Strict):
    """Where one value comes from: fields, a literal, or the batch config; then a transform chain."""

    field: list[str] = []
    value: str | None = None
    batch: str | None = None
    transforms: list[Any] = []
    separator: str = ", "
    when: Condition | None = None
    #: the source for the records ``when`` does not hold for (a photograph's date, else the object's)
    otherwise: Source | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """A bare string or list of strings names the field(s)."""
        if isinstance(data, (str, list)):
            return {"field": data}
        return data

    _field_list = field_validator("field", mode="before")(_str_list)

    @model_validator(mode="after")
    def _one_origin(self) -> Source:
        if sum(bool(x) for x in (self.field, self.value is not None, self.batch)) != 1:
            raise ValueError("a value source needs exactly one of: field, value, batch")
        if self.otherwise is not None and self.when is None:
            raise ValueError(
                "otherwise needs a when: it is the source for the records the condition excludes"
            )
        return self


class Variant(Strict):
    """A template chosen for the records a condition selects, with its own parameters."""

    when: Condition
    template: str
    params: dict[str, Source] = {}


FACTS = ("death_year", "created", "published", "country", "kind")


class Rights(Strict):
    """What the license engine gets from each record: the image's, the work's and the record's rights,
    attribution, facts, and the declarations that widen what a statement covers (docs/licenses.md)."""

    image: Source | None = None
    work: Source | None = None
    record: Source | None = None
    attribution: Source | None = None
    facts: dict[str, Source] = {}
    record_covers_images: Declaration | None = None
    holds_work_rights: Declaration | None = None

    @field_validator("facts")
    @classmethod
    def _known_facts(cls, facts: dict[str, Source]) -> dict[str, Source]:
        for name in facts:
            if name == "photo_license":
                raise ValueError(
                    "the fact 'photo_license' is gone: the image's rights (rights.image) are the "
                    "photograph's licence, and the work's own statement goes under rights.work"
                )
            if name not in FACTS:
                raise ValueError(f"unknown fact {name!r}; {did_you_mean(name, FACTS)}")
        return facts

    @property
    def declarations(self) -> RightsDeclarations:
        """The declarations written here (a batch file may add its own over them)."""
        return RightsDeclarations(
            record_covers_images=self.record_covers_images, holds_work_rights=self.holds_work_rights
        )


class Images(Strict):
    """Where each record's image(s) come from."""

    path: FieldPattern | None = None
    url: Source | None = None
    iiif: Source | None = None
    each: str | None = None
    suffix: Source | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Images:
        if sum(x is not None for x in (self.path, self.url, self.iiif)) != 1:
            raise ValueError("images need exactly one of: path, url, iiif")
        return self


class Categories(Strict):
    """Fixed categories, per-record ones (usually through lookup tables) and the tracking category.

    ``fixed`` and ``from`` say what a file shows (topical); ``provenance`` where it comes from (an
    institution's "Images from …"), which Commons does not count as categorising it. A file with no topical
    category goes into ``needs_categories``, the batch's visible backlog (docs/crosswalks.md)."""

    fixed: list[str] = []
    from_: list[Source] = Field([], alias="from")
    provenance: list[Source] = []
    tracking: CategoryName | None = None
    needs_categories: CategoryName | None = None


class Filename(Strict):
    """The file-name pattern, its parts, the parts that must never be shortened (identifiers) and the
    parts that say what the file shows (default: every part not protected), which must say more than an
    identifier or a single upper-case word."""

    pattern: str
    parts: dict[str, Source]
    protected: list[str] = []
    descriptive: list[str] | None = None


class LookupSpec(Strict):
    """A lookup table: a CSV/XLSX/YAML file (relative to the crosswalk) or entries written inline.

    A CSV's encoding and delimiter are detected; ``encoding``/``delimiter``/``sheet`` override.
    """

    file: str | None = None
    entries: dict[str, Any] | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> LookupSpec:
        if (self.file is None) == (self.entries is None):
            raise ValueError("a lookup table needs exactly one of: file, entries")
        return self


class StatementSpec(Strict):
    """One statement of the ``structured_data`` section: each value of ``values`` becomes a statement of
    the property, with the ``qualifiers``' values on it (docs/structured-data.md)."""

    values: Source
    qualifiers: dict[str, Source] = {}
    #: For an item property: a value that is not a Q-id becomes "unknown value" qualified by this
    #: (string) property, e.g. P170 creator → P2093 author name string.
    unknown: str | None = None
    #: For a quantity property: the unit's Q-id (e.g. Q174789, millimetre).
    unit: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """A bare source (a field name, a list, or a source mapping) stands for ``values``."""
        if isinstance(data, dict) and data.keys() & {"values", "qualifiers", "unknown", "unit"}:
            return data
        return {"values": data}


class StructuredDataSection(Strict):
    """The crosswalk's ``structured_data``: captions per language, statements per property, and which of
    the derived defaults to leave out (``defaults: {P170: false}``)."""

    captions: dict[LanguageCode, Source] = {}
    statements: dict[str, StatementSpec] = {}
    defaults: dict[str, bool] = {}


class CrosswalkModel(Strict):
    """The crosswalk YAML file, as validated."""

    description: str = ""
    record_id: str
    #: The language of the export's free text (``sv``): free-text values not marked with a language
    #: template are then reported (docs/crosswalks.md "Page conventions").
    language: LanguageCode | None = None
    #: The record's own web page, which the page's ``source`` should link.
    record_url: Source | None = None
    template: str
    params: dict[str, Source] = {}
    variants: list[Variant] = []
    rights: Rights = Rights()
    licenses: LicenseRules = LicenseRules()
    images: Images
    categories: Categories = Categories()
    filename: Filename
    lookups: dict[str, LookupSpec] = {}
    structured_data: StructuredDataSection | None = None


def template_parameters() -> dict[str, frozenset[str]]:
    """Each file-page template's parameter names and aliases (wikitext's catalogue,
    mappings/commons-templates.yaml)."""
    return {
        name: frozenset(spec.parameters) | frozenset(spec.aliases)
        for name, spec in load_template_catalogue().file_page_templates.items()
    }


@dataclass(slots=True)
class _Result:
    """A chain's values and its warnings (message, code), as remembered; with the parameter value
    ``render`` makes of them once it is asked for (`CompiledSource.rendered`)."""

    values: tuple[str, ...]
    warnings: tuple[tuple[str, ProblemCode], ...]
    rendered: Wikitext | None | object = MISSING


@dataclass
class CompiledSource:
    """A Source with its transform chain compiled.

    Its result depends only on the values of the fields it reads (its own, its condition's and those its
    transforms read, as each transform declares) and on the batch value it names, so it is remembered
    by those (``caching.Memo``): a chain runs once per distinct input, and its warnings are repeated.
    """

    spec: Source
    steps: list[Step]
    otherwise: CompiledSource | None = None
    reads: tuple[str, ...] = dataclass_field(init=False)
    _memo: Memo[tuple[Any, ...], _Result] = dataclass_field(init=False, repr=False)
    #: the fields it copies as they are (no step, no condition), else None; read once, as ``reads``:
    #: a source is asked for ~40 values per record
    _copies: tuple[str, ...] | None = dataclass_field(init=False, repr=False)
    #: the batch values it reads (its own and its ``otherwise``'s): part of what it is remembered by
    _batches: tuple[str, ...] = dataclass_field(init=False, repr=False)

    def __post_init__(self) -> None:
        paths = [*self.spec.field, *(self.spec.when.fields if self.spec.when else [])]
        paths += [path for step in self.steps for path in step.reads]
        self.reads = tuple(dict.fromkeys([*paths, *(self.otherwise.reads if self.otherwise else ())]))
        own = [self.spec.batch] if self.spec.batch is not None else []
        self._batches = tuple(dict.fromkeys([*own, *(self.otherwise._batches if self.otherwise else ())]))
        self._memo = Memo()
        plain = not self.steps and self.spec.when is None and self.spec.field
        self._copies = tuple(self.spec.field) if plain else None

    def values(self, record: FieldSource, ctx: Context, batch_values: Mapping[str, Any]) -> Values:
        """The values for one record; warnings land in ``ctx``."""
        if self._copies is not None and isinstance(record, FieldCache):
            return [v for path in self._copies for v in record.key(path)]  # nothing to remember
        result = self._remembered(record, ctx, batch_values)
        return list(result.values) if result is not None else self._values(record, ctx, batch_values)

    def rendered(self, record: FieldSource, ctx: Context, batch_values: Mapping[str, Any]) -> Wikitext | None:
        """The page parameter's value: ``render`` of the values with the source's separator, None when
        there are none. Remembered with the values, so a value the batch repeats is escaped once."""
        result = None if self._copies is not None else self._remembered(record, ctx, batch_values)
        if result is None:
            values = self.values(record, ctx, batch_values)
            return render(values, self.spec.separator) if values else None
        if result.rendered is MISSING:
            result.rendered = render(list(result.values), self.spec.separator) if result.values else None
        return typing.cast(Wikitext | None, result.rendered)

    def _remembered(
        self, record: FieldSource, ctx: Context, batch_values: Mapping[str, Any]
    ) -> _Result | None:
        """The remembered result for this record's inputs (made now if it is not), its warnings repeated
        into ``ctx``; None once the memo has stopped remembering."""
        memo = self._memo
        if not memo.enabled:
            return None
        if isinstance(record, FieldCache):
            key: Any = tuple(map(record.key, self.reads))
        else:
            key = tuple(tuple(as_values(record.get(path))) for path in self.reads)
        for name in self._batches:
            key += (tuple(as_values(batch_values.get(name))),)
        found = memo.find(key)
        if found is MISSING:
            result = self._run(record, ctx, batch_values)
            memo.put(key, result)
        else:
            result = typing.cast(_Result, found)
        for message, code in result.warnings:
            ctx.warn(message, code)
        return result

    def _run(self, record: FieldSource, ctx: Context, batch_values: Mapping[str, Any]) -> _Result:
        own = Context(record, ctx.field, ctx.tables)
        found = self._values(record, own, batch_values)
        return _Result(tuple(found), tuple((p.message, p.code) for p in own.warnings))

    def branch(self, record: FieldSource) -> CompiledSource | None:
        """The source that gives this record's values: this one, or (its condition failing) the
        ``otherwise`` chain's; None when none does."""
        if self.spec.when is None or self.spec.when.holds(record):
            return self
        return self.otherwise.branch(record) if self.otherwise is not None else None

    def _values(self, record: FieldSource, ctx: Context, batch_values: Mapping[str, Any]) -> Values:
        if self.spec.when is not None and not self.spec.when.holds(record):
            return self.otherwise.values(record, ctx, batch_values) if self.otherwise is not None else []
        if self.spec.value is not None:
            values: Values = [trusted(self.spec.value)]
        elif self.spec.batch is not None:
            values = as_values(batch_values.get(self.spec.batch))
        else:
            values = [v for f in self.spec.field for v in as_values(record.get(f))]
        return run_chain(self.steps, values, ctx)


@dataclass
class CompiledStatement:
    """A ``structured_data`` statement with its sources compiled."""

    property: str
    values: CompiledSource
    qualifiers: dict[str, CompiledSource]
    unknown: str | None = None
    unit: str | None = None


@dataclass
class CompiledStructuredData:
    """The ``structured_data`` section, checked against the property table and compiled."""

    captions: dict[str, CompiledSource]
    statements: dict[str, CompiledStatement]
    #: The derived defaults the crosswalk keeps (all of ``sdc.DEFAULTS`` unless turned off).
    defaults: frozenset[str]


@dataclass
class Crosswalk:
    """A loaded, validated crosswalk, ready to map records."""

    path: Path
    model: CrosswalkModel
    params: dict[str, CompiledSource]
    variants: list[tuple[Variant, dict[str, CompiledSource]]]
    rights: dict[str, CompiledSource]
    facts: dict[str, CompiledSource]
    image_source: CompiledSource | None
    image_suffix: CompiledSource | None
    categories: list[CompiledSource]
    filename_parts: dict[str, CompiledSource]
    tables: dict[str, LookupTable] = dataclass_field(default_factory=dict)
    structured_data: CompiledStructuredData | None = None
    #: ``categories.provenance``: where a file comes from (not topical).
    provenance: list[CompiledSource] = dataclass_field(default_factory=list)
    record_url: CompiledSource | None = None
    #: whether any name it reads is an ``xpath:`` (then an XML reader keeps each record's element)
    reads_xpath: bool = False
    #: each variant's parameters merged with the shared ones, once: one dict per variant, the same for
    #: every record (so what is made of a record's parameter set can be made once per set)
    _merged: list[tuple[Variant, dict[str, CompiledSource]]] = dataclass_field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._merged = [(variant, {**self.params, **params}) for variant, params in self.variants]

    @property
    def descriptive_parts(self) -> list[str]:
        """The file-name parts that say what a file shows: as given, else every part not protected."""
        given = self.model.filename.descriptive
        protected = self.model.filename.protected
        return list(given) if given is not None else [p for p in self.filename_parts if p not in protected]

    def choose(self, record: FieldSource) -> tuple[str, dict[str, CompiledSource]]:
        """The template for this record and its parameter sources (shared merged with the variant's)."""
        for variant, params in self._merged:
            if variant.when.holds(record):
                return variant.template, params
        return self.model.template, self.params


def resolve_path(name: str | Path, base: Path | None = None) -> Path:
    """A crosswalk by shipped name (``smm``) or by path (relative to ``base``)."""
    text = str(name)
    if re.fullmatch(r"[\w-]+", text) and not (base or Path.cwd()).joinpath(text).is_file():
        shipped = mappings_dir() / f"{text}.yaml"
        if shipped.is_file():
            return shipped
        available = sorted(p.stem for p in mappings_dir().glob("*.yaml") if _is_crosswalk(p))
        raise ConfigError(f"no shipped crosswalk named {text!r}", hint=did_you_mean(text, available))
    path = Path(text)
    return path if path.is_absolute() or base is None else base / path


def _is_crosswalk(path: Path) -> bool:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return isinstance(data, dict) and "record_id" in data


def load(
    path: Path,
    fields: Sequence[str] | ExportShape,
    *,
    lookup_overrides: Mapping[str, Path] | None = None,
    batch_keys: Sequence[str] | None = None,
) -> Crosswalk:
    """Load and check the crosswalk at ``path`` against the export's shape (``Reader.shape``) or fields.

    ``lookup_overrides`` replaces named lookup tables by a batch's own files (filled-in skeletons);
    ``batch_keys``, when given, are the names ``batch:`` sources may use.
    """
    located = load_yaml(path)
    model: CrosswalkModel = validate(CrosswalkModel, located)
    shape = ExportShape.of(fields)
    return _Checker(located, model, shape, dict(lookup_overrides or {}), batch_keys).compile()


class _Checker:
    """Walks a validated crosswalk, checking names against the export and the template table."""

    def __init__(
        self,
        located: LocatedYaml,
        model: CrosswalkModel,
        shape: ExportShape,
        lookup_overrides: dict[str, Path],
        batch_keys: Sequence[str] | None,
    ) -> None:
        self.batch_keys = batch_keys
        self.located = located
        self.model = model
        self.shape = shape
        self.lookup_overrides = lookup_overrides
        self.each: str | None = None
        self.reads_xpath = False  # set by the checks: every name the crosswalk reads passes one

    def compile(self) -> Crosswalk:
        m = self.model
        tables = self._tables()
        self.tables = tables
        if m.images.each is not None:
            self._check_each(m.images.each)
        self._check_field(m.record_id, ("record_id",))
        params = self._sources(m.params, ("params",))
        variants = []
        for i, variant in enumerate(m.variants):
            self._condition(variant.when, ("variants", i, "when"))
            variants.append((variant, self._sources(variant.params, ("variants", i, "params"))))
        self._check_templates(m, variants)
        rights = {
            k: self._source(s, ("rights", k))
            for k in ("image", "work", "record", "attribution")
            if (s := getattr(m.rights, k))
        }
        facts = self._sources(m.rights.facts, ("rights", "facts"))
        images = m.images
        image_source = None
        if images.path is not None:
            for name in placeholders(images.path):
                self._check_field(name, ("images", "path"))
        else:
            kind = "url" if images.url is not None else "iiif"
            image_source = self._source(getattr(images, kind), ("images", kind))
        suffix = self._source(images.suffix, ("images", "suffix")) if images.suffix else None
        categories = [self._source(s, ("categories", "from", i)) for i, s in enumerate(m.categories.from_)]
        provenance = [
            self._source(s, ("categories", "provenance", i)) for i, s in enumerate(m.categories.provenance)
        ]
        record_url = self._source(m.record_url, ("record_url",)) if m.record_url is not None else None
        parts = self._sources(m.filename.parts, ("filename", "parts"))
        try:
            named = FilenamePattern.parse(m.filename.pattern).fields
        except ConfigError as exc:
            raise self.located.error(exc.message, ("filename", "pattern")) from None
        for name in [n for n in named if n not in parts]:
            raise self.located.error(
                f"file-name pattern uses {{{name}}}, which is not under parts",
                ("filename", "pattern"),
                hint=did_you_mean(name, parts),
            )
        if not named:  # every file would get the same name, or none
            raise self.located.error(
                f"file-name pattern {m.filename.pattern!r} uses no part",
                ("filename", "pattern"),
                hint='name the parts in braces, e.g. "{title} - {id}"',
            )
        for key in ("protected", "descriptive"):
            for i, name in enumerate(getattr(m.filename, key) or []):
                if name not in parts:
                    raise self.located.error(
                        f"{key} part {name!r} is not under parts",
                        ("filename", key, i),
                        hint=did_you_mean(name, parts),
                    )
                if name not in named:  # a protected identifier left out would not make names unique
                    raise self.located.error(
                        f"{key} part {name!r} is not in the file-name pattern {m.filename.pattern!r}",
                        ("filename", key, i),
                        hint=f"add {{{name}}} to the pattern, or take it out of {key}",
                    )
        return Crosswalk(
            self.located.path,
            m,
            params,
            variants,
            rights,
            facts,
            image_source,
            suffix,
            categories,
            parts,
            tables,
            self._structured_data(m.structured_data),
            provenance=provenance,
            record_url=record_url,
            reads_xpath=self.reads_xpath,
        )

    def _structured_data(self, section: StructuredDataSection | None) -> CompiledStructuredData | None:
        """Check every property, qualifier, unit and default against mappings/structured-data.yaml."""
        if section is None:
            return None
        known = sdc_table().properties
        loc: Loc = ("structured_data",)

        def check_property(prop: str, where: Loc) -> None:
            if prop not in known:
                raise self.located.error(
                    f"unknown property {prop!r}: mappings/structured-data.yaml does not list it",
                    where,
                    hint=did_you_mean(prop, known) if PID.fullmatch(prop) else "properties are written P180",
                )

        for name in section.defaults:
            if name not in SDC_DEFAULTS:
                raise self.located.error(
                    f"no default for {name!r}",
                    loc + ("defaults", name),
                    hint=did_you_mean(name, SDC_DEFAULTS),
                )
        statements = {}
        for prop, spec in section.statements.items():
            where = loc + ("statements", prop)
            check_property(prop, where)
            datatype = known[prop].datatype
            for qualifier in spec.qualifiers:
                check_property(qualifier, where + ("qualifiers", qualifier))
            if spec.unknown is not None:
                check_property(spec.unknown, where + ("unknown",))
                if datatype != "wikibase-item" or known[spec.unknown].datatype != "string":
                    raise self.located.error(
                        f"unknown: needs an item property and a string qualifier (as P170 with P2093); "
                        f"{prop} is {datatype}, {spec.unknown} {known[spec.unknown].datatype}",
                        where + ("unknown",),
                    )
            if (spec.unit is not None) != (datatype == "quantity"):
                raise self.located.error(
                    f"{prop} is {datatype}: "
                    + ("it needs a unit (a Q-id)" if spec.unit is None else "no unit"),
                    where,
                )
            if spec.unit is not None and not SDC_QID.fullmatch(spec.unit):
                raise self.located.error(f"unit {spec.unit!r} is not a Q-id", where + ("unit",))
            raw = self._raw(where)
            values_loc = where + ("values",) if isinstance(raw, dict) and "values" in raw else where
            statements[prop] = CompiledStatement(
                prop,
                self._source(spec.values, values_loc),
                self._sources(spec.qualifiers, where + ("qualifiers",)),
                spec.unknown,
                spec.unit,
            )
        captions = self._sources(section.captions, loc + ("captions",))
        defaults = frozenset(d for d in SDC_DEFAULTS if section.defaults.get(d, True))
        return CompiledStructuredData(captions, statements, defaults)

    def _tables(self) -> dict[str, LookupTable]:
        tables = {}
        for name, spec in self.model.lookups.items():
            if name in self.lookup_overrides:
                tables[name] = LookupTable.from_file(name, self.lookup_overrides[name])
            elif spec.file is not None:
                tables[name] = LookupTable.from_file(
                    name,
                    self.located.path.parent / spec.file,
                    encoding=spec.encoding,
                    delimiter=spec.delimiter,
                    sheet=spec.sheet,
                )
            else:
                tables[name] = LookupTable.from_entries(name, str(self.located.path), spec.entries)
        return tables

    def _check_templates(
        self, m: CrosswalkModel, variants: list[tuple[Variant, dict[str, CompiledSource]]]
    ) -> None:
        known = template_parameters()
        checks: list[tuple[str, Loc, dict[str, Loc]]] = [
            (m.template, ("template",), {p: ("params", p) for p in m.params})
        ]
        for i, (variant, _) in enumerate(variants):
            locs: dict[str, Loc] = {p: ("params", p) for p in m.params if p not in variant.params}
            locs.update({p: ("variants", i, "params", p) for p in variant.params})
            template_loc: Loc = ("variants", i, "template")
            checks.append((variant.template, template_loc, locs))
        for template, loc, param_locs in checks:
            if template not in known:
                raise self.located.error(
                    f"unknown file-page template {template!r}", loc, hint=did_you_mean(template, known)
                )
            for param, ploc in param_locs.items():
                if param not in known[template]:
                    raise self.located.error(
                        f"template {template!r} has no parameter {param!r}",
                        ploc,
                        hint=did_you_mean(param, known[template]),
                    )

    def _sources(self, sources: Mapping[str, Source], loc: Loc) -> dict[str, CompiledSource]:
        return {name: self._source(s, loc + (name,)) for name, s in sources.items()}

    def _source(self, source: Source, loc: Loc) -> CompiledSource:
        for i, name in enumerate(source.field):
            self._check_field(name, loc + ("field", i))
        if source.when is not None:
            self._condition(source.when, loc + ("when",))
        if source.batch is not None and self.batch_keys is not None and source.batch not in self.batch_keys:
            raise self.located.error(
                f"the batch file has no value {source.batch!r}",
                loc + ("batch",),
                hint=did_you_mean(source.batch, self.batch_keys),
            )
        raw_steps = self._raw(loc + ("transforms",)) or []
        steps = []
        for i, raw in enumerate(raw_steps):
            step_loc = loc + ("transforms", i)
            step = compile_step(raw, self.located, step_loc)
            args: Any = step.args  # the transform's own argument model
            name = step.spec.name
            if name == "lookup" and args.table not in self.tables:
                table = args.table
                raise self.located.error(
                    f"no lookup table named {table!r} (declare it under lookups:)",
                    step_loc,
                    hint=did_you_mean(table, self.tables),
                )
            for field_name in step.reads:  # what each transform reads besides its values, as it declares
                self._check_field(field_name, step_loc)
            steps.append(step)
        otherwise = self._source(source.otherwise, loc + ("otherwise",)) if source.otherwise else None
        return CompiledSource(source, steps, otherwise)

    def _raw(self, loc: Loc) -> Any:
        data: Any = self.located.data
        for part in loc:
            if isinstance(data, dict) and part in data:
                data = data[part]
            elif isinstance(data, list) and isinstance(part, int) and part < len(data):
                data = data[part]
            else:
                return None
        return data

    def _condition(self, condition: Condition, loc: Loc) -> None:
        for i, name in enumerate(condition.fields):
            self._check_field(name, loc + (("field",) if isinstance(condition.field, str) else ("field", i)))

    def _check_each(self, each: str) -> None:
        """``images.each`` must name a list of objects (or one object): each element is one image."""
        loc = ("images", "each")
        self.reads_xpath |= each.startswith(XPATH_PREFIX)
        if self.shape.holds_objects(each) or each.startswith(XPATH_PREFIX):
            self.each = each
            return
        if self.shape.has_value(each):
            raise self.located.error(
                f"{each!r} holds text, not objects: each needs a list of objects",
                loc,
                hint=f"leave out each and name {each!r} under url/iiif: each of its values becomes a file",
            )
        lists = sorted(p for p in self.shape.objects if p.endswith("[]"))
        raise self.located.error(
            f"{each!r} is not a list of objects in the export",
            loc,
            hint=did_you_mean(each, [p[:-2] for p in lists])
            if lists
            else "the export has no lists of objects",
        )

    def _check_field(self, name: str, loc: Loc) -> None:
        """The export (this export's shape) can give values at ``name``; else a ConfigError with a hint."""
        self.reads_xpath |= name.startswith(XPATH_PREFIX)
        if self.each is not None and name.startswith(IMAGE_PREFIX):
            key = name[len(IMAGE_PREFIX) :]
            if key == "index" or self.shape.has_value(f"{self.each}[].{key}"):
                return
            keys = [IMAGE_PREFIX + k for k in [*self.shape.keys_below(self.each), "index"]]
            raise self.located.error(
                f"field {name!r}: the elements of {self.each!r} have no {key!r}",
                loc,
                hint=did_you_mean(name, keys),
            )
        problem = self.shape.problem(name)
        if problem is not None:
            raise self.located.error(problem.message, loc, hint=problem.hint)


#: The statements glamupload derives from the rest of the crosswalk unless ``defaults`` turns them off.
SDC_DEFAULTS = ("P6216", "P275", "P195", "P7482", "P571", "P170", "P180", "P1259")

IMAGE_PREFIX = "image."
"""``image.<key>`` reads a key of the element ``images.each`` walks over (any key of the element)."""
