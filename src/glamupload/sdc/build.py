"""Plan one file's structured data from its record: the crosswalk's ``structured_data`` section plus the
defaults derived from what the crosswalk already says (docs/structured-data.md), checked as it is built.

Every value is checked against its property's datatype (mappings/structured-data.yaml); a value that does
not fit is left out with a warning, so the planned payload is always one Commons accepts. Captions must be
plain text of at most 250 characters. Statements that contradict the page — a licence or copyright status
other than the verdict's, an inception outside the page's date — are reported: the licence ones as errors
(machine-readable licence data must never disagree with the licence tag), the date as a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from glamupload.caching import ByIdentity
from glamupload.crosswalk import CompiledSource, CompiledStatement, Crosswalk
from glamupload.licenses import Verdict
from glamupload.problems import Problem, ProblemCode
from glamupload.sdc.model import (
    CENTURY,
    DAY,
    DECADE,
    MONTH,
    QID,
    YEAR,
    Caption,
    CoordinateValue,
    DataValue,
    ItemValue,
    QuantityValue,
    Snak,
    Statement,
    StringValue,
    StructuredData,
    TimeValue,
    parse_amount,
    table,
)
from glamupload.transforms import Context, FieldSource, ParsedDate, Step, as_values, is_undated, parse_date
from glamupload.wikitext import Wikitext

#: Transforms that turn values into page markup (or merge them): a derived default stops before them.
PRESENTATION = frozenset({"join", "lang", "format", "page", "date", "year", "size", "default"})
#: Which page parameter each derived default reads, first found wins.
CREATOR_PARAMS = ("artist", "photographer", "author")
DEPICTED_PARAMS = ("depicted people", "depicted place")
#: Markup a caption must not contain (it would show as typed): templates, links, tags, bold/italics.
MARKUP = re.compile(r"\{\{|\}\}|\[\[|\]\]|<[a-zA-Z/!][^>]*>|''|^[*#:;=]|\n[*#:;=]|__[A-Z]+__")
ENTITY = re.compile(r"&#?\w+;")
ISO = re.compile(r"(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def derived(source: CompiledSource, stop: frozenset[str] = PRESENTATION) -> CompiledSource:
    """A page parameter's source as a default statement reads it: its chain up to the first transform
    in ``stop``, every lookup reading the table's ``wikidata`` column (values without one kept)."""
    steps: list[Step] = []
    for step in source.steps:
        if step.spec.name in stop:
            break
        if step.spec.name == "lookup":
            update = {"column": "wikidata", "unmatched": "keep", "warn": False}
            step = Step(step.spec, step.args.model_copy(update=update))
        steps.append(step)
    return CompiledSource(source.spec, steps)


@dataclass
class _Derived:
    """The default statements' sources for one set of page parameters (a template or variant's)."""

    creator: CompiledSource | None
    depicted: list[CompiledSource]
    date: CompiledSource | None
    source: CompiledSource | None
    coordinates: CompiledSource | None
    inventory: list[str]  # fields


def _first(params: Mapping[str, CompiledSource], names: tuple[str, ...]) -> CompiledSource | None:
    return next((params[n] for n in names if n in params), None)


def _derive(params: Mapping[str, CompiledSource]) -> _Derived:
    accession = params.get("accession number")
    return _Derived(
        creator=(lambda s: derived(s) if s else None)(_first(params, CREATOR_PARAMS)),
        depicted=[derived(params[n]) for n in DEPICTED_PARAMS if n in params],
        date=derived(params["date"], frozenset({"date", "year"})) if "date" in params else None,
        source=derived(params["source"]) if "source" in params else None,
        coordinates=derived(params["camera coord"]) if "camera coord" in params else None,
        inventory=list(accession.spec.field) if accession is not None else [],
    )


@dataclass
class Planner:
    """Plans structured data for the records of one crosswalk (derived sources are made once per
    parameter set)."""

    crosswalk: Crosswalk
    batch_values: Mapping[str, Any]
    #: Made once per parameter set (``Crosswalk.choose`` gives each variant's one dict).
    _derived: ByIdentity[Mapping[str, CompiledSource], _Derived] = field(default_factory=ByIdentity)

    def plan(
        self,
        view: FieldSource,
        ctx: Context,
        params: Mapping[str, CompiledSource],
        verdict: Verdict,
    ) -> tuple[StructuredData | None, list[Problem]]:
        """The file's structured data (None when the crosswalk has no section) and its errors; warnings
        go to ``ctx``."""
        section = self.crosswalk.structured_data
        if section is None:
            return None, []
        derived_sources = self._derived.get(params, _derive)
        record = _Record(view, ctx, self.batch_values)
        captions = tuple(c for lang, src in section.captions.items() if (c := record.caption(lang, src)))
        statements: list[Statement] = []
        defaults = _defaults(record, derived_sources, verdict, section.defaults)
        for prop in dict.fromkeys([*defaults, *section.statements]):
            if prop in section.statements:
                statements.extend(record.statements(section.statements[prop]))
            else:
                statements.extend(defaults[prop]())
        errors = _contradictions(statements, verdict)
        page_date = record.dates(derived_sources.date, "P571") if derived_sources.date else []
        _check_date(statements, page_date, ctx)
        data = StructuredData(captions, tuple(statements))
        return (data if data.captions or data.statements else None), errors


