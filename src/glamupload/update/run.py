"""One update run over a batch's uploaded files: reconcile, read the wiki, merge three ways, edit.

Every file the state records as uploaded is looked at: its page on the wiki now (50 pages a request),
what glamupload last wrote there (kept in the state's ``pages`` table, or for a page never updated, the
upload itself, checked against the wiki) and the new plan. ``parts.merge`` decides what changes; each
page that changes gets one edit, marked in flight in the state before it is sent and settled after, so a
killed run resumes without editing a page twice for the same change (``reconcile`` asks the wiki which
of the in-flight edits were saved). Edits are paced under the account's edit rate limit, go through the
wiki layer's retries and maxlag, and carry ``baserevid``/``basetimestamp`` and ``nocreate``: an edit
someone makes meanwhile is never overwritten, and a deleted page is never recreated. After the pages,
the structured data glamupload wrote is updated by the same rule (``sdc.write.update_entities``).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from glamupload import conventions, pages, resources
from glamupload.config import BatchConfig
from glamupload.errors import ApiError, ConfigError
from glamupload.exitcodes import ExitStatus
from glamupload.plan import plan_batch
from glamupload.planned import PlannedFile
from glamupload.sdc.write import EntityUpdate, EntityUpdateOutcome, EntityWriter, update_entities
from glamupload.state import (
    BatchStatus,
    Conflict,
    FileRow,
    FileStatus,
    PageBase,
    PageRow,
    PageStatus,
    plan_keys,
)
from glamupload.update.parts import Change, PageParts, deletion_tag, merge, parts_of, summary
from glamupload.upload.pipeline import RatePacer
from glamupload.upload.run import StateRun
from glamupload.wiki import Wiki

#: Every edit's summary starts with this (followed by the batch's name and what changed).
SUMMARY_PREFIX = "glamupload update"
_REDIRECT = re.compile(r"^\s*#REDIRECT\s*:?\s*\[\[\s*([^\]|]+)", re.IGNORECASE)


class UpdateOutcome(StrEnum):
    """What an update run did with one uploaded file."""

    UPDATED = "updated"  #: one edit saved (conflicting parts, if any, left as the wiki has them)
    WOULD_UPDATE = "would_update"  #: a dry run: the edit that would be saved
    UNCHANGED = "unchanged"  #: nothing of glamupload's changed, or the page holds it already
    CONFLICT = "conflict"  #: every change of the plan conflicts with someone's edit: nothing saved
    NEEDS_PERSON = "needs_person"  #: held back for a person (licence got worse, plan errors, not ours)
    DELETED = "deleted"
    MOVED = "moved"
    FAILED = "failed"  #: the wiki refused the edit
    CHANGED_MEANWHILE = "changed_meanwhile"  #: edited on the wiki while the run worked: run again
    NOT_PLANNED = "not_planned"  #: the new plan has no such record (the page is left alone)


#: Outcomes that need a person, or another run, before the batch's pages are what the plan says.
_ATTENTION = frozenset(
    {
        UpdateOutcome.CONFLICT,
        UpdateOutcome.NEEDS_PERSON,
        UpdateOutcome.FAILED,
        UpdateOutcome.CHANGED_MEANWHILE,
    }
)

_ENTITY_ATTENTION = frozenset(
    {EntityUpdateOutcome.CONFLICT, EntityUpdateOutcome.FAILED, EntityUpdateOutcome.GONE}
)


@dataclass(frozen=True)
class FileUpdate:
    """One uploaded file's page in an update run: what was (or would be) changed, and why not."""

    record_id: str
    title: str
    outcome: UpdateOutcome
    summary: str = ""
    diff: str = ""  #: the wiki's text → the text saved (or, in a dry run, the one that would be)
    changes: tuple[Change, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    kept: tuple[str, ...] = ()  #: what others changed or added that the update keeps
    reason: str = ""
    deletion_tag: str | None = None
    revid: int | None = None  #: the revision saved

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "title": self.title,
            "outcome": self.outcome.value,
            "summary": self.summary,
            "diff": self.diff,
            "changes": [c.to_dict() for c in self.changes],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "kept": list(self.kept),
            "reason": self.reason,
            "deletion_tag": self.deletion_tag,
            "revid": self.revid,
        }


