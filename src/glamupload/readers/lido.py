"""LIDO 1.0/1.1 XML: every ``lido:lido`` element is one record, wherever it sits.

That covers a bare ``lido:lido`` file, a ``lido:lidoWrap`` and OAI-PMH responses (ListRecords/GetRecord,
``metadata/lido:lido``); deleted OAI records carry no metadata and so yield nothing. Each record gets the
fixed field names of the module contract (docs/decisions/0001); anything else is one ``xpath:`` away.

Rights are kept apart on purpose: ``imageRights`` (``resourceSet/rightsResource``, the photograph's licence)
is what decides an upload; ``recordRights`` covers only the metadata and ``workRights`` the object itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from lxml import etree

from glamupload.readers.base import (
    DUBLIN_CORE_TAG,
    LIDO_TAG,
    NAMESPACES,
    Reader,
    Record,
    one_or_many,
    refuse_other_format,
)
from glamupload.readers.paths import ExportShape
from glamupload.readers.xmlsafe import (
    OwnDocument,
    iter_elements,
    select_elements,
    text_of,
)
from glamupload.resources import mappings_dir

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_LIDO_TYPE = f"{{{NAMESPACES['lido']}}}type"
_YEAR = re.compile(r"(-?\d{1,4})(?:-\d\d(?:-\d\d)?)?")

FIELDS = [
    "lidoRecID", "objectPublishedID", "recordID", "recordLink", "recordSource", "title", "objectWorkType",
    "classification", "description", "inscription", "repositoryName", "workID", "creator", "creatorRole",
    "creatorBirth", "creatorDeath", "date.display", "date.earliest", "date.latest", "place", "materialsTech",
    "measurements", "subject", "creditLine", "workRights", "recordRights", "imageRights", "images",
    "imageRightsHolder", "language", "creator.artist", "creator.author", "creator.issuer", "creator.printer",
    "creator.publisher", "creator.photographer", "creator.patron", "creator.other",
]  # fmt: skip
"""Fixed fields; ``title@<lang>`` and ``measurement.<type>`` are added per record as found."""

IMAGE_KEYS = ["url", "type", "rights", "rights_label", "rights_holder", "credit_line", "description"]
"""The keys of each ``images`` element (``images[].url``; ``image.url`` under ``images.each``)."""

# XPath fragments for LIDO's two ways of naming a concept: conceptID/term (1.0, 1.1) or skos:Concept (1.1).
_CONCEPT_URIS = "lido:conceptID | skos:Concept/@rdf:about"
_CONCEPT_LABELS = "lido:term[not(@lido:addedSearchTerm='yes')] | skos:Concept/skos:prefLabel"


@cache
def _choices() -> dict[str, Any]:
    """The reader's preference tables (mappings/lido-reader.yaml)."""
    with (mappings_dir() / "lido-reader.yaml").open(encoding="utf-8") as fh:
        table = yaml.safe_load(fh)
    return {
        "creation_events": {_key(value) for value in table["creation_events"]},
        "preferred": {_key(value) for value in table["preferred"]},
        "representation_rank": {_key(k): int(v) for k, v in table["representation_rank"].items()},
        "inventory_number": {_key(value) for value in table["inventory_number"]},
        "actor_roles": {_key(role): group for group, roles in table["actor_roles"].items() for role in roles},
    }


def _key(value: str) -> str:
    """Comparable form of a term or URI."""
    return value.strip().rstrip("/").casefold()


@cache
def _xpath(expression: str) -> etree.XPath:
    """Compiled once: a record runs the same few dozen expressions, and compiling dominates otherwise."""
    return etree.XPath(expression, namespaces=NAMESPACES)


def _texts(element: etree._Element | None, expression: str) -> list[str]:
    """Non-empty, stripped text of every node the expression selects (elements: all their text)."""
    if element is None:
        return []
    return [text for node in _xpath(expression)(element) if (text := text_of(node))]


def _first(element: etree._Element | None, expression: str) -> str | None:
    values = _texts(element, expression)
    return values[0] if values else None


def _all(element: etree._Element | None, expression: str) -> list[Any]:
    """The nodes the expression selects below ``element`` (none when ``element`` is absent)."""
    return _xpath(expression)(element) if element is not None else []


def _one(element: etree._Element | None, expression: str) -> etree._Element | None:
    found = _all(element, expression)
    return found[0] if found else None


def _is_preferred(element: etree._Element) -> bool:
    pref = element.get(f"{{{NAMESPACES['lido']}}}pref")
    return pref is not None and _key(pref) in _choices()["preferred"]


