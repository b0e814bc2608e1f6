"""Merge a file's planned structured data three ways: what glamupload last wrote (the base), what its
MediaInfo entity holds now, and the new plan (docs/structured-data.md, decisions 0015 and 0018).

Per caption language and per property, the rule of ``glamupload update`` (decision 0012): the plan
unchanged from the base → the wiki's stays; the wiki still holds the base → the new plan's value replaces
ours (our old claims removed with ``{"id": …, "remove": ""}``, new ones added, captions replaced); the
wiki holds the new plan's value already → nothing; anything else → a **conflict**, reported, nothing
overwritten. With no base (never written by this state) the base is "nothing", which is the first
write's rule: a planned caption or statement already there is not sent again, a property someone else
gave another value is a conflict. Statements and qualifiers others added are never removed. A planned
qualifier missing on a statement that is there is added by sending that claim with its id and its *whole*
qualifier set (Wikibase replaces a claim's qualifiers with what is sent: dpla/ingest-wikimedia
docs/sdc-sync.md). Every claim added has ``type`` and ``mainsnak``. The result is one ``wbeditentity``
payload: all of a file's changes in one revision, and the base of the next merge.

Removal follows the Wikibase API (wbeditentity's example "Removes a label", and Wikibase's
EditEntityTest "remove the claim": ``{"claims": [{"id": …, "remove": ""}]}``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from glamupload.sdc.model import Caption, Snak, Statement, StructuredData, table


@dataclass(frozen=True)
class Conflict:
    """A caption or property the plan changes that the entity holds another value for."""

    part: str  #: what a reviewer names to decide it: ``P170``, ``caption:sv``
    what: str  #: ``P170 creator`` or ``caption (sv)``
    planned: str
    existing: tuple[str, ...]
    base: tuple[str, ...] = ()  #: what glamupload last wrote (empty: never written)

    def __str__(self) -> str:
        wrote = f" (glamupload wrote {' | '.join(self.base)})" if self.base else ""
        return f"{self.what}: the entity holds {' | '.join(self.existing)}, the plan {self.planned}{wrote}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "what": self.what,
            "base": list(self.base),
            "wiki": list(self.existing),
            "new": self.planned,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Conflict:
        return cls(
            str(data["part"]), str(data["what"]), str(data["new"]), tuple(data["wiki"]), tuple(data["base"])
        )


@dataclass(frozen=True)
class Decided:
    """Reviewers' decisions on earlier conflicts, by part, each for the planned value it was taken on
    (``Conflict.planned``): ``accept`` writes the plan's value, ``keep`` leaves the entity's and stops
    reporting it. Another planned value is a conflict again."""

    accept: Mapping[str, str] = field(default_factory=dict)
    keep: Mapping[str, str] = field(default_factory=dict)

    def rule(self, conflict: Conflict) -> Rule:
        """What a decision makes of this conflict: APPLY, KEEP, or still CONFLICT."""
        if self.accept.get(conflict.part) == conflict.planned:
            return Rule.APPLY
        return Rule.KEEP if self.keep.get(conflict.part) == conflict.planned else Rule.CONFLICT


@dataclass(frozen=True)
class Change:
    """A caption or property an edit changes: the entity's values before and the plan's after."""

    what: str
    old: tuple[str, ...]
    new: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.what}: {' | '.join(self.old) or '(none)'} → {' | '.join(self.new) or '(none)'}"

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "old": list(self.old), "new": list(self.new)}


@dataclass(frozen=True)
class Edit:
    """What one ``wbeditentity`` must send (``data`` empty: nothing to change), and what it does."""

    data: dict[str, Any]
    conflicts: tuple[Conflict, ...]
    #: glamupload's structured data on the entity once ``data`` is saved: the next merge's base (a
    #: conflicting caption or property keeps its old base, so it stays a conflict)
    base: StructuredData = field(default_factory=StructuredData)
    changes: tuple[Change, ...] = ()


class Rule(StrEnum):
    """The three-way rule's verdict for one caption language or property."""

    KEEP = "keep"  #: the plan did not change it: the wiki's stays, whatever it is
    DONE = "done"  #: the wiki holds the new plan's value already
    APPLY = "apply"  #: the wiki holds what glamupload last wrote: the new plan's replaces it
    CONFLICT = "conflict"  #: someone else changed it and so did the plan