@dataclass(frozen=True)
class UpdateResult:
    """What an update run did, file by file, and where the batch stands afterwards."""

    batch: str
    wiki: str
    dry_run: bool
    files: tuple[FileUpdate, ...]
    status: BatchStatus
    interrupted: bool = False
    #: the structured data of files whose entity glamupload wrote and whose plan changed (after the pages)
    entities: tuple[EntityUpdate, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(f.outcome.value for f in self.files))

    @property
    def entity_counts(self) -> dict[str, int]:
        return dict(Counter(e.outcome.value for e in self.entities))

    @property
    def in_conflict(self) -> int:
        """Pages left with a conflict, whatever else was saved on them (``glamupload review`` decides)."""
        return sum(1 for f in self.files if f.conflicts)

    @property
    def exit_status(self) -> ExitStatus:
        """Interrupted; some page needs a person or another run (a conflict left on a page that was
        updated in its other parts too: the next run would say so); or all done."""
        if self.interrupted:
            return ExitStatus.INTERRUPTED
        if (
            self.in_conflict
            or any(f.outcome in _ATTENTION for f in self.files)
            or any(e.outcome in _ENTITY_ATTENTION for e in self.entities)
        ):
            return ExitStatus.RECORD_ERRORS
        return ExitStatus.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "wiki": self.wiki,
            "dry_run": self.dry_run,
            "interrupted": self.interrupted,
            "counts": self.counts,
            "in_conflict": self.in_conflict,
            "files": [f.to_dict() for f in self.files],
            "structured_data": {
                "counts": self.entity_counts,
                "files": [e.to_dict() for e in self.entities],
            },
            "status": self.status.to_dict(),
        }


@dataclass
class UpdateOptions:
    """Which files an update run looks at, and whether it writes."""

    only: Sequence[str] | None = None  #: only these record ids
    dry_run: bool = False  #: read and compare, write nothing (not even the state)