# --------------------------------------------------------------------------------------------------
# one record


@dataclass
class _Record:
    """One record's values, parsed into snaks by datatype; what does not fit is a warning on ``ctx``."""

    view: FieldSource
    ctx: Context
    batch_values: Mapping[str, Any]

    def values(self, source: CompiledSource, where: str) -> list[str]:
        self.ctx.field = f"structured_data.{where}"
        out = []
        for value in source.values(self.view, self.ctx, self.batch_values):
            text = str(value).strip()
            if isinstance(value, Wikitext) and (MARKUP.search(text) or ENTITY.search(text)):
                self.warn(
                    f"{text[:80]!r} is page markup (a lookup's wikitext, lang, format…): structured data "
                    "takes plain values",
                    ProblemCode.SDC_VALUE,
                )
                continue
            if text:
                out.append(text)
        return out

    def warn(self, message: str, code: ProblemCode) -> None:
        self.ctx.warn(message, code)

    def caption(self, language: str, source: CompiledSource) -> Caption | None:
        limit = table().caption_max_length
        values = self.values(source, f"captions.{language}")
        text = " ".join(values)
        if not text:
            return None
        if MARKUP.search(text):
            self.warn(
                f"caption {text[:60]!r}… holds markup; captions are plain text: left out",
                ProblemCode.SDC_CAPTION,
            )
            return None
        if len(text) > limit:
            self.warn(
                f"caption of {len(text)} characters; Commons takes at most {limit}: left out "
                "(shorten it in the crosswalk, never cut it here)",
                ProblemCode.SDC_CAPTION,
            )
            return None
        return Caption(language, text)

    def statements(self, spec: CompiledStatement) -> list[Statement]:
        qualifiers = [
            snak
            for prop, source in spec.qualifiers.items()
            for text in self.values(source, f"statements.{spec.property}.qualifiers.{prop}")
            if (snak := self.snak(prop, text, qualifier=True)) is not None
        ]
        out = []
        for text in self.values(spec.values, f"statements.{spec.property}"):
            if spec.unknown is not None and not QID.fullmatch(text):
                name = self.snak(spec.unknown, text, qualifier=True)
                if name is not None:
                    out.append(Statement(Snak(spec.property, None), (name, *qualifiers)))
                continue
            if table().datatype(spec.property) == "time":
                out.extend(self.date_statements(spec.property, text, qualifiers))
                continue
            snak = self.snak(spec.property, text, unit=spec.unit)
            if snak is not None:
                out.append(Statement(snak, tuple(qualifiers)))
        return out

    def date_statements(self, prop: str, text: str, qualifiers: list[Snak]) -> list[Statement]:
        dated = self.date(text)
        if dated is None:
            return []
        value, extra = dated
        return [Statement(Snak(prop, value), (*extra, *qualifiers))]

    def dates(self, source: CompiledSource, where: str) -> list[TimeValue | None]:
        """The page's own date values, as P571 would take them (for the contradiction check)."""
        saved = list(self.ctx.warnings)
        found = [d[0] for text in self.values(source, where) if (d := self.date(text, quiet=True))]
        self.ctx.warnings[:] = saved
        return found

    def date(self, text: str, quiet: bool = False) -> tuple[TimeValue | None, tuple[Snak, ...]] | None:
        if is_undated(text):
            return None
        parsed = parse_date(text)
        if parsed is None:
            if not quiet:
                self.warn(f"date {text!r} not understood: no statement", ProblemCode.SDC_VALUE)
            return None
        return time_statement(parsed)

    def snak(self, prop: str, text: str, *, qualifier: bool = False, unit: str | None = None) -> Snak | None:
        parsed = parse_value(table().datatype(prop), text, unit)
        if isinstance(parsed, str):
            self.warn(f"{prop} {text!r}: {parsed}", ProblemCode.SDC_VALUE)
            return None
        return Snak(prop, parsed)


