"""The ``wbeditentity`` contract for a MediaInfo entity, written out independently of glamupload.sdc, for the
payload tests. What it checks, and where it is documented:

- Wikibase/DataModel/JSON (https://www.mediawiki.org/wiki/Wikibase/DataModel/JSON): snaks have ``snaktype``
  (``value``, ``somevalue``, ``novalue``) and ``property``; a ``value`` snak has a ``datavalue`` with
  ``type`` and ``value``; an item is ``wikibase-entityid`` with ``entity-type`` and ``numeric-id`` (and
  ``id``); a time has ``time`` (signed, 4+ digit year), ``timezone``, ``before``, ``after``,
  ``precision`` (0–14) and a ``calendarmodel`` URI; a quantity a signed decimal ``amount`` and a ``unit``
  (``"1"`` or an entity URI); a globecoordinate ``latitude``, ``longitude``, ``precision``, ``globe``;
  qualifiers are grouped by property; entity ids are upper-case ``P…``/``Q…``.
- Extension:WikibaseMediaInfo/Data Model/JSON: captions are ``labels`` (language → {language, value});
  wbeditentity takes statements as ``claims``.
- Wikibase's wbeditentity (https://www.mediawiki.org/wiki/Wikibase/API, and dpla/ingest-wikimedia
  docs/sdc-sync.md from production): every claim that is not a removal needs ``type: statement`` and a
  ``mainsnak``, or the whole edit is refused.
- Commons:File captions: at most 250 characters, plain text.
"""

from __future__ import annotations

import re
from typing import Any

#: datatype → datavalue type (Wikibase/DataModel/JSON), for the properties the payloads use.
VALUE_TYPE = {
    "wikibase-item": "wikibase-entityid",
    "string": "string",
    "url": "string",
    "time": "time",
    "quantity": "quantity",
    "globe-coordinate": "globecoordinate",
}
ENTITY = "http://www.wikidata.org/entity/"


def problems(data: dict[str, Any], datatypes: dict[str, str]) -> list[str]:
    """What in ``data`` breaks the contract (empty: none)."""
    found: list[str] = []
    if set(data) - {"labels", "claims"}:
        found.append(f"unexpected keys {sorted(set(data) - {'labels', 'claims'})}")
    for language, label in data.get("labels", {}).items():
        if label != {"language": language, "value": label.get("value")} or not isinstance(
            label["value"], str
        ):
            found.append(f"label {language}: {label}")
        elif len(label["value"]) > 250 or re.search(r"\{\{|\[\[|<[a-z]", label["value"]):
            found.append(f"caption {language} too long or with markup")
    for claim in data.get("claims", []):
        if claim.get("type") != "statement" or "mainsnak" not in claim:
            found.append(f"claim without type/mainsnak: {claim}")
            continue
        found += _snak(claim["mainsnak"], datatypes)
        for prop, snaks in claim.get("qualifiers", {}).items():
            for snak in snaks:
                if snak.get("property") != prop:
                    found.append(f"qualifier under {prop} is of {snak.get('property')}")
                found += _snak(snak, datatypes)
    return found


def _snak(snak: dict[str, Any], datatypes: dict[str, str]) -> list[str]:
    prop = snak.get("property", "")
    if not re.fullmatch(r"P[1-9]\d*", prop):
        return [f"bad property id {prop!r}"]
    if snak.get("snaktype") == "somevalue":
        return [] if set(snak) == {"snaktype", "property"} else [f"somevalue with more: {snak}"]
    if snak.get("snaktype") != "value":
        return [f"snaktype {snak.get('snaktype')!r}"]
    datavalue = snak["datavalue"]
    expected = VALUE_TYPE[datatypes[prop]]
    if datavalue["type"] != expected:
        return [f"{prop} is {datatypes[prop]}, its value is {datavalue['type']}"]
    value = datavalue["value"]
    if expected == "wikibase-entityid":
        ok = value.get("entity-type") == "item" and value.get("id") == f"Q{value.get('numeric-id')}"
        return [] if ok and re.fullmatch(r"Q[1-9]\d*", value["id"]) else [f"{prop}: bad item {value}"]
    if expected == "string":
        url_ok = datatypes[prop] != "url" or re.fullmatch(r"https?://\S+", value)
        return [] if isinstance(value, str) and 0 < len(value) <= 1500 and url_ok else [f"{prop}: {value!r}"]
    if expected == "time":
        keys = {"time", "timezone", "before", "after", "precision", "calendarmodel"}
        ok = set(value) == keys and re.fullmatch(r"[+-]\d{4,16}-\d\d-\d\dT00:00:00Z", value["time"])
        ok = ok and 0 <= value["precision"] <= 14 and value["calendarmodel"] == ENTITY + "Q1985727"
        return [] if ok else [f"{prop}: bad time {value}"]
    if expected == "quantity":
        ok = re.fullmatch(r"[+-]\d+(\.\d+)?", value["amount"]) and (
            value["unit"] == "1" or value["unit"].startswith(ENTITY + "Q")
        )
        return [] if ok else [f"{prop}: bad quantity {value}"]
    ok = (
        -90 <= value["latitude"] <= 90
        and -180 <= value["longitude"] <= 180
        and value["globe"] == ENTITY + "Q2"
    )
    return [] if ok else [f"{prop}: bad coordinate {value}"]
