"""Merge a file's planned structured data with what its MediaInfo entity already holds.

The rules (docs/structured-data.md): nothing others added is ever removed or changed; a planned caption
or statement already there is not sent again; a property someone else gave another value is a conflict —
reported, and our value left out; a planned qualifier missing on a statement that is there is added by
sending that claim with its id and its *whole* qualifier set (Wikibase replaces a claim's qualifiers with
what is sent: dpla/ingest-wikimedia docs/sdc-sync.md). Every claim sent has ``type`` and ``mainsnak``.
The result is one ``wbeditentity`` payload: all of a file's changes in one revision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from glamupload.sdc.model import Snak, Statement, StructuredData


@dataclass(frozen=True)
class Conflict:
    """A planned caption or statement the entity already holds another value for."""

    what: str  #: ``P170 creator`` or ``caption (sv)``
    planned: str
    existing: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.what}: the entity holds {' | '.join(self.existing)}, the plan {self.planned}"


@dataclass(frozen=True)
class Edit:
    """What one ``wbeditentity`` must send (``data`` empty: the entity already holds everything)."""

    data: dict[str, Any]
    conflicts: tuple[Conflict, ...]


def identity(statement: Statement) -> tuple[Any, ...]:
    """What makes two statements the same: the main value; for "unknown value", also its qualifiers
    (two unknown creators with different P2093 names are two statements)."""
    if statement.mainsnak.value is None:
        return (statement.mainsnak.key(), frozenset(q.key() for q in statement.qualifiers))
    return (statement.mainsnak.key(),)


def existing_claims(entity: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """The entity's claims, as MediaInfo serialises them (``statements``: a mapping, or ``[]`` when empty)."""
    if entity is None:
        return []
    grouped = entity.get("statements") or entity.get("claims") or {}
    if isinstance(grouped, list):
        return list(grouped)
    return [claim for claims in grouped.values() for claim in claims]


def merge(planned: StructuredData, entity: Mapping[str, Any] | None) -> Edit:
    """The edit that brings ``entity`` (from ``wbgetentities``; None: no data yet) up to the plan."""
    conflicts: list[Conflict] = []
    labels: dict[str, Any] = {}
    existing_labels = (entity or {}).get("labels") or {}
    for caption in planned.captions:
        have = existing_labels.get(caption.language, {}).get("value")
        if have is None:
            labels[caption.language] = {"language": caption.language, "value": caption.text}
        elif have != caption.text:
            conflicts.append(Conflict(f"caption ({caption.language})", caption.text, (have,)))
    raw_claims = existing_claims(entity)
    have_claims = [(raw, Statement.from_data(raw)) for raw in raw_claims]
    planned_ids = {identity(s) for s in planned.statements}
    claims: list[dict[str, Any]] = []
    sent: set[tuple[Any, ...]] = set()
    for statement in planned.statements:
        key = identity(statement)
        if key in sent:
            continue
        sent.add(key)
        same = next(((raw, s) for raw, s in have_claims if identity(s) == key), None)
        if same is not None:
            update = _with_qualifiers(same[0], same[1], statement.qualifiers)
            if update is not None:
                claims.append(update)
            continue
        others = [
            s for _, s in have_claims if s.property == statement.property and identity(s) not in planned_ids
        ]
        if others:
            label = statement.mainsnak.describe().split(":")[0]
            conflicts.append(Conflict(label, statement.describe(), tuple(o.describe() for o in others)))
            continue
        claims.append(statement.to_data())
    data: dict[str, Any] = {}
    if labels:
        data["labels"] = labels
    if claims:
        data["claims"] = claims
    return Edit(data, tuple(conflicts))


def _with_qualifiers(
    raw: Mapping[str, Any], have: Statement, wanted: tuple[Snak, ...]
) -> dict[str, Any] | None:
    """The existing claim with the planned qualifiers it lacks added to its whole qualifier set; None when
    it has them all."""
    present = {q.key() for q in have.qualifiers}
    missing = [q for q in wanted if q.key() not in present]
    if not missing:
        return None
    qualifiers: dict[str, list[Any]] = {p: list(snaks) for p, snaks in (raw.get("qualifiers") or {}).items()}
    for snak in missing:
        qualifiers.setdefault(snak.property, []).append(snak.to_data())
    claim = {key: value for key, value in raw.items() if key != "qualifiers-order"}
    claim.update(type="statement", qualifiers=qualifiers)
    return claim