@functools.lru_cache(maxsize=1)
def deletion_tags() -> tuple[str, ...]:
    """The templates that tag a page for deletion (``mappings/deletion-tags.yaml``)."""
    path = resources.mappings_dir() / "deletion-tags.yaml"
    try:
        tags = yaml.safe_load(path.read_text(encoding="utf-8"))["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
            raise TypeError("tags must be a list of template names")
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ConfigError(f"the deletion-tag table is unreadable: {exc}", file=path) from None
    return tuple(tags)


def text_sha1(text: str) -> str:
    """The SHA-1 the wiki reports for a revision holding ``text``."""
    return hashlib.sha1(pages.saved_form(text).encode("utf-8")).hexdigest()


@dataclass
class _Base:
    """What glamupload last wrote on a page, as recorded (or found in the page's history)."""

    page: PageBase
    parts: PageParts


@dataclass
class _Context:
    """One run's inputs, gathered once."""

    plan: Mapping[str, PlannedFile]
    stored: dict[str, PageRow]
    current: Mapping[str, dict[str, Any] | None]
    account: str | None
    #: the revisions glamupload last wrote that the wiki no longer has: the page was deleted since (and
    #: perhaps made again, by someone else, with other bytes)
    gone: set[int] = field(default_factory=set)
    files: list[FileUpdate] = field(default_factory=list)


class UpdateRun(StateRun):
    """An update (or dry run) of a batch's uploaded files on one wiki.

    Opening it opens the batch's state and checks that it belongs to ``wiki`` (the state of a rehearsal
    on the sandbox never updates Commons); :meth:`run` does the rest.
    """

    def __init__(self, batch: BatchConfig, wiki: Wiki) -> None:
        if not batch.state_path.exists():
            raise ConfigError(
                "nothing uploaded yet, so nothing to update",
                file=batch.state_path,
                hint="run `glamupload upload` first",
            )
        super().__init__(batch, wiki)
        self.pacer = RatePacer(None, self._waiting)
        self.on_wait: Callable[[float, str], None] | None = None

    def _waiting(self, seconds: float, reason: str) -> None:
        if self.on_wait is not None:
            self.on_wait(seconds, reason)

    def run(
        self, options: UpdateOptions | None = None, *, on_file: Callable[[FileUpdate], None] | None = None
    ) -> UpdateResult:
        """Reconcile edits a killed run left in flight, then look at every uploaded file's page and
        edit those whose plan changed; Ctrl-C stops between two edits (the state is saved)."""
        options = options or UpdateOptions()
        self.wiki.on_wait = self._waiting
        account = pages.account_name(self.wiki)
        interrupted = False
        context: _Context | None = None
        entities: tuple[EntityUpdate, ...] = ()
        try:
            self.db.check_only(options.only)
            rows = self.db.rows([FileStatus.UPLOADED], only=options.only)
            if not options.dry_run:
                self._reconcile(rows, account)
                self._pace()
            stored = self.db.pages(r.key for r in rows)
            written = [p.base.revid for p in stored.values() if p.base.parts and p.base.revid is not None]
            context = _Context(
                self._plan(),
                stored,
                self.wiki.page_revisions(_title(r) for r in rows),
                account,
                self.wiki.missing_revisions(written) if written else set(),
            )
            for row in rows:
                done = self._one(row, context, options.dry_run)
                context.files.append(done)
                if on_file is not None:
                    on_file(done)
            entities = self._structured_data(rows, context.plan, options.dry_run)
        except KeyboardInterrupt:
            interrupted = True
        return UpdateResult(
            str(self.batch.path),
            self.wiki.target.name,
            options.dry_run,
            tuple(context.files if context else ()),
            self.db.status(interrupted=interrupted),
            interrupted,
            entities,
        )

    def _structured_data(
        self, rows: Sequence[FileRow], plan: Mapping[str, PlannedFile], dry_run: bool
    ) -> tuple[EntityUpdate, ...]:
        """The files' structured data by the same three-way rule, paced with the page edits (one
        ``wbeditentity`` per entity glamupload wrote whose plan changed; decision 0015)."""
        writer = EntityWriter(self.db, self.wiki, batch_name=self.batch.name, pacer=self.pacer)
        planned = {r.key: plan[r.key].structured_data for r in rows if r.key in plan}
        return update_entities(writer, planned, dry_run=dry_run)

    # --- before the run -----------------------------------------------------------------------------

    def _plan(self) -> dict[str, PlannedFile]:
        """The new plan by state row key (the keys the upload gave the same records)."""
        planned = list(plan_batch(self.batch))
        return dict(zip(plan_keys(p.record_id for p in planned), planned, strict=True))

    def _pace(self) -> None:
        """Space edits under the account's strictest edit rate limit (none: no waiting)."""
        limits = self.wiki.account_info().edit_limits
        strictest = min(limits, key=lambda limit: limit.hits / limit.seconds, default=None)
        self.pacer = RatePacer((strictest.hits, strictest.seconds) if strictest else None, self._waiting)

    def _reconcile(self, rows: Sequence[FileRow], account: str | None) -> None:
        """Settle pages a killed run left in flight, from the page's history: the edit was saved when a
        revision after its base is ours with the intended text (or our summary, when the wiki merged a
        concurrent edit into it); otherwise the page goes back to what glamupload wrote before."""
        stored = self.db.pages(r.key for r in rows)
        for row in rows:
            page = stored.get(row.key)
            if page is None or page.status != PageStatus.EDITING or page.intended is None:
                continue
            intended = page.intended
            saved = self._own_revision(page.title, intended, account)
            if saved is None:
                self.db.record_page(row.key, page.title, None, PageStatus.CURRENT)
                continue
            status = PageStatus.CONFLICT if page.conflicts else PageStatus.CURRENT
            self.db.record_page(
                row.key,
                page.title,
                PageBase(saved, intended.text, intended.parts),
                status,
                conflicts=page.conflicts,
                deletion_tag=page.deletion_tag,
            )

    def _own_revision(self, title: str, intended: PageBase, account: str | None) -> int | None:
        """The revision that saved ``intended`` after its base revision, if the wiki has one."""
        if intended.revid is None:
            return None
        sha1 = text_sha1(intended.text)
        for revision in self.wiki.revisions_after(title, intended.revid):
            ours = account is None or revision["user"] == account
            summary_ours = str(revision["comment"]).startswith(SUMMARY_PREFIX)
            if ours and (revision["sha1"] == sha1 or summary_ours):
                return int(revision["revid"])
        return None

    # --- one file -----------------------------------------------------------------------------------

    def _one(self, row: FileRow, context: _Context, dry_run: bool) -> FileUpdate:
        title = _title(row)
        stored = context.stored.get(row.key)
        current = context.current.get(title)
        if current is None:
            return self._gone(row, title, stored, dry_run)
        moved = _REDIRECT.match(current["text"] or "")
        if moved:
            target = moved.group(1).strip()
            return self._note(
                row, title, stored, PageStatus.MOVED, UpdateOutcome.MOVED, f"moved to {target}", dry_run
            )
        tag = deletion_tag(current["text"], deletion_tags())
        new = context.plan.get(row.key)
        if new is None:
            reason = "the new plan has no such record (removed from the export?): the page is left alone"
            return FileUpdate(
                row.record_id, title, UpdateOutcome.NOT_PLANNED, reason=reason, deletion_tag=tag
            )
        base = self._base(row, stored, current, context)
        if isinstance(base, str):
            return self._hold(row, title, stored, base, tag, dry_run)
        held = _held(row.planned, new)
        if held is not None:
            return self._hold(row, title, stored, held, tag, dry_run, base.page)
        wanted = parts_of(new)
        if wanted == base.parts:
            self._settle(row, title, stored, base.page, PageStatus.CURRENT, (), tag, dry_run)
            return FileUpdate(row.record_id, title, UpdateOutcome.UNCHANGED, deletion_tag=tag)
        merged = merge(base.parts, wanted, current["text"], self.db.update_decisions(row.key))
        result = FileUpdate(
            row.record_id,
            title,
            UpdateOutcome.UNCHANGED,
            conventions.load().edit_summary(summary(self.batch.name, merged.changes), self.batch.batch_id),
            changes=merged.changes,
            conflicts=merged.conflicts,
            kept=merged.kept,
            deletion_tag=tag,
        )
        status = PageStatus.CONFLICT if merged.conflicts else PageStatus.CURRENT
        if pages.same_text(merged.text, current["text"]):
            advanced = PageBase(base.page.revid, base.page.text, merged.parts.to_json())
            self._settle(row, title, stored, advanced, status, merged.conflicts, tag, dry_run)
            outcome = UpdateOutcome.CONFLICT if merged.conflicts else UpdateOutcome.UNCHANGED
            return replace(result, outcome=outcome)
        diff = pages.text_diff(
            current["text"],
            merged.text,
            f"{title} (wiki, revision {current['revid']} by {current['user']})",
            f"{title} (glamupload update)",
        )
        result = replace(result, diff=diff)
        if dry_run:
            return replace(result, outcome=UpdateOutcome.WOULD_UPDATE)
        intended = PageBase(int(current["revid"]), merged.text, merged.parts.to_json())
        self.db.start_page_edit(
            row.key, title, base.page, intended, conflicts=merged.conflicts, deletion_tag=tag
        )
        return self._edit(row, title, current, base.page, intended, result, status, context.account)

    def _edit(
        self,
        row: FileRow,
        title: str,
        current: Mapping[str, Any],
        base: PageBase,
        intended: PageBase,
        result: FileUpdate,
        status: PageStatus,
        account: str | None,
    ) -> FileUpdate:
        """Send the one edit (the row is in flight) and settle the row with what the wiki answered."""
        self.pacer.wait()
        try:
            reply = self.wiki.edit(
                title,
                intended.text,
                result.summary,
                base_revid=intended.revid,
                base_timestamp=current.get("timestamp"),
            )
        except ApiError as exc:
            return self._refused(row, title, result, exc)
        revid = reply.get("newrevid")
        if revid is None:  # "nochange": a retried request whose first attempt had saved the text
            revid = self._own_revision(title, intended, account) or intended.revid or 0
        saved = PageBase(int(revid), intended.text, intended.parts)
        self.db.record_page(
            row.key, title, saved, status, conflicts=result.conflicts, deletion_tag=result.deletion_tag
        )
        return replace(result, outcome=UpdateOutcome.UPDATED, revid=int(revid))

    def _refused(self, row: FileRow, title: str, result: FileUpdate, exc: ApiError) -> FileUpdate:
        """The wiki refused the edit: the page was deleted meanwhile, edited meanwhile, or protected
        or filtered (the wiki's code and message are kept)."""
        tag = result.deletion_tag
        if exc.code == "missingtitle":
            self.db.record_page(row.key, title, None, PageStatus.DELETED, message="deleted", deletion_tag=tag)
            return replace(result, outcome=UpdateOutcome.DELETED, reason="deleted while updating")
        if exc.code == "editconflict":
            reason = "edited on the wiki while glamupload was updating it: run `update` again"
            self.db.record_page(row.key, title, None, PageStatus.CURRENT, message=reason, deletion_tag=tag)
            return replace(result, outcome=UpdateOutcome.CHANGED_MEANWHILE, reason=reason)
        reason = f"{exc.code}: {exc.info}"
        self.db.record_page(row.key, title, None, PageStatus.FAILED, message=reason, deletion_tag=tag)
        return replace(result, outcome=UpdateOutcome.FAILED, reason=reason)

    def _base(
        self, row: FileRow, stored: PageRow | None, current: Mapping[str, Any], context: _Context
    ) -> _Base | str:
        """What glamupload last wrote: the state's record, or for a page never updated, the upload
        itself (the row's plan, frozen when it was uploaded), when the page's history shows it: the
        latest revision (no one edited since) or else the first one is glamupload's upload. A reason
        for a person when it is not (also when the revision glamupload wrote was deleted with the page:
        the page there now is another's, whatever its text)."""
        account = context.account
        if stored is not None and stored.base.parts:
            if stored.base.revid in context.gone:
                return (
                    f"revision {stored.base.revid}, which glamupload wrote, is no longer on the wiki: the "
                    "page was deleted and made again since (perhaps with another file), so it is not "
                    "glamupload's to update: look at it by hand"
                )
            return _Base(stored.base, PageParts.from_json(stored.base.parts))
        uploaded = row.planned.wikitext
        first: Mapping[str, Any] | None = current
        if not _by(current, account) or not pages.same_text(current["text"], uploaded):
            first = self.wiki.first_revision(_title(row))
        if first is None or not _by(first, account) or not pages.same_text(first["text"] or "", uploaded):
            who = f"revision {first['revid']} by {first['user']}" if first else "no revision"
            return (
                f"the page's first revision ({who}) is not the text glamupload uploaded, so glamupload "
                "cannot tell its own parts from others' edits: update the page by hand"
            )
        return _Base(
            PageBase(int(first["revid"]), uploaded, parts_of(row.planned).to_json()), parts_of(row.planned)
        )

    def _gone(self, row: FileRow, title: str, stored: PageRow | None, dry_run: bool) -> FileUpdate:
        """The page is missing: deleted, or moved without leaving a redirect (the logs tell which)."""
        event = self.wiki.last_log_event(title)
        if event is not None and event.get("type") == "move":
            target = (event.get("params") or {}).get("target_title", "?")
            reason = f"moved to {target} by {event.get('user')} on {str(event.get('timestamp'))[:10]}"
            return self._note(row, title, stored, PageStatus.MOVED, UpdateOutcome.MOVED, reason, dry_run)
        reason = "deleted"
        if event is not None:
            reason += f" by {event.get('user')} on {str(event.get('timestamp'))[:10]}"
            reason += f": {event['comment']}" if event.get("comment") else ""
        return self._note(row, title, stored, PageStatus.DELETED, UpdateOutcome.DELETED, reason, dry_run)

    def _note(
        self,
        row: FileRow,
        title: str,
        stored: PageRow | None,
        status: PageStatus,
        outcome: UpdateOutcome,
        reason: str,
        dry_run: bool,
    ) -> FileUpdate:
        """Record a page that is gone or moved (never edited; never recreated)."""
        if not dry_run and (stored is None or (stored.status, stored.message) != (status, reason)):
            self.db.record_page(row.key, title, None, status, message=reason)
        return FileUpdate(row.record_id, title, outcome, reason=reason)

    def _hold(
        self,
        row: FileRow,
        title: str,
        stored: PageRow | None,
        reason: str,
        tag: str | None,
        dry_run: bool,
        base: PageBase | None = None,
    ) -> FileUpdate:
        """Leave the page for a person, with the reason (recorded in the state)."""
        if not dry_run:
            recorded = None if stored is None else (stored.status, stored.message, stored.deletion_tag)
            if recorded != (PageStatus.NEEDS_PERSON, reason, tag):
                self.db.record_page(
                    row.key, title, base, PageStatus.NEEDS_PERSON, message=reason, deletion_tag=tag
                )
        return FileUpdate(row.record_id, title, UpdateOutcome.NEEDS_PERSON, reason=reason, deletion_tag=tag)

    def _settle(
        self,
        row: FileRow,
        title: str,
        stored: PageRow | None,
        base: PageBase,
        status: PageStatus,
        conflicts: Sequence[Conflict],
        tag: str | None,
        dry_run: bool,
    ) -> None:
        """Record a page no edit was needed for, unless the state says exactly that already."""
        if dry_run:
            return
        same = stored is not None and (
            stored.base,
            stored.status,
            stored.conflicts,
            stored.deletion_tag,
            stored.message,
        ) == (base, status, tuple(conflicts), tag, None)
        if not same:
            self.db.record_page(row.key, title, base, status, conflicts=conflicts, deletion_tag=tag)


def _title(row: FileRow) -> str:
    return row.wiki_title or f"File:{row.filename}"


def _by(revision: Mapping[str, Any] | None, account: str | None) -> bool:
    """Whether a revision is the account's (any, when reading without a login)."""
    return revision is not None and (account is None or revision.get("user") == account)


def _held(uploaded: PlannedFile, new: PlannedFile) -> str | None:
    """Why the new plan must not be applied without a person: its errors, or a licence that was
    accepted when the file was uploaded and is not now."""
    if new.errors:
        return "the new plan has errors: " + "; ".join(p.message for p in new.errors)
    if uploaded.license.accepted and not new.license.accepted:
        was = uploaded.license.wikitext.strip() or uploaded.license.verdict
        return (
            f"the licence got worse: {was} was accepted at upload, the new plan says "
            f"{new.license.verdict} ({new.license.reason or 'no accepted licence'}); a person must decide "
            "(correct the export, or ask for the file's deletion)"
        )
    return None


def default_report_path(batch: BatchConfig) -> Path:
    """Where ``update --dry-run`` writes its report unless told: beside the state database."""
    return batch.state_path.with_name(batch.state_path.stem + ".update-report.md")
