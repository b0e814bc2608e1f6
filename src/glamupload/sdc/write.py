"""``glamupload sdc``: write each uploaded file's planned structured data to its MediaInfo entity, once.

One ``wbeditentity`` per file on ``M<page id>`` with every caption and statement in one revision and the
entity's ``baserevid``, through :meth:`Wiki.call` (maxlag, retries with backoff, a new token after
``badtoken``), paced to the account's edit rate limit. The upload state keeps each file's entity status
(decision 0018): a write is marked in flight before the wiki is asked, and every write starts by reading
the entity and merging (:mod:`glamupload.sdc.merge`) three ways with what glamupload last wrote there
(the state's base), so a run killed at any moment resumes without writing anything twice — what already
landed is found and not sent again. ``update_entities`` is ``glamupload update``'s structured-data step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from glamupload import __version__
from glamupload.config import BatchConfig
from glamupload.errors import ApiError, WikiError
from glamupload.exitcodes import ExitStatus
from glamupload.sdc.merge import Change, Conflict, Decided, Edit, merge
from glamupload.sdc.model import StructuredData
from glamupload.state import BatchState, Decision, EntityOutcome, EntityRow, EntityStatus
from glamupload.upload.pipeline import RatePacer
from glamupload.upload.run import UploadRun
from glamupload.wiki import Wiki

#: How often one file's write is read, merged and sent again after ``edit-conflict``.
CONFLICT_RETRIES = 3
_GONE = "the file page is gone"
SUMMARY = "Structured data from batch {batch} with glamupload " + __version__


@dataclass
class SdcOptions:
    """How a run writes; the defaults suit Commons."""

    limit: int | None = None  #: write at most this many entities in this run
    only: Sequence[str] | None = None  #: only these record ids
    retry_failed: bool = False  #: failed entities are tried again
    summary: str = SUMMARY


@dataclass(frozen=True)
class EntityProblem:
    """An entity that needs a person: a conflict, a failure, a deleted file page."""

    record_id: str
    title: str | None
    status: EntityStatus
    code: str | None
    message: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "title": self.title,
            "status": self.status.value,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True)
class SdcStatus:
    """Where a batch's structured data stands: the schema of ``sdc --json``."""

    counts: dict[str, int]  #: per ``EntityStatus``, of uploaded files with planned structured data
    problems: tuple[EntityProblem, ...]
    this_run: dict[str, int] = field(default_factory=dict)
    interrupted: bool = False

    @property
    def exit_status(self) -> ExitStatus:
        if self.interrupted:
            return ExitStatus.INTERRUPTED
        if self.problems:
            return ExitStatus.RECORD_ERRORS
        return ExitStatus.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "this_run": self.this_run,
            "interrupted": self.interrupted,
            "problems": [p.to_dict() for p in self.problems],
        }


ATTENTION = (EntityStatus.CONFLICT, EntityStatus.FAILED, EntityStatus.GONE)