def _preferred_name(element: etree._Element | None) -> str | None:
    """The preferred ``appellationValue`` below ``element`` (else the first one)."""
    if element is None:
        return None
    for value in sorted(_all(element, "lido:appellationValue"), key=lambda v: not _is_preferred(v)):
        text = text_of(value)
        if text:
            return text
    return None


def concept_label(element: etree._Element | None) -> str | None:
    """A concept's label: its preferred term or skos:prefLabel, else plain text content (LIDO 1.0 style)."""
    if element is None:
        return None
    for term in sorted(_all(element, _CONCEPT_LABELS), key=lambda t: not _is_preferred(t)):
        text = text_of(term)
        if text:
            return text
    return text_of("".join(_all(element, "text()"))) or None


def _english_label(elements: list[etree._Element]) -> str | None:
    """Measurement types/units repeat per language; prefer the English label, else the first."""
    labels: list[tuple[bool, str]] = []
    for element in elements:
        for node in _all(element, "skos:Concept/skos:prefLabel") or [element]:
            text = text_of("".join(_all(node, "text()")))
            if text:
                labels.append((node.get(_XML_LANG, "") != "en", text))
    return next((text for other, text in labels if not other), labels[0][1]) if labels else None


def _is_creation(event: etree._Element) -> bool:
    keys = {_key(v) for v in _texts(_one(event, "lido:eventType"), f"{_CONCEPT_URIS} | {_CONCEPT_LABELS}")}
    return not keys.isdisjoint(_choices()["creation_events"])


def _rights(sets: Iterable[etree._Element]) -> tuple[str | list[str] | None, str | None]:
    """``(statements, label)`` of the rights: every concept URI (a licence URI), and the term of each
    rights type that has none; the label is the first licence URI's term, else the first term.

    Exports list several rights per resource (copyright holder, exploitation right, licence). All of
    them go to the licence engine, which judges them together: only the first URI, as before, let a CC BY
    URI stand beside "Nur für nicht-kommerzielle Nutzung", "Alle Rechte vorbehalten" or an InC URI
    (and the verdict hung on the elements' order). A term it does not know beside a licence changes
    nothing ("Urheberrecht").
    """
    statements: list[str] = []
    first_label: str | None = None
    licence_label: str | None = None
    for rights_set in sets:
        for rights_type in _all(rights_set, "lido:rightsType"):
            uri = _first(rights_type, _CONCEPT_URIS)
            label = concept_label(rights_type)
            if uri or label:
                statements.append(uri or label or "")
            first_label = first_label or label
            licence_label = licence_label or (label if uri else None)
    unique = list(dict.fromkeys(statements))
    return (unique[0] if len(unique) == 1 else unique or None), licence_label or first_label


def _pixels(representation: etree._Element) -> int:
    sizes = {
        (_english_label(_all(m, "lido:measurementType")) or "").casefold(): _first(m, "lido:measurementValue")
        for m in _all(representation, "lido:resourceMeasurementsSet")
    }
    try:
        area = float(sizes.get("width") or 0) * float(sizes.get("height") or 1)
    except ValueError:
        return 0
    return int(area) if math.isfinite(area) else 0  # "1e999" is a float (infinity), but no size


def _image_url(resource_set: etree._Element) -> str | None:
    """The best ``linkResource``: master/provided representation over thumbnails, then the largest (the
    first of equals). Sizes are read only to choose between representations of the same rank: most sets
    hold one of each kind, and reading sizes was an eighth of the reader's work per record."""
    ranks = _choices()["representation_rank"]
    linked = [
        (ranks.get(_key(representation.get(_LIDO_TYPE, "")), 1), representation, url)
        for representation in _all(resource_set, "lido:resourceRepresentation")
        if (url := _first(representation, "lido:linkResource"))
    ]
    if not linked:
        return None
    top = max(rank for rank, _, _ in linked)
    tied = [(representation, url) for rank, representation, url in linked if rank == top]
    if len(tied) == 1:
        return tied[0][1]
    return max(tied, key=lambda item: _pixels(item[0]))[1]  # max keeps the first of equals


def _images(admin: etree._Element | None) -> list[dict[str, str | list[str]]]:
    images = []
    for resource_set in _all(admin, "lido:resourceWrap/lido:resourceSet"):
        url = _image_url(resource_set)
        if not url:
            continue
        rights, rights_label = _rights(_all(resource_set, "lido:rightsResource"))
        image = {
            "url": url,
            "type": concept_label(_one(resource_set, "lido:resourceType")),
            "rights": rights,
            "rights_label": rights_label,
            "rights_holder": _preferred_name(
                _one(resource_set, "lido:rightsResource/lido:rightsHolder/lido:legalBodyName")
            ),
            "credit_line": _first(resource_set, "lido:rightsResource/lido:creditLine"),
            "description": _first(resource_set, "lido:resourceDescription"),
        }
        images.append({k: v for k, v in image.items() if v})
    return images


