"""Reviewers' licence decisions: the files the licence engine sent to review, accepted with the licence
a person asserts, or left out — recorded by ``glamupload review`` in a file beside the batch.

A decision is an input of the plan, like the overrides file: the planner applies it to a file whose
verdict is "review", for one record or for every file whose verdict falls in one reason group
(``Verdict.group``), so it holds after a replan and on every wiki (a licence does not depend on the
wiki; the upload state does). The file is plain YAML a person can read and version, but nobody has to
write it by hand.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from glamupload import licenses
from glamupload.errors import ConfigError, GlamuploadError
from glamupload.yamlconfig import load_yaml, validate

DecisionName = Literal["accept", "skip"]
HEADER = (
    '# Licence decisions recorded by `glamupload review` (docs/licenses.md, "Reviewing").\n'
    "# Each holds for the record it names, or for every file whose verdict is in its reason group,\n"
    '# while the licence engine still says "review" for it. Remove an entry to take it back.\n'
)


def group_id(group: str) -> str:
    """A short, stable name for a reason group, to type on the command line (``G`` + 6 hex digits)."""
    return "G" + hashlib.sha1(group.encode("utf-8")).hexdigest()[:6]


class LicenceDecision(BaseModel):
    """One decision: for a record, or for a reason group; accept (with the asserted wikitext) or skip."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    record_id: str | None = None
    group: str | None = None
    decision: DecisionName
    wikitext: str = ""
    reviewer: str
    reason: str
    decided: str = ""

    @field_validator("record_id", "group", "wikitext", "reviewer", "reason")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        """No lone surrogate (a command line's byte that is not UTF-8): the reviews file could not hold it."""
        if value is not None and any("\ud800" <= c <= "\udfff" for c in value):
            raise ValueError("holds a byte that is not UTF-8 text (the terminal's encoding?)")
        return value

    @field_validator("reviewer", "reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @model_validator(mode="after")
    def _one_target_and_a_licence_to_accept(self) -> LicenceDecision:
        if (self.record_id is None) == (self.group is None):
            raise ValueError("a decision names either a record_id or a group")
        if self.decision == "accept":
            try:  # the asserted licence is checked like the table's own (free, with a US status)
                licenses.reviewed_verdict(self.wikitext, self.reason, self.reviewer)
            except ConfigError as exc:
                raise ValueError(exc.message) from None
        elif self.wikitext:
            raise ValueError("a skip asserts no licence wikitext")
        return self

    def apply(self, verdict: licenses.Verdict) -> licenses.Verdict:
        """The verdict this decision makes of the engine's "review" verdict."""
        if self.decision == "accept":
            accepted = licenses.reviewed_verdict(self.wikitext, self.reason, self.reviewer, previous=verdict)
            return replace(accepted, basis="reviewer")  # a review decision, told apart from an override
        said = f"skipped by {self.reviewer}: {self.reason}"
        return replace(
            verdict,
            verdict="reject",
            reason=f"{said} (the table said review: {verdict.reason})",
            basis="reviewer",
            flags=(*verdict.flags, licenses.Flag("reviewer-decision", said)),
        )


class _DecisionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decisions: list[LicenceDecision] = []


@dataclass(frozen=True)
class Decisions:
    """The decisions of one batch, by record and by group."""

    by_record: Mapping[str, LicenceDecision]
    by_group: Mapping[str, LicenceDecision]

    def apply(self, record_id: str, verdict: licenses.Verdict) -> licenses.Verdict:
        """A "review" verdict with the decision for its record (else its group) applied; any other
        verdict as it is (the engine decided by itself: a decision is for what it could not)."""
        if verdict.verdict != "review":
            return verdict
        decision = self.by_record.get(record_id) or self.by_group.get(verdict.group)
        return decision.apply(verdict) if decision is not None else verdict

    @property
    def entries(self) -> list[LicenceDecision]:
        return [*self.by_record.values(), *self.by_group.values()]


NO_DECISIONS = Decisions({}, {})


def load(path: Path) -> Decisions:
    """The decisions file, or none when it does not exist. A broken file is a ConfigError naming the
    entry and the key."""
    if not path.is_file():
        return NO_DECISIONS
    located = load_yaml(path)
    model: _DecisionsFile = validate(_DecisionsFile, located)
    by_record: dict[str, LicenceDecision] = {}
    by_group: dict[str, LicenceDecision] = {}
    for i, entry in enumerate(model.decisions):
        table, key = (by_record, entry.record_id) if entry.record_id is not None else (by_group, entry.group)
        assert key is not None
        if key in table:
            raise located.error(f"a second decision for {key!r}", ("decisions", i))
        table[key] = entry
    return Decisions(by_record, by_group)


def record(path: Path, new: Iterable[LicenceDecision]) -> Decisions:
    """Add decisions (a new one replaces an earlier one for the same record or group) and write the
    file through a temporary name, so a crash never leaves half a file."""
    current = load(path)
    by_record, by_group = dict(current.by_record), dict(current.by_group)
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    for decision in new:
        stamped = decision.model_copy(update={"decided": decision.decided or today})
        if stamped.record_id is not None:
            by_record[stamped.record_id] = stamped
        else:
            assert stamped.group is not None
            by_group[stamped.group] = stamped
    result = Decisions(by_record, by_group)
    data = {"decisions": [d.model_dump(exclude_none=True, exclude_defaults=False) for d in result.entries]}
    for entry in data["decisions"]:
        if not entry.get("wikitext"):
            entry.pop("wikitext", None)
    text = HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    partial = path.with_name(path.name + ".part")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise GlamuploadError(f"cannot write the licence decisions: {exc.strerror}", file=path) from None
    return result


def make(
    *,
    decision: DecisionName,
    reviewer: str,
    reason: str,
    record_id: str | None = None,
    group: str | None = None,
    wikitext: str = "",
) -> LicenceDecision:
    """A decision from the command line, checked like one read from the file."""
    try:
        return LicenceDecision(
            record_id=record_id,
            group=group,
            decision=decision,
            wikitext=wikitext,
            reviewer=reviewer,
            reason=reason,
        )
    except ValueError as exc:  # pydantic's ValidationError, or the licence check's ConfigError inside it
        errors = getattr(exc, "errors", None)
        first: dict[str, Any] = errors()[0] if callable(errors) else {"msg": str(exc), "loc": ("wikitext",)}
        field = str(first["loc"][0]) if first.get("loc") else "wikitext"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(message, record=record_id, field=field) from None