class EntityWriter:
    """One run over a state's entities: the uploaded files whose planned structured data is not written."""

    def __init__(
        self,
        db: BatchState,
        wiki: Wiki,
        *,
        batch_name: str,
        options: SdcOptions | None = None,
        notify: Callable[[str], None] | None = None,
        pacer: RatePacer | None = None,
    ) -> None:
        """``pacer``: a caller's pacer (``update`` paces page and entity edits as one); without one, the
        run paces itself and reports the wiki layer's waits through ``notify``."""
        self.db = db
        self.wiki = wiki
        self.options = options or SdcOptions()
        self.batch_name = batch_name
        self.notify = notify or (lambda message: None)
        self.done: dict[str, int] = {}
        if pacer is None:
            wiki.on_wait = self._waiting
        self.pacer = pacer or RatePacer(None, self._waiting)

    def _waiting(self, seconds: float, reason: str) -> None:
        self.notify(f"waiting {seconds:.0f} s: {reason}")

    def run(self) -> SdcStatus:
        """Write what is not written yet; Ctrl-C stops between two requests (the state is saved)."""
        interrupted = False
        statuses = [EntityStatus.PENDING, EntityStatus.WRITING]
        if self.options.retry_failed:
            statuses.append(EntityStatus.FAILED)
        self.db.check_only(self.options.only)
        rows = self.db.entity_rows(statuses, only=self.options.only)
        if self.options.limit is not None:
            rows = rows[: self.options.limit]
        try:
            if rows:
                self.pacer = RatePacer(self.wiki.edit_limit(), self._waiting)
                page_ids = self.wiki.page_ids(r.wiki_title for r in rows if r.wiki_title)
                for row in rows:
                    outcome, _ = self.write_or_gone(row, page_ids.get(row.wiki_title or ""))
                    self.done[outcome.status] = self.done.get(outcome.status, 0) + 1
                    self.notify(f"{row.wiki_title}: {outcome.status}")
        except KeyboardInterrupt:
            interrupted = True
        return status_of(self.db, self.done, interrupted)

    def write_or_gone(self, row: EntityRow, page_id: int | None) -> tuple[EntityOutcome, Edit | None]:
        """Write one file's entity and settle its row; a file page the wiki no longer has is gone."""
        edit: Edit | None = None
        if page_id is None:
            outcome = EntityOutcome(EntityStatus.GONE, code="missingtitle", message=_GONE)
        else:
            outcome, edit = self.write(row, f"M{page_id}")
        self.db.finish_entity(row.key, outcome)
        return outcome, edit

    def read(self, entity_id: str) -> dict[str, Any] | None:
        """The entity as the wiki holds it now; a wiki without the MediaInfo API says so."""
        try:
            return self.wiki.entity(entity_id)
        except ApiError as exc:
            if exc.code == "badvalue" and "action" in exc.info:  # MediaWiki without WikibaseMediaInfo
                raise WikiError(
                    "no-mediainfo",
                    f"{self.wiki.target.api} has no MediaInfo API (WikibaseMediaInfo is not installed): "
                    "structured data can be written to Commons, not to this wiki",
                ) from None
            raise

    def write(self, row: EntityRow, entity_id: str) -> tuple[EntityOutcome, Edit | None]:
        """Read, merge and send one entity (again after ``edit-conflict``); the row is in flight meanwhile."""
        self.db.start_entity(row.key, entity_id)
        summary = self.options.summary.format(batch=self.batch_name, record=row.record_id)
        for _ in range(CONFLICT_RETRIES):
            try:
                entity = self.read(entity_id)
                edit = merge(row.base, entity, row.planned, decided(self.db, row.key))
                revid = int(entity["lastrevid"]) if entity and "lastrevid" in entity else None
                if edit.data:
                    self.pacer.wait()
                    reply = self.wiki.edit_entity(entity_id, edit.data, summary, base_revid=revid)
                    revid = int(reply["entity"]["lastrevid"])
            except ApiError as exc:
                if exc.code == "edit-conflict":
                    continue  # someone saved the entity since we read it: read and merge again
                if exc.code == "no-such-entity":
                    return EntityOutcome(EntityStatus.GONE, code=exc.code, message=exc.info), None
                return EntityOutcome(EntityStatus.FAILED, code=exc.code, message=exc.info), None
            if edit.conflicts:
                message = "; ".join(str(c) for c in edit.conflicts)
                outcome = EntityOutcome(
                    EntityStatus.CONFLICT, revid, "sdc-conflict", message, edit.base, edit.conflicts
                )
                return outcome, edit
            return EntityOutcome(EntityStatus.WRITTEN, revid, base=edit.base), edit
        message = f"the entity changed on every one of {CONFLICT_RETRIES} attempts"
        return EntityOutcome(EntityStatus.FAILED, code="edit-conflict", message=message), None


def decided(db: BatchState, key: str) -> Decided:
    """Reviewers' decisions on this file's structured-data conflicts (``glamupload review``)."""
    found = db.update_decisions(key)
    chosen = {
        choice: {part: d.value for part, d in found.items() if d.decision == choice and d.value is not None}
        for choice in Decision
    }
    return Decided(accept=chosen[Decision.ACCEPT], keep=chosen[Decision.SKIP])