def _creators(events: list[etree._Element]) -> list[dict[str, str | None]]:
    """Actors of the creation events, once each, in document order; an attribution qualifier ("Kopie
    nach Rembrandt") goes with the name, and leaves the death unknown."""
    creators: dict[str, dict[str, str | None]] = {}
    for event_actor in (actor for event in events for actor in _all(event, "lido:eventActor")):
        actor = _one(event_actor, "lido:actorInRole/lido:actor")
        name = _preferred_name(_one(actor, "lido:nameActorSet")) or _first(
            event_actor, "lido:displayActorInRole"
        )
        if name and name not in creators:
            role = _one(event_actor, "lido:actorInRole/lido:roleActor")
            qualifier = _first(event_actor, "lido:actorInRole/lido:attributionQualifierActor")
            creators[name] = {
                "role": concept_label(role),
                "group": _role_group(role),
                "qualifier": qualifier,
                "birth": _first(actor, "lido:vitalDatesActor/lido:earliestDate"),
                # "Kopie nach", "Werkstatt", "Nachfolger": someone else made it, perhaps long after the
                # named artist died, so the term cannot run from his death
                "death": None if qualifier else _first(actor, "lido:vitalDatesActor/lido:latestDate"),
            }
    return [{"name": name, **details} for name, details in creators.items()]


def _role_group(role: etree._Element | None) -> str:
    """Which ``creator.<group>`` an actor's role belongs to (mappings/lido-reader.yaml, actor_roles)."""
    if role is None:
        return "artist"
    groups = _choices()["actor_roles"]
    for key in _texts(role, _CONCEPT_LABELS) + _texts(role, _CONCEPT_URIS):
        if _key(key) in groups:
            return str(groups[_key(key)])
    return "other"


def _last_death(creators: list[dict[str, str | None]]) -> str | None:
    """The latest death date, only if every creator has one: copyright terms run from the last death.
    One creator's date is given as it is ("20. Jh.": the crosswalk's year transform reads it); of
    several, each must be an ISO date to be compared ("20. Jh." is no year 20, "1950er" no 1950)."""
    if len(creators) == 1:
        return creators[0]["death"]
    deaths = [(_year(creator["death"]), creator["death"]) for creator in creators]
    if not deaths or any(year is None for year, _ in deaths):
        return None
    return max(deaths, key=lambda death: death[0])[1]  # type: ignore[arg-type,return-value]


def _year(date: str | None) -> int | None:
    """The (possibly negative) year of an ISO-like LIDO date: ``1510-05-17`` → 1510; None for any
    other form."""
    match = _YEAR.fullmatch(date or "")
    return int(match.group(1)) if match else None


def _titles(record: etree._Element) -> tuple[str | None, dict[str, str]]:
    """The preferred title, and the first title per language (``xml:lang`` own or inherited)."""
    values = _all(
        record,
        "lido:descriptiveMetadata/lido:objectIdentificationWrap/lido:titleWrap/lido:titleSet/lido:appellationValue",
    )
    ordered = sorted(values, key=lambda v: not (_is_preferred(v) or _is_preferred(v.getparent())))
    by_lang: dict[str, str] = {}
    title = None
    for value in ordered:
        text = text_of(value)
        if not text:
            continue
        title = title or text
        lang = _first(value, "ancestor-or-self::*[@xml:lang][1]/@xml:lang")
        if lang:
            by_lang.setdefault(f"title@{lang}", text)
    return title, by_lang


def _labels(element: etree._Element | None, expression: str) -> list[str]:
    return _distinct(concept_label(concept) or "" for concept in _all(element, expression))


def _measurements(identification: etree._Element | None) -> dict[str, str]:
    """``measurement.<type>`` → ``"<value> <unit>"``, the type named in English where the export offers it."""
    found: dict[str, str] = {}
    path = (
        "lido:objectMeasurementsWrap/lido:objectMeasurementsSet/lido:objectMeasurements/lido:measurementsSet"
    )
    for measurement in _all(identification, path):
        kind = _english_label(_all(measurement, "lido:measurementType"))
        value = _first(measurement, "lido:measurementValue")
        if kind and value:
            unit = _english_label(_all(measurement, "lido:measurementUnit"))
            found.setdefault(f"measurement.{kind}", f"{value} {unit}" if unit else value)
    return found