def rule(plan_changed: bool, wiki_is_new: bool, wiki_is_base: bool) -> Rule:
    """The one three-way rule (decision 0012), for captions and statements alike."""
    if not plan_changed:
        return Rule.KEEP
    if wiki_is_new:
        return Rule.DONE
    return Rule.APPLY if wiki_is_base else Rule.CONFLICT


def identity(statement: Statement) -> tuple[Any, ...]:
    """What makes two statements the same: the main value; for "unknown value", also its qualifiers
    (two unknown creators with different P2093 names are two statements)."""
    if statement.mainsnak.value is None:
        return (statement.mainsnak.key(), frozenset(q.key() for q in statement.qualifiers))
    return (statement.mainsnak.key(),)


def _full(statements: Sequence[Statement]) -> Counter[tuple[Any, ...]]:
    """Statements compared whole: main value and qualifier set."""
    return Counter((s.mainsnak.key(), frozenset(q.key() for q in s.qualifiers)) for s in statements)


def existing_claims(entity: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """The entity's claims, as MediaInfo serialises them (``statements``: a mapping, or ``[]`` when empty)."""
    if entity is None:
        return []
    grouped = entity.get("statements") or entity.get("claims") or {}
    if isinstance(grouped, list):
        return list(grouped)
    return [claim for claims in grouped.values() for claim in claims]


def merge(
    base: StructuredData | None,
    entity: Mapping[str, Any] | None,
    planned: StructuredData,
    decided: Decided | None = None,
) -> Edit:
    """The edit that brings ``entity`` (from ``wbgetentities``; None: no data yet) from ``base`` (what
    glamupload last wrote there; None: never written) to ``planned``; a conflict a reviewer ``decided``
    is settled their way."""
    merger = _Merger(base or StructuredData(), decided or Decided())
    merger.captions((entity or {}).get("labels") or {}, planned.captions)
    have = [(raw, Statement.from_data(raw)) for raw in existing_claims(entity)]
    order = [s.property for s in (*planned.statements, *merger.base.statements)]
    for prop in dict.fromkeys(order):
        merger.statements(
            prop,
            [s for s in merger.base.statements if s.property == prop],
            [s for s in planned.statements if s.property == prop],
            [(raw, s) for raw, s in have if s.property == prop],
        )
    data: dict[str, Any] = {}
    if merger.labels:
        data["labels"] = merger.labels
    if merger.claims:
        data["claims"] = merger.claims
    return Edit(
        data,
        tuple(merger.conflicts),
        StructuredData(tuple(merger.new_captions), tuple(merger.new_statements)),
        tuple(merger.changes),
    )


Claim = tuple[Mapping[str, Any], Statement]


@dataclass
class _Merger:
    base: StructuredData
    decided: Decided
    labels: dict[str, Any] = field(default_factory=dict)
    claims: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    new_captions: list[Caption] = field(default_factory=list)  #: the next base's
    new_statements: list[Statement] = field(default_factory=list)  #: the next base's

    def captions(self, labels: Mapping[str, Any], planned: Sequence[Caption]) -> None:
        old = {c.language: c.text for c in self.base.captions}
        new = {c.language: c.text for c in planned}
        for language in dict.fromkeys([*new, *old]):
            base, wanted = old.get(language), new.get(language)
            wiki = (labels.get(language) or {}).get("value")
            verdict = rule(base != wanted, wiki == wanted, wiki == base)
            what = f"caption ({language})"
            if verdict == Rule.CONFLICT:
                existing = (wiki or "(none)",)
                verdict = self._decide(
                    Conflict(f"caption:{language}", what, wanted or "(none)", existing, _one(base))
                )
            if verdict == Rule.APPLY and wanted is None:
                self.labels[language] = {"language": language, "value": wiki, "remove": ""}
                self.changes.append(Change(what, _one(wiki), ()))
            elif verdict == Rule.APPLY:
                self.labels[language] = {"language": language, "value": wanted}
                self.changes.append(Change(what, _one(wiki), (str(wanted),)))
            kept = base if verdict in (Rule.KEEP, Rule.CONFLICT) else wanted
            if kept is not None:
                self.new_captions.append(Caption(language, kept))

    def statements(
        self, prop: str, base: list[Statement], planned: list[Statement], wiki: list[Claim]
    ) -> None:
        """One property, three ways. Ours in the wiki are the claims with a base statement's value;
        others' are those with a value neither the base nor the plan has."""
        base_ids, planned_ids = {identity(s) for s in base}, {identity(s) for s in planned}
        found = {identity(s): (raw, s) for raw, s in reversed(wiki)}
        stale = [(raw, s) for raw, s in wiki if identity(s) in base_ids - planned_ids]
        others = [s for _, s in wiki if identity(s) not in base_ids | planned_ids]
        missing = [s for s in planned if identity(s) not in found]
        qualified = [(s, found[identity(s)], _quals(base, s)) for s in planned if identity(s) in found]
        fixes = [
            (s, claim, dropped) for s, claim, dropped in qualified if _fix(claim, s, dropped) is not None
        ]
        untouched = all(_covers(found.get(identity(b)), b.qualifiers) for b in base)
        verdict = rule(
            _full(base) != _full(planned),
            not stale and not missing and not fixes,
            untouched and not (others and (missing or stale)),
        )
        if verdict == Rule.CONFLICT:  # someone changed ours, or others hold other values
            verdict = self._decide(self._conflict(prop, missing if untouched else planned, wiki, base))
        if verdict in (Rule.KEEP, Rule.DONE):
            self.new_statements += base if verdict == Rule.KEEP else planned
            return
        if verdict == Rule.CONFLICT and not untouched:
            self.new_statements += base
            return
        # ours is untouched (or a reviewer accepted the plan): our claims' qualifiers follow the plan,
        # others' qualifiers stay
        for statement, claim, dropped in fixes:
            self.claims.append(_fix(claim, statement, dropped) or {})
        if verdict == Rule.CONFLICT:  # others hold other values: ours stay, the new ones are not sent
            self.new_statements += base + [s for s, _, _ in qualified if identity(s) not in base_ids]
            return
        sent = {identity(s) for s in planned if identity(s) in found}
        for statement in missing:
            if identity(statement) not in sent:
                sent.add(identity(statement))
                self.claims.append(statement.to_data())
        self.claims += [{"id": raw["id"], "remove": ""} for raw, _ in stale]
        if missing or stale or fixes:
            old = tuple(s.describe() for _, s in wiki if identity(s) in base_ids | planned_ids)
            self.changes.append(Change(table().label(prop), old, tuple(s.describe() for s in planned)))
        self.new_statements += planned

    def _decide(self, conflict: Conflict) -> Rule:
        """The rule for a conflict: a reviewer's decision on it, else a conflict reported."""
        settled = self.decided.rule(conflict)
        if settled == Rule.CONFLICT:
            self.conflicts.append(conflict)
        return settled

    @staticmethod
    def _conflict(prop: str, planned: list[Statement], wiki: list[Claim], base: list[Statement]) -> Conflict:
        return Conflict(
            prop,
            table().label(prop),
            " | ".join(s.describe() for s in planned) or "(none)",
            tuple(s.describe() for _, s in wiki) or ("(none)",),
            tuple(s.describe() for s in base),
        )


def _one(value: str | None) -> tuple[str, ...]:
    return () if value is None else (value,)


def _quals(base: Sequence[Statement], planned: Statement) -> frozenset[tuple[Any, ...]]:
    """The qualifiers glamupload wrote on this statement that the plan drops."""
    wrote = next((b for b in base if identity(b) == identity(planned)), None)
    keep = {q.key() for q in planned.qualifiers}
    return frozenset(q.key() for q in (wrote.qualifiers if wrote else ()) if q.key() not in keep)


def _covers(claim: Claim | None, qualifiers: Sequence[Snak]) -> bool:
    """Whether the wiki's claim is there with all these qualifiers (others may have added more)."""
    return claim is not None and {q.key() for q in qualifiers} <= {q.key() for q in claim[1].qualifiers}


def _fix(claim: Claim, planned: Statement, dropped: frozenset[tuple[Any, ...]]) -> dict[str, Any] | None:
    """The existing claim with its whole qualifier set as the plan wants it (planned qualifiers it lacks
    added, ones glamupload wrote and the plan drops removed, everyone else's kept); None when it is so."""
    raw, have = claim
    present = {q.key() for q in have.qualifiers}
    missing = [q for q in planned.qualifiers if q.key() not in present]
    if not missing and not dropped & present:
        return None
    qualifiers: dict[str, list[Any]] = {}
    for prop, snaks in (raw.get("qualifiers") or {}).items():
        kept = [snak for snak in snaks if Snak.from_data(snak).key() not in dropped]
        if kept:
            qualifiers[prop] = kept
    for snak in missing:
        qualifiers.setdefault(snak.property, []).append(snak.to_data())
    sent = {key: value for key, value in raw.items() if key not in ("qualifiers-order", "qualifiers")}
    sent.update(type="statement", qualifiers=qualifiers)
    return sent