def status_of(db: BatchState, this_run: dict[str, int] | None = None, interrupted: bool = False) -> SdcStatus:
    """Counts per entity status and the entities that need a person."""
    problems = tuple(
        EntityProblem(r.record_id, r.wiki_title, r.status, r.error_code, r.error_message)
        for r in db.entity_rows(ATTENTION)
    )
    return SdcStatus(db.entity_counts(), problems, dict(this_run or {}), interrupted)


def write_batch(
    batch: BatchConfig,
    wiki: Wiki,
    options: SdcOptions | None = None,
    *,
    replan: bool = False,
    notify: Callable[[str], None] | None = None,
) -> SdcStatus:
    """The batch's structured-data run: the state bound to the wiki, the plan stored (or replaced with
    ``replan``: files uploaded earlier get the new plan's structured data), then the entities written."""
    with UploadRun(batch, wiki) as run:
        run.prepare(replan=replan)
        return EntityWriter(run.db, wiki, batch_name=batch.name, options=options, notify=notify).run()


class EntityUpdateOutcome(StrEnum):
    """What ``glamupload update`` did with one file's structured data."""

    WRITTEN = "written"  #: one ``wbeditentity`` saved (conflicting parts left as the wiki has them)
    WOULD_WRITE = "would_write"  #: a dry run: the edit that would be saved
    UNCHANGED = "unchanged"  #: the entity holds the new plan already
    CONFLICT = "conflict"  #: every change conflicts with someone's edit: nothing saved
    FAILED = "failed"
    GONE = "gone"


@dataclass(frozen=True)
class EntityUpdate:
    """One file's structured data in an update run: what changed (or would), and what conflicts."""

    record_id: str
    title: str | None
    outcome: EntityUpdateOutcome
    changes: tuple[Change, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "title": self.title,
            "outcome": self.outcome.value,
            "changes": [c.to_dict() for c in self.changes],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "message": self.message,
        }


def update_entities(
    writer: EntityWriter, planned: Mapping[str, StructuredData | None], *, dry_run: bool
) -> tuple[EntityUpdate, ...]:
    """``update``'s structured-data step over these rows (state key → the new plan's data): every
    entity glamupload wrote whose new plan differs from what it wrote (the base), or whose write a killed
    run left in flight, is merged three ways and written once. Entities never written are ``sdc``'s
    (their rows take the new plan, so ``glamupload sdc`` writes it). A dry run reads and writes nothing."""
    if not dry_run:
        writer.db.replan_entities(planned)
    rows = []
    for row in writer.db.entity_rows([s for s in EntityStatus if s != EntityStatus.GONE]):
        new = planned.get(row.key)
        if row.key not in planned or row.base is None or new is None:
            continue
        if row.status == EntityStatus.WRITING or new.digest() != row.base.digest():
            rows.append(replace(row, planned=new))
    if not rows:
        return ()
    page_ids = writer.wiki.page_ids(r.wiki_title for r in rows if r.wiki_title)
    return tuple(_update_one(writer, row, page_ids.get(row.wiki_title or ""), dry_run) for row in rows)


def _update_one(writer: EntityWriter, row: EntityRow, page_id: int | None, dry_run: bool) -> EntityUpdate:
    if dry_run and page_id is None:
        return EntityUpdate(row.record_id, row.wiki_title, EntityUpdateOutcome.GONE, message=_GONE)
    if dry_run:
        preview = merge(row.base, writer.read(f"M{page_id}"), row.planned, decided(writer.db, row.key))
        outcome = EntityUpdateOutcome.WOULD_WRITE if preview.data else _settled(preview)
        return EntityUpdate(row.record_id, row.wiki_title, outcome, preview.changes, preview.conflicts)
    done, edit = writer.write_or_gone(row, page_id)
    if edit is None:
        return EntityUpdate(
            row.record_id, row.wiki_title, EntityUpdateOutcome(done.status), message=done.message
        )
    outcome = EntityUpdateOutcome.WRITTEN if edit.data else _settled(edit)
    return EntityUpdate(row.record_id, row.wiki_title, outcome, edit.changes, edit.conflicts, done.message)


def _settled(edit: Edit) -> EntityUpdateOutcome:
    return EntityUpdateOutcome.CONFLICT if edit.conflicts else EntityUpdateOutcome.UNCHANGED