def parse_value(datatype: str, text: str, unit: str | None = None) -> DataValue | str:
    """A value of the datatype from text, or the reason it is not one."""
    if datatype == "wikibase-item":
        return ItemValue(text) if QID.fullmatch(text) else "not a Wikidata item id (Q…)"
    if datatype in ("string", "external-id"):
        limit = table().string_max_length
        return StringValue(text) if len(text) <= limit else f"longer than {limit} characters"
    if datatype == "url":
        return StringValue(text) if re.fullmatch(r"https?://\S+", text) else "not an http(s) URL"
    if datatype == "quantity":
        amount = parse_amount(text)
        return QuantityValue(amount, unit) if amount else "not a number"
    if datatype == "globe-coordinate":
        return parse_coordinates(text) or "not decimal coordinates (latitude, longitude)"
    if datatype == "time":
        parsed = parse_date(text)
        dated = time_statement(parsed) if parsed else None
        if dated is None or dated[0] is None:
            return "not a date with one value"
        return dated[0]
    return f"datatype {datatype} is not written by glamupload"


MAX_COORDINATE_DECIMALS = 9


def parse_coordinates(text: str) -> CoordinateValue | None:
    """``59.3275, 18.0916`` (or with ``;``/space) → a coordinate, its precision from the decimals given."""
    m = re.fullmatch(r"\s*([+-]?\d{1,2}(?:\.(\d+))?)\s*[,; ]\s*([+-]?\d{1,3}(?:\.(\d+))?)\s*", text)
    if not m:
        return None
    latitude, longitude = float(m.group(1)), float(m.group(3))
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    # at most nine decimals (a tenth of a millimetre): 10.0**-324 is 0.0, which Wikibase refuses and the
    # comparison of places divides by
    decimals = min(max(len(m.group(2) or ""), len(m.group(4) or "")), MAX_COORDINATE_DECIMALS)
    return CoordinateValue(latitude, longitude, 10.0**-decimals)


# --------------------------------------------------------------------------------------------------
# dates (Commons:Structured data/Modeling/Date; Wikidata Help:Dates)


def _iso(text: str) -> TimeValue | None:
    m = ISO.fullmatch(text)
    if not m:
        return None
    year, month, day = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    return TimeValue.of(year, month, day, DAY if day else MONTH if month else YEAR)


