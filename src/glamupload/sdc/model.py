"""The structured data of one file, typed: captions and statements, and their exact Wikibase JSON.

``StructuredData.to_data()`` is exactly the ``data`` of a ``wbeditentity`` call on the file's MediaInfo
entity (captions are ``labels``; statements go as ``claims``, each with ``type`` and ``mainsnak``):
Wikibase/DataModel/JSON and Extension:WikibaseMediaInfo/Data Model/JSON describe the shapes
(mappings/structured-data.yaml cites them). ``from_data`` reads that JSON back — from records.jsonl, from
the upload state, and from a ``wbgetentities`` reply — so one parser serves the plan and the wiki.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from glamupload.resources import mappings_dir
from glamupload.yamlconfig import load_yaml, validate

Datatype = Literal["wikibase-item", "string", "external-id", "url", "time", "quantity", "globe-coordinate"]
ENTITY_URI = "http://www.wikidata.org/entity/"
#: A Wikidata item or property id (Q1 … Q99999999999999999: Wikidata is at 10 digits; a value of 5000 digits
#: from an export is no id, and int() of it raises).
QID_PATTERN = r"Q[1-9][0-9]{0,16}"
QID = re.compile(QID_PATTERN)
PID = re.compile(r"P[1-9][0-9]{0,16}")
#: Wikibase time precisions (Wikibase/DataModel/JSON#time).
CENTURY, DECADE, YEAR, MONTH, DAY = 7, 8, 9, 10, 11


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PropertySpec(_Strict):
    label: str
    datatype: Datatype


class Items(_Strict):
    file_available_on_the_internet: str
    circa: str
    gregorian_calendar: str
    earth: str


class PropertyTable(_Strict):
    """mappings/structured-data.yaml: the properties a crosswalk may use and the items glamupload writes."""

    caption_max_length: int
    string_max_length: int
    value_types: dict[Datatype, str]
    properties: dict[str, PropertySpec]
    items: Items

    def datatype(self, prop: str) -> Datatype:
        return self.properties[prop].datatype

    def label(self, prop: str) -> str:
        spec = self.properties.get(prop)
        return f"{prop} {spec.label}" if spec else prop


@functools.cache
def table() -> PropertyTable:
    """The shipped property table (read once)."""
    return validate(PropertyTable, load_yaml(mappings_dir() / "structured-data.yaml"))


# --------------------------------------------------------------------------------------------------
# values


@dataclass(frozen=True)
class ItemValue:
    """A Wikidata item, ``Q…``."""

    id: str

    def to_data(self) -> dict[str, Any]:
        return {
            "type": "wikibase-entityid",
            "value": {"entity-type": "item", "numeric-id": int(self.id[1:]), "id": self.id},
        }

    def key(self) -> tuple[Any, ...]:
        return ("item", self.id)

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True)
class StringValue:
    """A string (also the value of ``url`` and ``external-id`` properties)."""

    text: str

    def to_data(self) -> dict[str, Any]:
        return {"type": "string", "value": self.text}

    def key(self) -> tuple[Any, ...]:
        return ("string", self.text)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class TimeValue:
    """A point in time with a precision (7 century … 11 day), in the Gregorian calendar."""

    time: str  #: ``+1814-00-00T00:00:00Z``
    precision: int

    @classmethod
    def of(cls, year: int, month: int = 0, day: int = 0, precision: int = YEAR) -> TimeValue:
        return cls(f"{year:+05d}-{month:02d}-{day:02d}T00:00:00Z", precision)

    def to_data(self) -> dict[str, Any]:
        return {
            "type": "time",
            "value": {
                "time": self.time,
                "timezone": 0,
                "before": 0,
                "after": 0,
                "precision": self.precision,
                "calendarmodel": ENTITY_URI + table().items.gregorian_calendar,
            },
        }

    def key(self) -> tuple[Any, ...]:
        return ("time", self.time, self.precision)

    @property
    def year(self) -> int:
        return int(self.time[: self.time.index("-", 1)])

    def span(self) -> tuple[int, int]:
        """The years this value can mean (a century written as its first year, 1801 for the 19th)."""
        if self.precision <= CENTURY:
            first = (self.year - 1) // 100 * 100 + 1
            return first, first + 99
        if self.precision == DECADE:
            return self.year // 10 * 10, self.year // 10 * 10 + 9
        return self.year, self.year

    def __str__(self) -> str:
        year = self.year
        if self.precision <= CENTURY:
            return f"{(year - 1) // 100 + 1}. century"
        if self.precision == DECADE:
            return f"{year}s"
        return self.time[1:].split("T")[0].replace("-00", "")


@dataclass(frozen=True)
class QuantityValue:
    """A decimal amount with a unit item (``None``: no unit)."""

    amount: str  #: ``+58`` or ``-1.5``: Wikibase writes the sign
    unit: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "type": "quantity",
            "value": {"amount": self.amount, "unit": ENTITY_URI + self.unit if self.unit else "1"},
        }

    def key(self) -> tuple[Any, ...]:
        return ("quantity", Decimal(self.amount).normalize(), self.unit)

    def __str__(self) -> str:
        return self.amount.lstrip("+") + (f" {self.unit}" if self.unit else "")


@dataclass(frozen=True)
class CoordinateValue:
    """A point on Earth in decimal degrees; ``precision`` in degrees."""

    latitude: float
    longitude: float
    precision: float

    def to_data(self) -> dict[str, Any]:
        return {
            "type": "globecoordinate",
            "value": {
                "latitude": self.latitude,
                "longitude": self.longitude,
                "altitude": None,
                "precision": self.precision,
                "globe": ENTITY_URI + table().items.earth,
            },
        }

    def key(self) -> tuple[Any, ...]:
        # values that differ by less than the precision are the same place
        return ("coordinate", round(self.latitude / self.precision), round(self.longitude / self.precision))

    def __str__(self) -> str:
        return f"{self.latitude}, {self.longitude}"


@dataclass(frozen=True)
class OtherValue:
    """A value of a kind glamupload does not write (read from the wiki): compared, never built."""

    type: str
    value: Any

    def to_data(self) -> dict[str, Any]:
        return {"type": self.type, "value": self.value}

    def key(self) -> tuple[Any, ...]:
        return (self.type, json.dumps(self.value, sort_keys=True))

    def __str__(self) -> str:
        return json.dumps(self.value, ensure_ascii=False)


DataValue = ItemValue | StringValue | TimeValue | QuantityValue | CoordinateValue | OtherValue


def value_from_data(data: Mapping[str, Any]) -> DataValue:
    """A datavalue back from its JSON; one of another kind becomes an :class:`OtherValue`."""
    kind, value = str(data["type"]), data["value"]
    if kind == "wikibase-entityid" and value.get("entity-type", "item") == "item":
        return ItemValue(str(value.get("id") or f"Q{value['numeric-id']}"))
    if kind == "string":
        return StringValue(str(value))
    if kind == "time" and value.get("calendarmodel", "").endswith("/" + table().items.gregorian_calendar):
        return TimeValue(str(value["time"]), int(value["precision"]))
    if kind == "quantity":
        unit = str(value.get("unit", "1"))
        return QuantityValue(str(value["amount"]), None if unit == "1" else unit.rsplit("/", 1)[-1])
    if kind == "globecoordinate" and str(value.get("globe", "")).endswith("/" + table().items.earth):
        return CoordinateValue(float(value["latitude"]), float(value["longitude"]), float(value["precision"]))
    return OtherValue(kind, value)


# --------------------------------------------------------------------------------------------------
# snaks, statements, captions


@dataclass(frozen=True)
class Snak:
    """A property with a value, or with "unknown value" (``value`` None: snaktype ``somevalue``)."""

    property: str
    value: DataValue | None

    def to_data(self) -> dict[str, Any]:
        if self.value is None:
            return {"snaktype": "somevalue", "property": self.property}
        return {"snaktype": "value", "property": self.property, "datavalue": self.value.to_data()}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Snak:
        prop = str(data["property"])
        if data["snaktype"] == "value":
            return cls(prop, value_from_data(data["datavalue"]))
        if data["snaktype"] == "somevalue":
            return cls(prop, None)
        return cls(prop, OtherValue(str(data["snaktype"]), None))  # novalue: compared, never built

    def key(self) -> tuple[Any, ...]:
        return (self.property, None if self.value is None else self.value.key())

    def describe(self) -> str:
        return f"{table().label(self.property)}: {'unknown value' if self.value is None else self.value}"


@dataclass(frozen=True)
class Statement:
    """One claim: a main snak and its qualifiers (references are not written)."""

    mainsnak: Snak
    qualifiers: tuple[Snak, ...] = ()

    @property
    def property(self) -> str:
        return self.mainsnak.property

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": "statement", "rank": "normal", "mainsnak": self.mainsnak.to_data()}
        if self.qualifiers:
            data["qualifiers"] = qualifier_data(self.qualifiers)
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Statement:
        qualifiers = data.get("qualifiers") or {}
        order = list(data.get("qualifiers-order") or qualifiers)
        snaks = [Snak.from_data(s) for prop in order for s in qualifiers.get(prop, ())]
        return cls(Snak.from_data(data["mainsnak"]), tuple(snaks))

    def describe(self) -> str:
        text = self.mainsnak.describe()
        if self.qualifiers:
            text += " (" + "; ".join(q.describe() for q in self.qualifiers) + ")"
        return text


def qualifier_data(snaks: Iterable[Snak]) -> dict[str, list[dict[str, Any]]]:
    """Qualifier snaks grouped by property, in order, as Wikibase writes them."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for snak in snaks:
        grouped.setdefault(snak.property, []).append(snak.to_data())
    return grouped