def _subjects(descriptive: etree._Element | None) -> list[str]:
    subjects: list[str] = []
    for subject_set in _all(descriptive, "lido:objectRelationWrap/lido:subjectWrap/lido:subjectSet"):
        labels = _texts(subject_set, "lido:displaySubject") or _labels(
            subject_set, "lido:subject/lido:subjectConcept"
        )
        subjects.extend(label for label in labels if label not in subjects)
    return subjects


def _identification_fields(descriptive: etree._Element | None) -> dict[str, Any]:
    """What the object is and where it is kept (objectClassificationWrap, objectIdentificationWrap)."""
    identification = _one(descriptive, "lido:objectIdentificationWrap")
    classification = _one(descriptive, "lido:objectClassificationWrap")
    # a repositorySet of type "former" is where the object was kept: never the institution or its number
    # when another set is there ("current", or no type)
    sets = _all(identification, "lido:repositoryWrap/lido:repositorySet")
    present = [r for r in sets if _key(r.get(_LIDO_TYPE, "")) != "former"] or sets
    repository = next((r for r in present if _one(r, "lido:repositoryName") is not None), None)
    inventory = _choices()["inventory_number"]
    work_ids = sorted(
        [work_id for r in present for work_id in _all(r, "lido:workID")],
        key=lambda work_id: _key(work_id.get(_LIDO_TYPE, "")) not in inventory,
    )
    return {
        "objectWorkType": one_or_many(_labels(classification, "lido:objectWorkTypeWrap/lido:objectWorkType")),
        "classification": one_or_many(_labels(classification, "lido:classificationWrap/lido:classification")),
        "description": one_or_many(
            _texts(
                identification,
                "lido:objectDescriptionWrap/lido:objectDescriptionSet/lido:descriptiveNoteValue",
            )
        ),
        "inscription": one_or_many(
            _texts(identification, "lido:inscriptionsWrap/lido:inscriptions/lido:inscriptionTranscription")
        ),
        "repositoryName": _preferred_name(_one(repository, "lido:repositoryName/lido:legalBodyName")),
        "workID": _first_text(work_ids),
        "measurements": one_or_many(
            _texts(
                identification,
                "lido:objectMeasurementsWrap/lido:objectMeasurementsSet/lido:displayObjectMeasurements",
            )
        ),
        **_measurements(identification),
        "subject": _subjects(descriptive) or None,
    }


def _creation_fields(descriptive: etree._Element | None) -> dict[str, Any]:
    """Who made the object, when, where and of what: the creation/production events only."""
    events = [e for e in _all(descriptive, "lido:eventWrap/lido:eventSet/lido:event") if _is_creation(e)]
    creators = _creators(events)
    dated = next((event for event in events if _one(event, "lido:eventDate") is not None), None)
    places = [
        _first(place, "lido:displayPlace")
        or _preferred_name(_one(place, "lido:place/lido:namePlaceSet"))
        or ""
        for event in events
        for place in _all(event, "lido:eventPlace")
    ]
    material_sets = [item for event in events for item in _all(event, "lido:eventMaterialsTech")] + _all(
        descriptive, "lido:objectIdentificationWrap/lido:objectMaterialsTechWrap/lido:objectMaterialsTechSet"
    )  # LIDO 1.1 may state materials on the object instead of the production event
    materials = [
        _first(item, "lido:displayMaterialsTech") or ", ".join(_labels(item, ".//lido:termMaterialsTech"))
        for item in material_sets
    ]
    groups: dict[str, list[str]] = {}
    for creator in creators:
        shown = (
            f"{creator['name']} ({creator['qualifier']})" if creator["qualifier"] else str(creator["name"])
        )
        groups.setdefault(f"creator.{creator['group']}", []).append(shown)
    return {
        "creator": [creator["name"] for creator in creators] or None,
        **groups,
        "creatorRole": creators[0]["role"] if creators else None,
        "creatorBirth": creators[0]["birth"] if creators else None,
        "creatorDeath": _last_death([c for c in creators if c["group"] != "patron"]),
        "date.display": _first(dated, "lido:eventDate/lido:displayDate"),
        "date.earliest": _first(dated, "lido:eventDate/lido:date/lido:earliestDate"),
        "date.latest": _first(dated, "lido:eventDate/lido:date/lido:latestDate"),
        "place": one_or_many(_distinct(places)),
        "materialsTech": one_or_many(_distinct(materials)),
    }


