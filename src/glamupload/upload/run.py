"""A batch's upload run, from the batch config to the summary: the state opened once and bound to one
wiki, the plan's inputs fingerprinted once, the plan stored (or replaced) when needed, then the
pipeline. The CLI asks this object what it needs to confirm, then makes one call.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import TracebackType
from typing import Self

from glamupload import maintenance, pages, state
from glamupload.config import BatchConfig
from glamupload.errors import ConfigError, WikiError
from glamupload.plan import plan_batch
from glamupload.state import BatchState, BatchStatus, FileStatus
from glamupload.upload.options import ProgressCallback, UploadOptions
from glamupload.upload.pipeline import Uploader
from glamupload.wiki import Wiki


class PlanChanged(ConfigError):
    """The export, crosswalk or config changed since the plan was stored; ``changed`` names them."""

    def __init__(self, changed: list[str], batch_path: Path) -> None:
        super().__init__(
            "the plan changed since the upload started: " + ", ".join(changed) + " differ",
            file=batch_path,
            hint="run again with --replan to upload from the new plan (files already uploaded are kept)",
        )
        self.changed = changed


def batch_fingerprint(batch: BatchConfig, db: BatchState | None = None) -> dict[str, str]:
    """Hashes of what the plan is made from: config, export, crosswalk, lookups, overrides, reviewers'
    licence decisions, templates. With the batch's state ``db``, an input whose files look as they did
    (size, modification time, inode) when it last hashed them is not read again."""
    paths: dict[str, Path | None] = {
        "config": batch.path,
        "export": batch.export_path,
        "crosswalk": batch.crosswalk_path,
        "overrides": batch.overrides_path,
        "reviews": batch.reviews_path if batch.reviews_path.exists() else None,
        "templates": batch.templates_dir,
    }
    paths.update({f"lookup {name}": path for name, path in batch.lookups.items()})
    if db is None:
        return state.fingerprint(paths)
    known = json.loads(db.meta(FINGERPRINT_CACHE) or "{}")
    before = json.dumps(known, sort_keys=True)
    found = state.fingerprint(paths, known)
    if json.dumps(known, sort_keys=True) != before:
        db.set_meta(FINGERPRINT_CACHE, json.dumps(known, sort_keys=True))
    return found


#: The state's meta key for what ``batch_fingerprint`` last read (so an unchanged export is not read again).
FINGERPRINT_CACHE = "fingerprint_files"


class StateRun:
    """A run over a batch's state bound to one wiki: the state is opened once, tied to the wiki (a state
    belongs to one wiki: :func:`bind_to_wiki`) and closed with the run. Upload and update runs are these."""

    def __init__(self, batch: BatchConfig, wiki: Wiki) -> None:
        self.batch = batch
        self.wiki = wiki
        self.db = BatchState(batch.state_path, batch_id=batch.batch_id)
        try:
            bind_to_wiki(self.db, wiki, batch.state_path)
        except BaseException:
            self.db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()


class UploadRun(StateRun):
    """One upload (or resume) of a batch to one wiki.

    Opening it opens the batch's state, ties it to the wiki and compares the plan's inputs with the
    stored plan, so a caller can ask ``first_run`` and ``plan_changes`` (and ask a person) before
    anything is planned or sent; :meth:`upload` then does the rest.
    """

    def __init__(self, batch: BatchConfig, wiki: Wiki) -> None:
        super().__init__(batch, wiki)
        try:
            self.fingerprint = batch_fingerprint(batch, self.db)
        except BaseException:
            self.close()
            raise
        #: No plan is stored yet: this run plans the batch and checks the pages it needs.
        self.first_run = not self.db.has_plan
        #: The inputs that differ from the stored plan's (empty on a first run).
        self.plan_changes = [] if self.first_run else self.db.plan_changes(self.fingerprint)
        self._prepared = False

    def prepare(self, *, replan: bool = False) -> None:
        """Store the plan when there is none yet, or (``replan``) when its inputs changed; PlanChanged
        when they changed and ``replan`` is not given. Finished rows are never touched by a replan."""
        if self.plan_changes and not replan:
            raise PlanChanged(self.plan_changes, self.batch.path)
        if not self._prepared and (self.first_run or self.plan_changes):
            self.db.store_plan(plan_batch(self.batch), self.fingerprint)
        self._prepared = True

    def upload(
        self, options: UploadOptions, *, replan: bool = False, progress: ProgressCallback | None = None
    ) -> BatchStatus:
        """Plan when needed (:meth:`prepare`), then reconcile, preflight and upload; the batch's status
        afterwards."""
        options.check(self.wiki)
        self.prepare(replan=replan)
        uploader = Uploader(
            self.db,
            self.wiki,
            batch_name=self.batch.name,
            image_roots=self.batch.image_roots,
            allow_outside_root=self.batch.model.images.allow_outside_root,
            options=options,
            progress=progress,
            batch_id=self.batch.batch_id,
        )
        if self.first_run:  # a resume must start at once: the pages were checked when the batch began
            waiting = [row.planned for row in self.db.iter_rows([FileStatus.PENDING])]
            warning = pages.missing_pages_warning(self.batch, self.wiki, files=waiting) if waiting else None
            if warning:
                uploader.emit("warning", warning)
        status = uploader.run()
        if status.interrupted:  # a stop ends the run now: no more questions to the wiki (it may be down)
            return status
        return dataclasses.replace(status, maintenance=self._maintenance(uploader))

    def _maintenance(self, uploader: Uploader) -> tuple[maintenance.MaintenancePage, ...]:
        """The files this run uploaded that the wiki files into maintenance categories (a misspelled
        parameter, no machine-readable licence or author…): reported, never fatal for the upload."""
        if not uploader.uploaded:
            return ()
        try:
            return maintenance.uploaded_in_maintenance(self.wiki, uploader.uploaded)
        except WikiError as exc:
            uploader.emit("warning", f"could not ask the wiki which uploaded pages need maintenance: {exc}")
            return ()


def bind_to_wiki(db: BatchState, wiki: Wiki, state_path: Path) -> None:
    """Tie a state database to the wiki its uploads went to.

    Finished rows mean "on this wiki": reusing the state for another wiki (rehearsing on the sandbox,
    then uploading to Commons) would skip every file, so that is refused with a way out.
    """
    recorded = db.meta("wiki")
    if recorded is None:
        db.set_meta("wiki", wiki.target.identity)
    elif recorded != wiki.target.identity:
        reset = recorded.split(" (sandbox")[0] == wiki.target.api
        raise ConfigError(
            f"this state database records uploads to {recorded}, not to {wiki.target.identity}"
            + (" (the sandbox was reset since)" if reset else ""),
            file=state_path,
            hint=(
                f"the uploads it records are gone with the old sandbox: delete {state_path} to start over"
                if reset
                else "each wiki needs its own state: pass --state with another file, "
                f"e.g. --state {state_path.with_name(f'{state_path.stem}-{wiki.target.name}.sqlite')}"
            ),
        )


def batch_status(batch: BatchConfig) -> BatchStatus:
    """Where a batch's upload stands (counts per status, the problems with their reasons). Never
    contacts the wiki, never creates a state database, and reads beside a running upload."""
    if not batch.state_path.exists():
        counts = {**{s.value: 0 for s in FileStatus}, "total": 0}
        return BatchStatus(str(batch.state_path), False, counts, ())
    with BatchState(batch.state_path, read_only=True, batch_id=batch.batch_id) as db:
        return db.status()