@dataclass(frozen=True)
class Caption:
    """A file caption in one language: plain text, at most 250 characters."""

    language: str
    text: str


@dataclass(frozen=True)
class StructuredData:
    """What one file's MediaInfo entity should hold: captions and statements."""

    captions: tuple[Caption, ...] = ()
    statements: tuple[Statement, ...] = ()

    def to_data(self) -> dict[str, Any]:
        """The ``data`` parameter of ``wbeditentity`` (records.jsonl's ``structured_data``)."""
        data: dict[str, Any] = {}
        if self.captions:
            data["labels"] = {c.language: {"language": c.language, "value": c.text} for c in self.captions}
        if self.statements:
            data["claims"] = [s.to_data() for s in self.statements]
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> StructuredData:
        labels = data.get("labels") or {}
        claims = data.get("claims") or ()
        return cls(
            tuple(Caption(str(lang), str(label["value"])) for lang, label in labels.items()),
            tuple(Statement.from_data(c) for c in claims),
        )

    def describe(self) -> list[str]:
        """One readable line per caption and statement (the dry-run report shows these)."""
        lines = [f"caption ({c.language}): {c.text}" for c in self.captions]
        return lines + [s.describe() for s in self.statements]

    def digest(self) -> str:
        """A stable fingerprint of the payload: the upload state writes an entity once per digest."""
        text = json.dumps(self.to_data(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def parse_amount(text: str) -> str | None:
    """``58``, ``58,5``, ``-1.25`` → Wikibase's signed decimal string (``+58``, ``+58.5``); None otherwise."""
    cleaned = text.strip().replace(",", ".").replace("\u2212", "-")
    if not re.fullmatch(r"[+-]?[0-9]+(?:\.[0-9]+)?", cleaned):  # ASCII digits: Wikibase reads no others
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    # Wikibase's DecimalValue: no leading zeros (``058`` → ``+58``), the fraction's digits as written
    return ("-" if number < 0 else "+") + format(abs(number), "f")