def _administrative_fields(admin: etree._Element | None) -> dict[str, Any]:
    """The record itself, its links, and the three separate rights statements."""
    record_wrap = _one(admin, "lido:recordWrap")
    links = sorted(
        _all(record_wrap, "lido:recordInfoSet/lido:recordInfoLink"),
        key=lambda link: link.get(f"{{{NAMESPACES['lido']}}}formatResource", "text/html") != "text/html",
    )
    images = _images(admin)
    return {
        "recordID": _first(record_wrap, "lido:recordID"),
        "recordLink": _first_text(links),
        "recordSource": _preferred_name(_one(record_wrap, "lido:recordSource/lido:legalBodyName")),
        "creditLine": _first(admin, "lido:rightsWorkWrap/lido:rightsWorkSet/lido:creditLine"),
        "workRights": _rights(_all(admin, "lido:rightsWorkWrap/lido:rightsWorkSet"))[0],
        "recordRights": _rights(_all(record_wrap, "lido:recordRights"))[0],
        "imageRights": images[0].get("rights") if images else None,
        "imageRightsHolder": images[0].get("rights_holder") if images else None,
        "images": images or None,
    }


def lido_fields(record: etree._Element) -> dict[str, Any]:
    """The contract's fixed fields of one ``lido:lido`` element (empty values left out)."""
    descriptive = _one(record, "lido:descriptiveMetadata")
    title, titles = _titles(record)
    fields: dict[str, Any] = {
        "lidoRecID": _first(record, "lido:lidoRecID"),
        "language": _first(descriptive, "ancestor-or-self::*[@xml:lang][1]/@xml:lang"),
        "objectPublishedID": _first(record, "lido:objectPublishedID"),
        "title": title,
        **titles,
        **_identification_fields(descriptive),
        **_creation_fields(descriptive),
        **_administrative_fields(_one(record, "lido:administrativeMetadata")),
    }
    return {name: value for name, value in fields.items() if value}


def _first_text(elements: Iterable[etree._Element]) -> str | None:
    return next((text for element in elements if (text := text_of(element))), None)


def _distinct(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


class LidoReader(Reader):
    """A LIDO file (1.0 or 1.1; bare record, lidoWrap or OAI-PMH response)."""

    format = "lido"

    def __init__(self, path: str | Path) -> None:
        super().__init__(path)
        self._fields: list[str] | None = None

    @property
    def fields(self) -> list[str]:
        """The fixed fields plus every ``title@<lang>`` and ``measurement.<type>`` the export uses.

        Finding the latter takes one pass over the export (flat memory), done once on first use.
        """
        if self._fields is None:
            found: dict[str, None] = {}
            for element, _ in iter_elements(self.path, LIDO_TAG, keep=False):
                identification = _one(element, "lido:descriptiveMetadata/lido:objectIdentificationWrap")
                found.update(dict.fromkeys(_titles(element)[1]))
                found.update(dict.fromkeys(_measurements(identification)))
            self._fields = FIELDS + list(found)
        return list(self._fields)

    @property
    def shape(self) -> ExportShape:
        """The fixed fields, and ``images`` as a list of objects with the `IMAGE_KEYS`; the pass for the
        others (``fields``) is made only if a crosswalk names a field that is not fixed, so a dry run
        whose crosswalk names fixed fields reads a large export once, in the workers, not twice."""
        return self._shape(FIELDS, lambda: self._shape(self.fields, None))

    @staticmethod
    def _shape(fields: list[str], rest: Callable[[], ExportShape] | None) -> ExportShape:
        images = [f"images[].{key}" for key in IMAGE_KEYS]
        return ExportShape(fields + images, frozenset({"images"}), frozenset({"images[]"}), rest=rest)

    def __iter__(self) -> Iterator[Record]:
        return (record for _, record in self._records(None))

    def select(self, keep: Callable[[int], bool]) -> Iterator[tuple[int, Record]]:
        """Only kept records are parsed where the file allows it (``xmlsafe.select_elements``), and only
        they are read into fields."""
        return self._records(lambda number: keep(number - 1))

    def _records(self, wanted: Callable[[int], bool] | None) -> Iterator[tuple[int, Record]]:
        source, read = str(self.path), self._follow()
        elements = select_elements(self.path, LIDO_TAG, wanted, keep=self.keep_elements, position=read)
        number = 0
        for number, element, line in elements:
            fields = lido_fields(element)
            position = f"record {number}" + (f" ({fields['lidoRecID']})" if "lidoRecID" in fields else "")
            kept = OwnDocument(element) if self.keep_elements else None
            yield number - 1, Record(fields, source, position, line, kept)
        if number == 0 and wanted is None:
            refuse_other_format(self.path, DUBLIN_CORE_TAG, "Dublin Core (oai_dc)", "lido")
