"""Reviewers' decisions (``glamupload review``): on licences the engine could not decide, and on files
the wiki warned about.

Licences: files whose verdict is "review" are listed by reason group; a reviewer accepts a file or a
whole group with the licence wikitext they assert (checked like the licence table's own), or skips it.
The decision goes to the batch's decisions file (``decisions.py``), an input of the plan: it holds after
a replan and on every wiki, and the report and ``status`` show it on every file it covers.

Wiki warnings: some upload warnings need a person: a file with this name, or with these very bytes,
was deleted from the wiki before (often for copyright), the bytes match an old version of another file, the
description page exists without a file. The uploader records such files as ``needs_review`` and
goes on with the batch. A reviewer then *accepts* a file (the next ``upload`` goes past that one
warning, for that file name; every other warning is still judged) or *skips* it. Each decision
carries the reviewer's name and reason and is kept in the batch's state database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path

from glamupload import decisions
from glamupload.config import BatchConfig
from glamupload.decisions import DecisionName, LicenceDecision
from glamupload.errors import ConfigError
from glamupload.plan import plan_batch
from glamupload.state import BatchState, Decision, EntityStatus, FileRow, FileStatus, OutcomeCode

#: needs_review codes that are not a wiki warning to go past: a person looks at the wiki, then skips.
NOT_ACCEPTABLE: dict[str, str] = {
    OutcomeCode.SHA1_MISMATCH: "the wiki holds other bytes under this name than the local file; look at "
    "the file page, then skip the row (or fix the cause and replan)",
    OutcomeCode.UNEXPECTED_REPLY: "the wiki answered in a way glamupload does not know; look at the file "
    "page, then skip the row",
}


@dataclass(frozen=True)
class Waiting:
    """A file that waits for a reviewer, with what the wiki said and what each decision would do."""

    record_id: str
    filename: str
    code: str
    message: str
    acceptable: bool
    advice: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _advice(row: FileRow) -> tuple[bool, str]:
    code = row.error_code or ""
    if code in NOT_ACCEPTABLE:
        return False, NOT_ACCEPTABLE[code]
    return True, (
        f"--accept uploads it past the '{code}' warning (only that one, for this file name); "
        "--skip leaves it out of the batch"
    )


def _open(state_path: Path, *, read_only: bool = False, batch_id: str | None = None) -> BatchState:
    if not state_path.exists():
        raise ConfigError(
            "nothing uploaded yet, so nothing to review",
            file=state_path,
            hint="run `glamupload upload` first",
        )
    return BatchState(state_path, read_only=read_only, batch_id=batch_id)


def waiting(state_path: Path, batch_id: str | None = None) -> list[Waiting]:
    """The batch's files that need review, in plan order (reads the state database only; with the
    batch's id, refused when the state is another batch's)."""
    with _open(state_path, read_only=True, batch_id=batch_id) as db:  # works beside a running upload
        rows = db.rows([FileStatus.NEEDS_REVIEW])
    return [
        Waiting(r.record_id, r.filename, r.error_code or "", r.error_message or "", *_advice(r)) for r in rows
    ]


def decide(
    state_path: Path,
    decisions: Mapping[str, Decision],
    *,
    reviewer: str,
    reason: str,
    batch_id: str | None = None,
) -> list[FileRow]:
    """Apply ``decisions`` (record id → ``accept`` or ``skip``) to every needs-review file of those
    records, in one transaction; returns the rows decided.

    Everything is checked before anything is written: an unknown record, a record with no file that
    needs review, or a file that cannot be accepted (``NOT_ACCEPTABLE``) is a ``ConfigError`` naming
    the record, and no decision is recorded.
    """
    who, why = _signed(reviewer, reason)
    with _open(state_path, batch_id=batch_id) as db:
        decided = _checked(db, decisions)
        db.decide(decided, who, why)
    return [row for row, _ in decided]


def _signed(reviewer: str, reason: str) -> tuple[str, str]:
    if not reviewer.strip() or not reason.strip():
        raise ConfigError("a decision needs the reviewer's name and a reason (--by and --reason)")
    return reviewer.strip(), reason.strip()


def _checked(db: BatchState, decisions: Mapping[str, Decision]) -> list[tuple[FileRow, Decision]]:
    """Each needs-review file of the decided records with its decision; nothing written."""
    decided: list[tuple[FileRow, Decision]] = []
    for record_id, decision in decisions.items():
        found = db.rows(only=[record_id])
        if not found:
            raise ConfigError("no such record in this batch's plan", record=record_id, file=db.path)
        needing = [r for r in found if r.status == FileStatus.NEEDS_REVIEW]
        if not needing:
            statuses = ", ".join(sorted({r.status.replace("_", " ") for r in found}))
            raise ConfigError(
                f"no file of this record needs review (it is {statuses})",
                record=record_id,
                hint="`glamupload review BATCH` lists the files that do",
            )
        for row in needing:
            acceptable, advice = _advice(row)
            if decision == Decision.ACCEPT and not acceptable:
                raise ConfigError(f"{row.filename} cannot be accepted: {advice}", record=record_id)
            decided.append((row, decision))
    return decided


@dataclass(frozen=True)
class Decided:
    """What ``decide_records`` recorded: licence decisions (the batch's decisions file) and decisions on
    files held back for a wiki warning (the state database), each file with its decision."""

    licences: list[LicenceDecision]
    files: list[tuple[FileRow, Decision]]


def decide_records(
    batch: BatchConfig,
    *,
    records: Mapping[str, DecisionName],
    groups: Mapping[str, DecisionName],
    reviewer: str,
    reason: str,
    wikitext: str = "",
) -> Decided:
    """A reviewer's decisions on records (id → accept/skip) and licence groups (``G…`` id → accept/skip),
    each recorded where the record waits: a record the upload state holds back for a wiki warning is
    decided there (as ``decide``), any other in the licence reviews (``decide_licences``).

    The state is opened once, as for ``decide`` (a running upload refuses it: ``StateInUse``, exit 7),
    and held until both are recorded; the state's decisions are checked before anything is written."""
    with ExitStack() as stack:  # before any upload there is no state: every decision is a licence one
        db = (
            stack.enter_context(_open(batch.state_path, batch_id=batch.batch_id))
            if batch.state_path.exists()
            else None
        )
        held = {row.record_id for row in db.rows([FileStatus.NEEDS_REVIEW])} if db is not None else set()
        warned = {
            record: Decision.ACCEPT if decision == "accept" else Decision.SKIP
            for record, decision in records.items()
            if record in held
        }
        decided = _checked(db, warned) if db is not None else []
        signed = _signed(reviewer, reason) if decided else None
        licence = {record: decision for record, decision in records.items() if record not in held}
        made = (
            decide_licences(
                batch, records=licence, groups=groups, reviewer=reviewer, reason=reason, wikitext=wikitext
            )
            if licence or groups
            else []
        )
        if db is not None and signed is not None:
            db.decide(decided, *signed)
    return Decided(made, decided)


# --- licence decisions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LicenceFile:
    """A file whose licence waits for a reviewer."""

    record_id: str
    filename: str
    reason: str


@dataclass(frozen=True)
class LicenceGroup:
    """Files that share one reason group (``Verdict.group``): one decision can settle them all."""

    id: str
    group: str
    files: tuple[LicenceFile, ...]

    def as_dict(self) -> dict[str, object]:
        files = [asdict(f) for f in self.files]
        return {"id": self.id, "group": self.group, "count": len(self.files), "files": files}


def licence_reviews(batch: BatchConfig) -> list[LicenceGroup]:
    """The files the licence engine sent to review (decisions already recorded applied), by group,
    largest group first. Plans the batch (the plan is where licences are judged)."""
    groups: dict[str, list[LicenceFile]] = {}
    for planned in plan_batch(batch):
        if planned.license.verdict == "review":
            found = LicenceFile(planned.record_id, planned.filename, planned.license.reason)
            groups.setdefault(planned.license.group, []).append(found)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    return [LicenceGroup(decisions.group_id(group), group, tuple(files)) for group, files in ordered]


def decide_licences(
    batch: BatchConfig,
    *,
    records: Mapping[str, DecisionName],
    groups: Mapping[str, DecisionName],
    reviewer: str,
    reason: str,
    wikitext: str = "",
    waiting: Sequence[LicenceGroup] | None = None,
) -> list[LicenceDecision]:
    """Record decisions on licence reviews, for records and for groups (by their ``G…`` id), in the
    batch's decisions file. Everything is checked before anything is written: a record or group that is
    not in review, an accept without a licence wikitext (or with one that is not free at both layers,
    or lacks a US status), a skip with one — each a ConfigError naming it."""
    pending = list(waiting) if waiting is not None else licence_reviews(batch)
    by_id = {g.id: g for g in pending}
    in_review = {f.record_id for g in pending for f in g.files}
    made: list[LicenceDecision] = []
    for record_id, decision in records.items():
        if record_id not in in_review:
            raise ConfigError(
                "no file of this record waits for a licence decision",
                record=record_id,
                hint="`glamupload review BATCH` lists the files that do",
            )
        made.append(_licence_decision(decision, reviewer, reason, wikitext, record_id=record_id))
    for key, decision in groups.items():
        if key not in by_id:
            raise ConfigError(
                f"no reason group {key!r} waits for a licence decision",
                hint="`glamupload review BATCH` lists the groups with their ids",
            )
        made.append(_licence_decision(decision, reviewer, reason, wikitext, group=by_id[key].group))
    decisions.record(batch.reviews_path, made)
    return made


def _licence_decision(
    decision: DecisionName,
    reviewer: str,
    reason: str,
    wikitext: str,
    *,
    record_id: str | None = None,
    group: str | None = None,
) -> LicenceDecision:
    if decision == "accept" and not wikitext.strip():
        raise ConfigError(
            "accepting a licence needs the licence wikitext you assert (--wikitext)",
            record=record_id,
            hint='e.g. --wikitext "{{PD-Art|PD-old-auto-expired|deathyear=1890}}"',
        )
    return decisions.make(
        decision=decision,
        reviewer=reviewer,
        reason=reason,
        record_id=record_id,
        group=group,
        wikitext=wikitext if decision == "accept" else "",
    )


# --- update conflicts (glamupload update) -----------------------------------------------------------------


@dataclass(frozen=True)
class UpdateConflict:
    """A part of an uploaded file that ``update`` left as the wiki has it: someone else changed it, and
    the new plan changes it too. A page's part (a parameter, ``licence``, ``template``) or its structured
    data's (``P170``, ``caption:sv``). ``accept`` makes the next ``update`` write the new value; ``skip``
    keeps the wiki's for good (until the plan changes the part again). Values as text, None: absent."""

    record_id: str
    title: str
    part: str
    base: str | None
    wiki: str | None
    new: str | None  #: the value a decision is taken on
    key: str  #: the file's row key: a record's files each have their conflicts
    structured_data: bool = False

    def as_dict(self) -> dict[str, object]:
        return {name: value for name, value in asdict(self).items() if name != "key"}


def update_conflicts(state_path: Path, batch_id: str | None = None) -> list[UpdateConflict]:
    """The update conflicts waiting for a reviewer, pages' then structured data's, each in plan order
    (reads the state database only)."""
    with _open(state_path, read_only=True, batch_id=batch_id) as db:  # beside a running upload
        found = [
            UpdateConflict(p.record_id, p.title, c.part, c.base, c.wiki, c.new, key=p.key)
            for p in db.page_problems()
            for c in p.conflicts
        ]
        found += [
            UpdateConflict(
                row.record_id,
                row.wiki_title or "",
                c.part,
                " | ".join(c.base) or None,
                " | ".join(c.existing),
                c.planned,
                structured_data=True,
                key=row.key,
            )
            for row in db.entity_rows([EntityStatus.CONFLICT])
            for c in row.conflicts
        ]
    return found


def decide_update_conflicts(
    state_path: Path,
    decisions: Mapping[tuple[str, str], Decision],
    *,
    reviewer: str,
    reason: str,
    batch_id: str | None = None,
) -> list[UpdateConflict]:
    """Apply ``decisions`` ((record id, part) → ``accept`` or ``skip``) to update conflicts, in one
    transaction; the next ``update`` acts on them. A decision holds for the part on each of the record's
    files that has the conflict. A (record, part) without a recorded conflict is a ``ConfigError`` naming
    it, and nothing is recorded."""
    if not reviewer.strip() or not reason.strip():
        raise ConfigError("a decision needs the reviewer's name and a reason (--by and --reason)")
    waiting: dict[tuple[str, str], list[UpdateConflict]] = {}
    for conflict in update_conflicts(state_path, batch_id):
        waiting.setdefault((conflict.record_id, conflict.part), []).append(conflict)
    with _open(state_path, batch_id=batch_id) as db:
        decided: list[tuple[str, str, str | None, Decision]] = []
        for (record_id, part), decision in decisions.items():
            found = waiting.get((record_id, part))
            if found is None:
                parts = sorted(p for r, p in waiting if r == record_id)
                raise ConfigError(
                    f"no update conflict on {part!r} for this record",
                    record=record_id,
                    hint=f"its conflicts: {', '.join(parts)}"
                    if parts
                    else "`glamupload review BATCH` lists them",
                )
            decided += [(conflict.key, part, conflict.new, decision) for conflict in found]
        db.decide_update_conflicts(decided, reviewer.strip(), reason.strip())
    return [conflict for item in decisions for conflict in waiting[item]]