def _period(earliest: int, latest: int) -> TimeValue | None:
    """The narrowest year, decade or century that holds both years; None when none does."""
    if earliest == latest:
        return TimeValue.of(earliest)
    if earliest // 10 == latest // 10:
        return TimeValue.of(earliest // 10 * 10, precision=DECADE)
    if (earliest - 1) // 100 == (latest - 1) // 100:
        return TimeValue.of((earliest - 1) // 100 * 100 + 1, precision=CENTURY)
    return None


def time_statement(parsed: ParsedDate) -> tuple[TimeValue | None, tuple[Snak, ...]]:
    """A date as Commons models it: the value (None: "unknown value") and its qualifiers.

    A plain date keeps its precision (day, month, year); a decade or century is a value of that
    precision (a century written as its first year, +1801 for the 19th, which every reading of Wikibase's
    century precision shows right: phabricator T73459); circa adds P1480 sourcing circumstances = circa;
    a range, ``before`` or ``after`` adds P1319 earliest / P1326 latest date, with the narrowest period that
    holds the range as the value, or "unknown value" when none does (Help:Dates).
    """
    circa_item = ItemValue(table().items.circa)
    named = dict(parsed.complex)
    precision = named.get("precision1")
    circa = parsed.kind == "circa" or named.get("adj1") == "circa"
    extra: list[Snak] = []
    value: TimeValue | None
    if not named and parsed.kind in (None, "circa"):
        value = _iso(parsed.first)
    elif parsed.kind == "decade" or (precision == "decade" and circa):
        value = TimeValue.of(int(parsed.first), precision=DECADE)
    elif parsed.kind == "century" or (precision == "century" and circa):
        value = TimeValue.of((int(parsed.first) - 1) * 100 + 1, precision=CENTURY)
    else:  # a range, before, after, or a part of a decade or century
        ranged = parsed.second is not None
        earliest = _iso(parsed.first) if ranged else None
        latest = _iso(str(parsed.second)) if ranged else None
        if earliest is None and parsed.earliest is not None:
            earliest = TimeValue.of(parsed.earliest)
        if latest is None and parsed.latest is not None:
            latest = TimeValue.of(parsed.latest)
        extra += [Snak("P1319", earliest)] if earliest else []
        extra += [Snak("P1326", latest)] if latest else []
        if precision == "century":
            value = TimeValue.of((int(parsed.first) - 1) * 100 + 1, precision=CENTURY)
        elif precision == "decade":
            value = TimeValue.of(int(parsed.first), precision=DECADE)
        elif parsed.earliest is not None and parsed.latest is not None:
            value = _period(parsed.earliest, parsed.latest)
        else:
            value = None
    if circa:
        extra.append(Snak("P1480", circa_item))
    return value, tuple(extra)


# --------------------------------------------------------------------------------------------------
# the defaults


def _defaults(
    record: _Record, derived_sources: _Derived, verdict: Verdict, enabled: frozenset[str]
) -> dict[str, Callable[[], list[Statement]]]:
    """Each enabled default's statements, made only when the crosswalk does not give the property itself."""
    items = table().items
    collection = record.batch_values.get("institution.wikidata")

    def copyright_status() -> list[Statement]:
        # the verdict's own items: the licence table's p6216/p275 for the layer that carries the licence
        # (the reproduction's, else the work's), public domain when neither layer adds rights
        return (
            [Statement(Snak("P6216", ItemValue(verdict.p6216)))] if verdict.accepted and verdict.p6216 else []
        )

    def licence() -> list[Statement]:
        return [Statement(Snak("P275", ItemValue(verdict.p275)))] if verdict.accepted and verdict.p275 else []

    def collection_statement() -> list[Statement]:
        if not collection:
            return []
        numbers = [
            Snak("P217", StringValue(v.strip()))
            for name in derived_sources.inventory
            for v in as_values(record.view.get(name))
            if v.strip()
        ]
        return [Statement(Snak("P195", ItemValue(str(collection))), tuple(numbers))]

    def source_of_file() -> list[Statement]:
        if derived_sources.source is None:
            return []
        urls = [u for u in record.values(derived_sources.source, "P7482") if re.fullmatch(r"https?://\S+", u)]
        if not urls:
            return []
        qualifiers = [Snak("P973", StringValue(u)) for u in urls]
        if collection:
            qualifiers.append(Snak("P137", ItemValue(str(collection))))
        return [Statement(Snak("P7482", ItemValue(items.file_available_on_the_internet)), tuple(qualifiers))]

    def inception() -> list[Statement]:
        if derived_sources.date is None:
            return []
        texts = record.values(derived_sources.date, "P571")
        return [s for text in texts for s in record.date_statements("P571", text, [])]

    def creator() -> list[Statement]:
        if derived_sources.creator is None:
            return []
        out = []
        for text in record.values(derived_sources.creator, "P170"):
            if QID.fullmatch(text):
                out.append(Statement(Snak("P170", ItemValue(text))))
            elif (name := record.snak("P2093", text, qualifier=True)) is not None:
                out.append(Statement(Snak("P170", None), (name,)))
        return out

    def depicts() -> list[Statement]:
        found = [v for s in derived_sources.depicted for v in record.values(s, "P180") if QID.fullmatch(v)]
        return [Statement(Snak("P180", ItemValue(q))) for q in dict.fromkeys(found)]

    def coordinates() -> list[Statement]:
        if derived_sources.coordinates is None:
            return []
        texts = record.values(derived_sources.coordinates, "P1259")
        return [Statement(s) for t in texts if (s := record.snak("P1259", t)) is not None]

    makers: dict[str, Callable[[], list[Statement]]] = {
        "P6216": copyright_status,
        "P275": licence,
        "P195": collection_statement,
        "P7482": source_of_file,
        "P571": inception,
        "P170": creator,
        "P180": depicts,
        "P1259": coordinates,
    }
    return {prop: make for prop, make in makers.items() if prop in enabled}


# --------------------------------------------------------------------------------------------------
# checks against the page


def _contradictions(statements: list[Statement], verdict: Verdict) -> list[Problem]:
    """P275 / P6216 values other than the licence verdict's (the page's licence tag) are errors."""
    problems = []
    expected = {"P275": verdict.p275, "P6216": verdict.p6216} if verdict.accepted else {}
    for prop, item in expected.items():
        given = {str(s.mainsnak.value) for s in statements if s.property == prop and s.mainsnak.value}
        if given and given != {item}:
            want = (
                f"the page's licence ({verdict.license_id}) gives {item}" if item else "the page gives none"
            )
            problems.append(
                Problem(
                    f"structured_data.statements.{prop}",
                    f"{table().label(prop)} {', '.join(sorted(given))} contradicts the page: {want}",
                    ProblemCode.SDC_CONTRADICTS,
                )
            )
    return problems


def _check_date(statements: list[Statement], page: list[TimeValue | None], ctx: Context) -> None:
    """A P571 value outside every year the page's own date can mean is reported."""
    spans = [d.span() for d in page if d is not None]
    if not spans:
        return
    for statement in statements:
        value = statement.mainsnak.value
        if statement.property != "P571" or not isinstance(value, TimeValue):
            continue
        low, high = value.span()
        if not any(low <= b and a <= high for a, b in spans):
            ctx.field = "structured_data.statements.P571"
            ctx.warn(
                f"inception {value} contradicts the page's date ({', '.join(str(d) for d in page if d)})",
                ProblemCode.SDC_CONTRADICTS,
            )
