"""The upload state of one batch: a SQLite database that always knows where the batch stands.

Uploads of tens of thousands of files run for days and get interrupted (Ctrl-C, crashes, sleeping
laptops). The database holds the plan (stored once, with a fingerprint of what it was made from) and
one row per planned file with its status. Every status change is one transaction, written *before*
the wiki is asked to do anything irreversible, so after any interruption each row is either finished,
untouched, or marked in flight (``uploading``) and reconciled with the wiki on the next run.
"""

from __future__ import annotations

import difflib
import fcntl
import glob
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from glamupload.errors import ConfigError, LocalFileError, StateError, StateInUse
from glamupload.exitcodes import ExitStatus
from glamupload.planned import PlannedFile
from glamupload.readers.folder import glob_base, is_glob
from glamupload.sdc.merge import Conflict as EntityConflict
from glamupload.sdc.model import StructuredData

if TYPE_CHECKING:  # maintenance talks to the wiki; the state only carries its findings
    from glamupload.maintenance import MaintenancePage

SCHEMA_VERSION = 1
#: Seconds a write waits for another program's lock on the database (glamupload's own runs never
#: meet: the state lock lets one process at a time write).
BUSY_TIMEOUT = 5.0


class FileStatus(StrEnum):
    """Where one planned file stands."""

    PENDING = "pending"
    UPLOADING = "uploading"  #: in flight: the wiki may or may not have the file; reconcile before going on
    UPLOADED = "uploaded"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    SKIPPED = "skipped"
    NEEDS_REVIEW = "needs_review"


#: Statuses a run never touches again (a replan keeps them too).
FINISHED = frozenset({FileStatus.UPLOADED, FileStatus.DUPLICATE})
#: Statuses that need a person's attention, listed with their reasons.
ATTENTION = (FileStatus.FAILED, FileStatus.NEEDS_REVIEW, FileStatus.SKIPPED)


class OutcomeCode(StrEnum):
    """glamupload's own reasons for an outcome (beside these, a row may carry the wiki's API error code
    or upload warning key, and an image problem's ``ProblemCode``)."""

    PLAN_ERROR = "plan-error"  #: the planned file has errors
    LICENSE_REJECT = "license-reject"
    LICENSE_REVIEW = "license-review"
    NO_SOURCE = "no-source"  #: the record names no image
    SOURCE = "source"  #: the image could not be read or downloaded
    MIME_MISMATCH = "mime-mismatch"  #: the bytes are not of the type the file name says
    TITLE_TAKEN = "title-taken"  #: the title holds another file
    DUPLICATE = "duplicate"  #: the same bytes are on the wiki under another name
    SHA1_MISMATCH = "sha1-mismatch"  #: after publishing, the wiki holds other bytes than ours
    UNEXPECTED_REPLY = "unexpected-reply"
    SKIPPED_BY_REVIEW = "skipped-by-review"


class Decision(StrEnum):
    """A reviewer's decision on a file the wiki's warnings held back (accept: upload past the warning;
    skip: leave the file out), or on an update conflict (accept: write the new plan's value; skip: keep
    the wiki's value and stop proposing this one)."""

    ACCEPT = "accept"
    SKIP = "skip"


class PageStatus(StrEnum):
    """Where an uploaded file's page stands for ``glamupload update`` (docs/update.md)."""

    CURRENT = "current"  #: the page holds glamupload's parts of the plan it last applied
    EDITING = "editing"  #: in flight: the edit may or may not have been saved; reconcile before going on
    CONFLICT = "conflict"  #: parts someone else changed that the new plan changes too: kept, listed
    NEEDS_PERSON = "needs_person"  #: not updated: licence got worse, plan errors, or not glamupload's page
    FAILED = "failed"  #: the wiki refused the edit
    DELETED = "deleted"  #: the page is gone (never recreated)
    MOVED = "moved"  #: the file was renamed on the wiki


#: Page statuses listed with their reasons (beside any page tagged for deletion).
PAGE_ATTENTION = (
    PageStatus.CONFLICT,
    PageStatus.NEEDS_PERSON,
    PageStatus.FAILED,
    PageStatus.DELETED,
    PageStatus.MOVED,
)
#: The page count of files tagged for deletion, beside the counts per ``PageStatus``.
TAGGED = "tagged_for_deletion"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    record_id TEXT NOT NULL,
    filename TEXT NOT NULL,
    source TEXT NOT NULL,
    planned TEXT NOT NULL,
    size INTEGER,
    sha1 TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    wiki_title TEXT,
    filekey TEXT,
    stash_offset INTEGER,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS files_status ON files (status);
CREATE INDEX IF NOT EXISTS files_record ON files (record_id);
CREATE INDEX IF NOT EXISTS files_sha1 ON files (sha1);
CREATE TABLE IF NOT EXISTS entities (
    key TEXT PRIMARY KEY,
    planned TEXT NOT NULL,
    digest TEXT NOT NULL,
    status TEXT NOT NULL,
    written_digest TEXT,
    entity TEXT,
    revid INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    updated TEXT NOT NULL,
    base TEXT,
    conflicts TEXT
);
CREATE TABLE IF NOT EXISTS pages (
    key TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    revid INTEGER,
    text TEXT NOT NULL,
    parts TEXT NOT NULL,
    status TEXT NOT NULL,
    deletion_tag TEXT,
    conflicts TEXT NOT NULL DEFAULT '[]',
    message TEXT,
    intended_text TEXT,
    intended_parts TEXT,
    base_revid INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pages_status ON pages (status);
CREATE TABLE IF NOT EXISTS page_decisions (
    key TEXT NOT NULL,
    part TEXT NOT NULL,
    value TEXT NOT NULL,
    decision TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided TEXT NOT NULL,
    PRIMARY KEY (key, part)
);
CREATE TABLE IF NOT EXISTS reviews (
    key TEXT NOT NULL,
    filename TEXT NOT NULL,
    warning TEXT NOT NULL,
    decision TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided TEXT NOT NULL,
    PRIMARY KEY (key, filename, warning)
);
"""


class EntityStatus(StrEnum):
    """Where one uploaded file's structured data stands (the ``entities`` table)."""

    PENDING = "pending"
    #: in flight: the wiki may hold the edit; the next run merges again, which adds nothing twice
    WRITING = "writing"
    WRITTEN = "written"
    CONFLICT = "conflict"  #: written except statements others gave another value; those are reported
    FAILED = "failed"
    GONE = "gone"  #: the wiki has no such entity: the file page was deleted


@dataclass(frozen=True)
class EntityRow:
    """An uploaded file's planned structured data and where its write stands."""

    key: str
    record_id: str
    wiki_title: str | None
    planned: StructuredData
    digest: str
    status: EntityStatus
    entity: str | None
    revid: int | None
    attempts: int
    error_code: str | None
    error_message: str | None
    #: what glamupload last wrote to the entity (the three-way merge's base); None: never written
    base: StructuredData | None = None
    conflicts: tuple[EntityConflict, ...] = ()  #: the last write's (status ``conflict``)

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> EntityRow:
        values = dict(row)
        values["planned"] = StructuredData.from_data(json.loads(values["planned"]))
        values["base"] = StructuredData.from_data(json.loads(values["base"])) if values["base"] else None
        values["status"] = EntityStatus(values["status"])
        values["conflicts"] = tuple(
            EntityConflict.from_dict(c) for c in json.loads(values["conflicts"] or "[]")
        )
        return cls(**values)


@dataclass(frozen=True)
class EntityOutcome:
    """How an entity write ends: its status, the revision written (if any), and why."""

    status: EntityStatus
    revid: int | None = None
    code: str | None = None
    message: str | None = None
    base: StructuredData | None = None  #: glamupload's data on the entity now (written, conflict)
    conflicts: tuple[EntityConflict, ...] = ()  #: what a reviewer may decide (``review``)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class FileRow:
    """One planned file and where it stands."""

    id: int
    key: str
    record_id: str
    filename: str
    source: str
    planned: PlannedFile
    size: int | None
    sha1: str | None
    status: FileStatus
    attempts: int
    error_code: str | None
    error_message: str | None
    wiki_title: str | None
    filekey: str | None
    stash_offset: int | None
    created: str
    updated: str

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> FileRow:
        values = dict(row)
        values["planned"] = PlannedFile.from_json(values["planned"])
        values["status"] = FileStatus(values["status"])
        return cls(**values)


@dataclass(frozen=True)
class Review:
    """A person's decision on one wiki warning for one file name: upload past it, or skip the file."""

    decision: Decision
    reviewer: str
    reason: str
    decided: str

    def describe(self) -> str:
        verb = "accepted" if self.decision == Decision.ACCEPT else "skipped"
        return f"{verb} by {self.reviewer} on {self.decided[:10]}: {self.reason}"


@dataclass(frozen=True)
class Outcome:
    """How a row ends (or goes back to pending): its status, the wiki title it refers to, and why."""

    status: FileStatus
    title: str | None = None
    code: str | None = None  #: an ``OutcomeCode``, an image ``ProblemCode``, or the wiki's own code
    message: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", FileStatus(self.status))  # an unknown status is a ValueError


@dataclass(frozen=True)
class RowProblem:
    """A row that needs attention (failed, needs review, skipped), with the reason."""

    record_id: str
    filename: str
    status: FileStatus
    code: str | None
    message: str | None
    wiki_title: str | None
    attempts: int

    @classmethod
    def of(cls, row: FileRow) -> RowProblem:
        return cls(
            row.record_id,
            row.filename,
            row.status,
            row.error_code,
            row.error_message,
            row.wiki_title,
            row.attempts,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "filename": self.filename,
            "status": self.status.value,
            "code": self.code,
            "message": self.message,
            "wiki_title": self.wiki_title,
            "attempts": self.attempts,
        }


@dataclass(frozen=True)
class Conflict:
    """A part of a file page that someone else changed and the new plan changes too: the value
    glamupload last wrote (``base``), the wiki's (``wiki``) and the new plan's (``new``); None is
    "absent". ``part`` is a template parameter's name, ``licence`` or ``template``."""

    part: str
    base: str | None
    wiki: str | None
    new: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"part": self.part, "base": self.base, "wiki": self.wiki, "new": self.new}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Conflict:
        return cls(str(data["part"]), data["base"], data["wiki"], data["new"])


def _conflicts_json(conflicts: Iterable[Conflict]) -> str:
    return json.dumps([c.to_dict() for c in conflicts], ensure_ascii=False)


@dataclass(frozen=True)
class PageBase:
    """What glamupload last wrote on a file page: its revision (None: the upload's, not looked up
    yet), the text saved and glamupload's own parts of it (serialised by ``glamupload.update``; empty
    when glamupload does not know them)."""

    revid: int | None
    text: str
    parts: str


@dataclass(frozen=True)
class PageRow:
    """An uploaded file's page as ``glamupload update`` last left it."""

    key: str
    title: str
    base: PageBase
    status: PageStatus
    deletion_tag: str | None
    conflicts: tuple[Conflict, ...]
    message: str | None
    #: in flight (``EDITING``): the text and parts being saved, ``revid`` the revision it is based on
    intended: PageBase | None
    attempts: int
    updated: str

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> PageRow:
        intended = None
        if row["intended_text"] is not None:
            intended = PageBase(row["base_revid"], row["intended_text"], row["intended_parts"] or "")
        return cls(
            row["key"],
            row["title"],
            PageBase(row["revid"], row["text"], row["parts"]),
            PageStatus(row["status"]),
            row["deletion_tag"],
            tuple(Conflict.from_dict(c) for c in json.loads(row["conflicts"])),
            row["message"],
            intended,
            int(row["attempts"]),
            row["updated"],
        )


@dataclass(frozen=True)
class UpdateDecision:
    """A reviewer's decision on one update conflict, for the new value it was taken on."""

    value: str | None
    decision: Decision
    reviewer: str
    reason: str
    decided: str


@dataclass(frozen=True)
class PageProblem:
    """A file page that needs attention after ``update`` (conflict, needs a person, refused edit,
    deleted, moved, or tagged for deletion), with the reason."""

    record_id: str
    title: str
    status: PageStatus
    deletion_tag: str | None
    message: str | None
    conflicts: tuple[Conflict, ...]
    key: str  #: the file's row key (a record's files have a page each)

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "title": self.title,
            "status": self.status.value,
            "deletion_tag": self.deletion_tag,
            "message": self.message,
            "conflicts": [c.to_dict() for c in self.conflicts],
        }


def empty_page_counts() -> dict[str, int]:
    """Page counts before ``update`` looked at any page: every ``PageStatus``, tagged and unchecked."""
    return {**{status.value: 0 for status in PageStatus}, TAGGED: 0, "unchecked": 0}


@dataclass(frozen=True)
class BatchStatus:
    """Where a batch's upload stands: the one schema of ``status --json`` and ``upload --json``."""

    state: str
    planned: bool
    counts: Mapping[str, int]  #: per ``FileStatus`` value, and ``total``
    problems: tuple[RowProblem, ...]
    this_run: Mapping[str, int] = field(default_factory=dict)  #: outcomes of an upload run, per status
    interrupted: bool = False
    #: Files whose bytes the run sent (what ``--limit`` counts; files found on the wiki are not sent).
    sent: int = 0
    #: Files whose licence rests on a person's word (a reviewer's decision, a declaration), per flag kind.
    licence_flags: Mapping[str, int] = field(default_factory=dict)
    #: uploaded files' pages as ``update`` last saw them: per ``PageStatus``, ``tagged_for_deletion`` and
    #: ``unchecked`` (uploaded, never looked at by ``update``)
    pages: Mapping[str, int] = field(default_factory=empty_page_counts)
    page_problems: tuple[PageProblem, ...] = ()
    #: After an upload run: the files it uploaded that the wiki files into maintenance categories.
    maintenance: tuple[MaintenancePage, ...] = ()

    @property
    def exit_status(self) -> ExitStatus:
        """Interrupted, some records failed (or need review), or all done."""
        if self.interrupted:
            return ExitStatus.INTERRUPTED
        if self.counts.get(FileStatus.FAILED) or self.counts.get(FileStatus.NEEDS_REVIEW):
            return ExitStatus.RECORD_ERRORS
        return ExitStatus.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "planned": self.planned,
            "counts": dict(self.counts),
            "this_run": dict(self.this_run),
            "interrupted": self.interrupted,
            "sent": self.sent,
            "licence_flags": dict(self.licence_flags),
            "problems": [p.to_dict() for p in self.problems],
            "pages": {"counts": dict(self.pages), "problems": [p.to_dict() for p in self.page_problems]},
            "maintenance": [page.to_dict() for page in self.maintenance],
        }


def fingerprint(paths: Mapping[str, Path | None], known: dict[str, Any] | None = None) -> dict[str, str]:
    """SHA-256 of each input the plan is made from (a folder hashes every file in it, a glob every file it
    matches, by name).

    ``known`` remembers, per input, each file's (size, modification time, inode) with the digest they
    gave: an input whose files all look the same again is not read again (a resume of a batch with a
    300 MB export starts at once). It is updated in place, for the caller to keep.
    """
    result: dict[str, str] = {}
    for name, path in paths.items():
        if path is None:
            continue
        pattern = is_glob(path)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file())
        else:
            files = sorted(Path(p) for p in glob.glob(str(path), recursive=True)) if pattern else [path]
        base = path if path.is_dir() else glob_base(path) if pattern else None
        labels = [str(file.relative_to(base) if base is not None else file.name) for file in files]
        looks = [[label, *_looks(file)] for label, file in zip(labels, files, strict=True)]
        remembered = (known or {}).get(name)
        if remembered is not None and remembered.get("files") == looks:
            result[name] = str(remembered["sha256"])
            continue
        digest = hashlib.sha256()
        for label, file in zip(labels, files, strict=True):
            digest.update(label.encode())
            if not file.exists():
                digest.update(b"<missing>")
                continue
            with file.open("rb") as fh:  # in blocks: the export may be gigabytes
                digest.update(fh.read(1 << 20))
                while block := fh.read(1 << 20):
                    digest.update(block)
        result[name] = digest.hexdigest()
        if known is not None:
            known[name] = {"files": looks, "sha256": result[name]}
    return result


def _looks(file: Path) -> list[int]:
    try:
        status = file.stat()
    except OSError:
        return [-1, -1, -1]
    return [status.st_size, status.st_mtime_ns, status.st_ino]


def plan_keys(record_ids: Iterable[str]) -> Iterator[str]:
    """Stable row keys: ``record id#n`` for a record's n-th planned file (records may have several images)."""
    seen: Counter[str] = Counter()
    for record_id in record_ids:
        seen[record_id] += 1
        yield f"{record_id}#{seen[record_id]}"


def lock_path(state_path: Path) -> Path:
    """The lock file beside a state database (``BATCH.state.sqlite.lock``); it stays after a run."""
    return state_path.with_name(state_path.name + ".lock")


class _StateLock:
    """The OS lock (``flock``) that lets one process at a time write a state database.

    The kernel releases it when its process ends, however it ends, so a lock left by a killed run never
    blocks the next one. Within one process the lock is shared: opening the same state twice (an upload
    run and the status it reports) is one holder. The lock file says who holds it: pid, start, host and
    command, for the message the next process shows.
    """

    _held: dict[str, list[int]] = {}  #: lock file (real path) -> [file descriptor, holders]
    _guard = threading.Lock()

    def __init__(self, state_path: Path) -> None:
        self.path = lock_path(state_path)
        self.key = os.path.realpath(self.path)
        with self._guard:
            held = self._held.get(self.key)
            if held is not None:
                held[1] += 1
                return
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 1000, 0).decode("utf-8", "replace").strip()
                os.close(fd)
                raise StateInUse(
                    "the upload state is in use by another glamupload process"
                    + (f" ({holder})" if holder else ""),
                    file=state_path,
                    hint="wait for that run to end (or stop it with Ctrl-C): one process at a time uses it",
                ) from None
            with suppress(OSError):  # who holds it is for the message only: a full disk must not stop here
                os.ftruncate(fd, 0)
                os.pwrite(fd, self.describe().encode(), 0)
            self._held[self.key] = [fd, 1]

    @staticmethod
    def describe() -> str:
        command = " ".join(["glamupload", *sys.argv[1:3]]) if sys.argv[1:] else Path(sys.argv[0]).name
        return f"pid {os.getpid()} on {socket.gethostname()}, started {_now()}, `{command}`\n"

    def release(self) -> None:
        with self._guard:
            held = self._held.get(self.key)
            if held is None:
                return
            held[1] -= 1
            if held[1] == 0:
                del self._held[self.key]
                os.close(held[0])  # closing the descriptor releases the flock

    @property
    def file_identity(self) -> tuple[int, int] | None:
        """(device, inode) of the lock file this process locked, to notice it deleted or replaced."""
        held = self._held.get(self.key)
        if held is None:
            return None
        info = os.fstat(held[0])
        return info.st_dev, info.st_ino


#: SQLite's primary result codes that glamupload explains (``sqlite3.Error.sqlite_errorcode & 0xff``).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR = 3, 5, 6, 8, 10
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_AUTH, _SQLITE_NOTADB = 11, 13, 14, 23, 26
#: A row type read from the state (``FileRow``, ``PageRow``, ``EntityRow``).
_RowT = TypeVar("_RowT")
_DAMAGED_HINT = (
    "restore it from a backup, or move it aside and run `glamupload upload` again: files already on the "
    "wiki are found by their titles and recorded as uploaded, none is sent twice"
)


def _disk_full(path: Path) -> bool:
    """Whether the state's disk has (almost) no space left: SQLite reports a full disk while it extends
    its shared-memory file as an I/O error."""
    try:
        return shutil.disk_usage(path.parent).free < 64 * 1024
    except OSError:
        return False


def _state_error(exc: sqlite3.Error, path: Path) -> LocalFileError | StateInUse:
    """What a SQLite failure means for the user, by SQLite's result code (never by its wording)."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StateInUse(
            "the upload state database is locked by another program",
            file=path,
            hint="close the program that holds it (an sqlite3 shell, a backup tool), then run again",
        )
    if code == _SQLITE_FULL or (code == _SQLITE_IOERR and _disk_full(path)):
        return StateError(
            "the disk is full: the upload state could not be written (the last change was not made)",
            file=path,
            hint="free some space on that disk, then run the same command again",
        )
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return StateError(f"the upload state database is damaged ({exc})", file=path, hint=_DAMAGED_HINT)
    if code in (_SQLITE_READONLY, _SQLITE_PERM, _SQLITE_AUTH, _SQLITE_CANTOPEN):
        return StateError(
            f"the upload state database cannot be opened or written ({exc})",
            file=path,
            hint="check the owner and permissions of the file and its folder, and that the disk is writable",
        )
    if code == _SQLITE_IOERR:
        return StateError(
            f"the disk failed while the upload state was written ({exc})",
            file=path,
            hint="check the disk (full? removed?), then run the same command again",
        )
    return StateError(f"the upload state database failed: {exc}", file=path)


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that can only read the state (no lock taken; works beside a running upload)."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT)


def _count_sql(
    statuses: Iterable[FileStatus], only: Iterable[str] | None, at_most: int | None
) -> tuple[str, list[Any]]:
    wanted, ids = list(statuses), list(only) if only is not None else None
    sql = f"SELECT 1 FROM files WHERE status IN ({', '.join('?' * len(wanted))})"
    if ids is not None:
        sql += f" AND record_id IN ({', '.join('?' * len(ids))})"
    args: list[Any] = [*wanted, *(ids or [])]
    if at_most is not None:
        sql += " LIMIT ?"
        args.append(at_most)
    return f"SELECT COUNT(*) FROM ({sql})", args


class ForeignState(ConfigError):
    """The state database belongs to another batch (or to this one under its former name)."""

    def __init__(self, path: Path, recorded: str, batch_id: str) -> None:
        super().__init__(
            f"this state database belongs to the batch {recorded}, not to {batch_id}",
            file=path,
            hint="each batch keeps its own state: leave --state out to use this batch's own, or pass the "
            "file this batch's uploads used (a batch's id is its name, or its file's name when it has no "
            "name:, and its institution: if you changed one, change it back, or set name: to the old one)",
        )


class BatchState:
    """The state database of one batch (WAL mode; safe to share between the threads of one run).

    Opened for writing (the default), it holds the state's lock: a second process that opens it is
    refused with :class:`StateInUse`, naming the holder. ``read_only`` (``status``, listings) takes no
    lock and writes nothing, so it works beside a running upload. Every SQLite or OS failure becomes a
    :class:`StateError` (or :class:`StateInUse`) naming the file; a failed change is rolled back whole.
    """

    def __init__(self, path: Path, *, read_only: bool = False, batch_id: str | None = None) -> None:
        self.path = path
        self.read_only = read_only
        self._lock = threading.RLock()
        self._state_lock: _StateLock | None = None
        self._identity: tuple[tuple[int, int], tuple[int, int] | None] | None = None
        try:
            if read_only:
                self._db = _read_only(path)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._state_lock = _StateLock(path)
                if not path.exists():  # a deleted state's journal files would be taken for the new one's
                    for suffix in ("-wal", "-shm", "-journal"):
                        path.with_name(path.name + suffix).unlink(missing_ok=True)
                self._db = sqlite3.connect(
                    path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT
                )
        except OSError as exc:
            self._release()
            raise LocalFileError.from_os(exc, "cannot open the upload state", path) from None
        except sqlite3.Error as exc:
            self._release()
            raise _state_error(exc, path) from None
        try:
            with self._guard():
                self._db.row_factory = sqlite3.Row
                if not read_only:
                    self._db.execute("PRAGMA journal_mode=WAL")
                    self._db.execute("PRAGMA synchronous=FULL")
                    self._db.executescript(_SCHEMA)
                    self._add_columns()
                    self._identity = self._file_identity()
            version = self.meta("schema")
            if version is None and not read_only:
                self.set_meta("schema", str(SCHEMA_VERSION))
            elif version is not None and version != str(SCHEMA_VERSION):
                raise ConfigError(
                    f"state database has schema {version}, this glamupload reads {SCHEMA_VERSION}", file=path
                )
            if batch_id is not None:
                self._claim(batch_id)
        except BaseException:
            self.close()
            raise

    def _claim(self, batch_id: str) -> None:
        """Tie the state to one batch (``BatchConfig.batch_id``): another batch's state (``--state`` with
        the wrong file) would mix two batches' rows in one plan, and its finished rows would count as this
        batch's. A state made before batches were recorded takes the first batch that opens it for
        writing."""
        recorded = self.meta("batch")
        if recorded is None:
            if not self.read_only:
                self.set_meta("batch", batch_id)
        elif recorded != batch_id:
            raise ForeignState(self.path, recorded, batch_id)

    def close(self) -> None:
        with suppress(sqlite3.Error, AttributeError):
            self._db.close()
        self._release()

    def _release(self) -> None:
        if self._state_lock is not None:
            self._state_lock.release()
            self._state_lock = None

    def __enter__(self) -> BatchState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """SQLite and OS failures as the user's errors (one line, the file, what to do)."""
        try:
            yield
        except sqlite3.Error as exc:
            raise _state_error(exc, self.path) from None
        except OSError as exc:
            raise LocalFileError.from_os(exc, "cannot use the upload state", self.path) from None

    def _add_columns(self) -> None:
        """Columns added after their table: an older state database gains them on open (older
        glamupload versions ignore them), so no schema version change."""
        columns = self._columns("entities")
        if "base" not in columns:
            self._db.execute("ALTER TABLE entities ADD COLUMN base TEXT")
        if "conflicts" not in columns:
            self._db.execute("ALTER TABLE entities ADD COLUMN conflicts TEXT")

    def _columns(self, table: str) -> set[str]:
        return {str(r[1]) for r in self._db.execute(f"PRAGMA table_info({table})")}

    def _file_identity(self) -> tuple[tuple[int, int], tuple[int, int] | None]:
        info = os.stat(self.path)
        return (info.st_dev, info.st_ino), self._state_lock.file_identity if self._state_lock else None

    def _check_file(self) -> None:
        """Refuse to go on when the database (or its lock file) was deleted or replaced since it was
        opened: changes would go to a file nobody sees, and another process could take the lock."""
        if self._identity is None:
            return
        try:
            now = self._file_identity()
            locked = os.stat(self._state_lock.path) if self._state_lock else None
        except FileNotFoundError:
            now, locked = ((0, 0), None), None
        lock_id = (locked.st_dev, locked.st_ino) if locked else None
        if now != self._identity or lock_id != self._identity[1]:
            raise StateError(
                "the upload state database (or its lock file) was deleted or replaced while this run used it",
                file=self.path,
                hint="the files already sent are on the wiki; run `glamupload upload` again: a new state "
                "finds them by their titles and records them as uploaded",
            )

    def _read(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock, self._guard():
            return list(self._db.execute(sql, args))

    def _rows(self, found: Iterable[sqlite3.Row]) -> list[FileRow]:
        return [self._parsed(FileRow.from_sql, row) for row in found]

    def _parsed(self, read: Callable[[sqlite3.Row], _RowT], row: sqlite3.Row) -> _RowT:
        """A stored row as its type; one whose stored JSON (a plan, a page's conflicts, an entity's
        statements) no longer reads is damage, named by its key, not a crash."""
        try:
            return read(row)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StateError(
                f"row {row['key']} of the upload state is damaged ({type(exc).__name__}: {exc})",
                file=self.path,
                hint=_DAMAGED_HINT,
            ) from None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change: committed whole or not at all (also when the process is killed)."""
        if self.read_only:
            raise StateError("the upload state was opened read-only", file=self.path)
        with self._lock, self._guard():
            self._check_file()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    with suppress(sqlite3.Error):  # a full disk may have ended the transaction already
                        self._db.execute("ROLLBACK")
                raise

    # --- the plan ---------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        found = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return str(found[0][0]) if found else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    @property
    def has_plan(self) -> bool:
        return self.meta("fingerprint") is not None

    def plan_changes(self, current: Mapping[str, str]) -> list[str]:
        """Names of the plan's inputs that changed since the plan was stored (added or removed count too)."""
        stored = json.loads(self.meta("fingerprint") or "{}")
        return sorted(name for name in set(stored) | set(current) if stored.get(name) != current.get(name))

    def store_plan(self, planned: Iterable[PlannedFile], fingerprint: Mapping[str, str]) -> int:
        """Store (or replace) the plan in one transaction; returns the number of planned files.

        Rows already uploaded or recorded as duplicates, and rows in flight, are kept as they are;
        every other row takes the new plan and becomes pending again; rows the new plan no longer
        has are dropped unless they are finished or in flight.
        """
        now = _now()
        items = list(planned)
        keys = list(plan_keys(p.record_id for p in items))
        with self.transaction() as db:
            kept = {row["key"]: row["status"] for row in db.execute("SELECT key, status FROM files")}
            for key, item in zip(keys, items, strict=True):
                values = (item.record_id, item.filename, item.source, item.to_json())
                status = kept.get(key)
                if status is None:
                    db.execute(
                        "INSERT INTO files (key, record_id, filename, source, planned, status, created,"
                        " updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (key, *values, FileStatus.PENDING, now, now),
                    )
                elif status not in FINISHED and status != FileStatus.UPLOADING:
                    db.execute(
                        "UPDATE files SET record_id = ?, filename = ?, source = ?, planned = ?, status = ?,"
                        " size = NULL, sha1 = NULL, error_code = NULL, error_message = NULL, filekey = NULL,"
                        " stash_offset = NULL, updated = ? WHERE key = ?",
                        (*values, FileStatus.PENDING, now, key),
                    )
            gone = set(kept) - set(keys)
            db.executemany(
                "DELETE FROM files WHERE key = ? AND status NOT IN (?, ?, ?)",
                [(key, FileStatus.UPLOADED, FileStatus.DUPLICATE, FileStatus.UPLOADING) for key in gone],
            )
            self._store_entities(
                db, {k: p.structured_data for k, p in zip(keys, items, strict=True)}, now, whole=True
            )
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('fingerprint', ?)",
                (json.dumps(dict(fingerprint), sort_keys=True),),
            )
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('planned_at', ?)", (now,))
        return len(items)

    # --- structured data (issue #18; its own table, beside the files') --------------------------------

    @staticmethod
    def _store_entities(
        db: sqlite3.Connection, planned: Mapping[str, StructuredData | None], now: str, *, whole: bool
    ) -> None:
        """Keep every row's planned structured data, finished rows' too (a file uploaded earlier gets its
        entity later). A row whose payload is the one already written stays written; any other change makes
        it pending. A row the plan gives none (or, for the ``whole`` plan, a row it no longer has) is dropped
        unless glamupload wrote its entity: then it keeps its plan and its base."""
        found = db.execute("SELECT key, digest, status, written_digest, base FROM entities")
        stored = {r["key"]: r for r in found if whole or r["key"] in planned}
        for key, data in planned.items():
            old = stored.pop(key, None)
            if data is None:
                if old is not None and old["base"] is None:
                    db.execute("DELETE FROM entities WHERE key = ?", (key,))
                continue
            digest = data.digest()
            if old is not None and old["digest"] == digest:
                continue
            status = EntityStatus.WRITTEN if old is not None and old["written_digest"] == digest else None
            db.execute(
                "INSERT INTO entities (key, planned, digest, status, updated) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET planned = excluded.planned, digest = excluded.digest,"
                " status = excluded.status, error_code = NULL, error_message = NULL,"
                " updated = excluded.updated",
                (
                    key,
                    json.dumps(data.to_data(), ensure_ascii=False),
                    digest,
                    status or EntityStatus.PENDING,
                    now,
                ),
            )
        db.executemany("DELETE FROM entities WHERE key = ? AND base IS NULL", [(key,) for key in stored])

    def replan_entities(self, planned: Mapping[str, StructuredData | None]) -> None:
        """Give these rows (by key) a new plan's structured data, in one transaction (``update``: the
        files' plans stay as uploaded, their entities follow the new plan)."""
        with self.transaction() as db:
            self._store_entities(db, planned, _now(), whole=False)

    def entity_rows(
        self, statuses: Iterable[EntityStatus], only: Iterable[str] | None = None
    ) -> list[EntityRow]:
        """Uploaded files whose entity has one of these statuses, in plan order."""
        wanted = list(statuses)
        # a state opened read-only is not migrated: an older one has no base column yet
        columns = {str(r[1]) for r in self._read("PRAGMA table_info(entities)")}
        base, conflicts = (f"e.{c}" if c in columns else f"NULL AS {c}" for c in ("base", "conflicts"))
        sql = (
            "SELECT e.key, f.record_id, f.wiki_title, e.planned, e.digest, e.status, e.entity, e.revid,"
            f" e.attempts, e.error_code, e.error_message, {base}, {conflicts}"
            " FROM entities e JOIN files f ON f.key = e.key"
            f" WHERE f.status = ? AND e.status IN ({', '.join('?' * len(wanted))})"
        )
        args: list[Any] = [FileStatus.UPLOADED, *wanted]
        if only is not None:
            ids = list(only)
            sql += f" AND f.record_id IN ({', '.join('?' * len(ids))})"
            args.extend(ids)
        return [self._parsed(EntityRow.from_sql, r) for r in self._read(sql + " ORDER BY f.id", args)]

    def entity_counts(self) -> dict[str, int]:
        """Entities per status (every status, zero included), of uploaded files only."""
        found = {
            str(row[0]): int(row[1])
            for row in self._read(
                "SELECT e.status, COUNT(*) FROM entities e JOIN files f ON f.key = e.key"
                " WHERE f.status = ? GROUP BY e.status",
                (FileStatus.UPLOADED,),
            )
        }
        return {status.value: int(found.get(status.value, 0)) for status in EntityStatus}

    def start_entity(self, key: str, entity: str) -> None:
        """Mark an entity write in flight before the wiki is asked (one transaction)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE entities SET status = ?, entity = ?, attempts = attempts + 1, updated = ?"
                " WHERE key = ?",
                (EntityStatus.WRITING, entity, _now(), key),
            )

    def finish_entity(self, key: str, outcome: EntityOutcome) -> None:
        """Settle an entity write; ``written`` and ``conflict`` record the digest written (never again)
        and glamupload's data on the entity (the next merge's base)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE entities SET status = ?, revid = COALESCE(?, revid), error_code = ?,"
                " error_message = ?, written_digest = CASE WHEN ? THEN digest ELSE written_digest END,"
                " base = COALESCE(?, base), conflicts = ?, updated = ? WHERE key = ?",
                (
                    outcome.status,
                    outcome.revid,
                    outcome.code,
                    outcome.message,
                    outcome.status in (EntityStatus.WRITTEN, EntityStatus.CONFLICT),
                    None if outcome.base is None else json.dumps(outcome.base.to_data(), ensure_ascii=False),
                    json.dumps([c.to_dict() for c in outcome.conflicts], ensure_ascii=False),
                    _now(),
                    key,
                ),
            )

    # --- reading ----------------------------------------------------------------------------------

    def rows(
        self, statuses: Iterable[FileStatus] | None = None, *, only: Iterable[str] | None = None
    ) -> list[FileRow]:
        """Rows in plan order, optionally limited to some statuses and some record ids."""
        sql, args = "SELECT * FROM files", list[str]()
        clauses = []
        if statuses is not None:
            wanted = list(statuses)
            clauses.append(f"status IN ({', '.join('?' * len(wanted))})")
            args.extend(wanted)
        if only is not None:
            ids = list(only)
            clauses.append(f"record_id IN ({', '.join('?' * len(ids))})")
            args.extend(ids)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        return self._rows(self._read(sql + " ORDER BY id", args))

    def iter_rows(
        self, statuses: Iterable[FileStatus], *, only: Iterable[str] | None = None, batch: int = 200
    ) -> Iterator[FileRow]:
        """``rows``, read ``batch`` at a time (by id, so writes in between are fine): a million pending
        rows are never all in memory, and the first is there at once."""
        wanted = list(statuses)
        ids = list(only) if only is not None else None
        sql = f"SELECT * FROM files WHERE id > ? AND status IN ({', '.join('?' * len(wanted))})"
        if ids is not None:
            sql += f" AND record_id IN ({', '.join('?' * len(ids))})"
        sql += " ORDER BY id LIMIT ?"
        last = 0
        while True:
            with self._lock:
                found = self._db.execute(sql, [last, *wanted, *(ids or []), batch]).fetchall()
            yield from (self._parsed(FileRow.from_sql, r) for r in found)
            if len(found) < batch:
                return
            last = found[-1]["id"]

    def count(
        self, statuses: Iterable[FileStatus], *, only: Iterable[str] | None = None, at_most: int | None = None
    ) -> int:
        """How many rows have these statuses (among these record ids); with ``at_most``, counting stops
        there (is there more than a limit's worth? — without reading a million index entries)."""
        sql, args = _count_sql(statuses, only, at_most)
        with self._lock, self._guard():
            return int(self._db.execute(sql, args).fetchone()[0])

    def count_now_in_background(
        self, statuses: Iterable[FileStatus], *, only: Iterable[str] | None = None
    ) -> Future[int]:
        """``count`` of the rows as they are now, counted in a thread on a second (read-only)
        connection, so the caller goes on at once: counting a million rows reads their whole index
        (~0.4 s from a cold disk), which must not hold up a resumed upload's first file. The snapshot is
        taken before this returns, so rows changed afterwards are counted as they were."""
        sql, args = _count_sql(statuses, only, None)
        with self._guard():
            reader = _read_only(self.path)
            try:
                reader.execute("BEGIN")
                reader.execute("SELECT 1 FROM meta LIMIT 1").fetchall()  # the read snapshot starts here
            except BaseException:
                reader.close()
                raise
        done: Future[int] = Future()

        def counting() -> None:
            try:
                with self._guard():
                    done.set_result(int(reader.execute(sql, args).fetchone()[0]))
            except BaseException as exc:  # the caller's future carries it
                done.set_exception(exc)
            finally:
                reader.close()

        threading.Thread(target=counting, name="count", daemon=True).start()
        return done

    def row(self, row_id: int) -> FileRow:
        found = self._rows(self._read("SELECT * FROM files WHERE id = ?", (row_id,)))
        if not found:
            raise StateError(f"row {row_id} is gone from the upload state", file=self.path)
        return found[0]

    def record_ids(self) -> set[str]:
        """Every record id of the stored plan."""
        return {str(r[0]) for r in self._read("SELECT DISTINCT record_id FROM files")}

    def held_names(self) -> Iterator[tuple[str, str]]:
        """(file name, record id) of each file this state has uploaded, recorded as a duplicate or has in
        flight: a new plan must not give its name to another record (``TitleAllocator.hold``). Read in
        pages, so memory does not grow with the batch."""
        after = 0
        held = (FileStatus.UPLOADED, FileStatus.DUPLICATE, FileStatus.UPLOADING)
        while True:
            page = self._read(
                "SELECT id, filename, record_id FROM files WHERE id > ? AND status IN (?, ?, ?)"
                " ORDER BY id LIMIT 10000",
                (after, *held),
            )
            if not page:
                return
            yield from ((str(r["filename"]), str(r["record_id"])) for r in page)
            after = int(page[-1]["id"])

    def check_only(self, only: Sequence[str] | None) -> None:
        """``--only`` must name records of the plan: a typo must not make a run that does nothing (one
        rule for upload, update and sdc)."""
        if not only:
            return
        known = self.record_ids()
        unknown = [i for i in dict.fromkeys(only) if i not in known]
        if unknown:
            close = [m for i in unknown for m in difflib.get_close_matches(i, known, n=1)]
            raise ConfigError(
                f"--only {', '.join(unknown)}: no such record in this batch's plan",
                file=self.path,
                hint=f"did you mean {', '.join(close)}?"
                if close
                else "record ids are the export's identifiers",
            )

    def counts(self) -> dict[str, int]:
        """Rows per status (every status present, zero included) and ``total``."""
        found = {
            str(r[0]): int(r[1]) for r in self._read("SELECT status, COUNT(*) FROM files GROUP BY status")
        }
        known = {status.value for status in FileStatus}
        if unknown := sorted(set(found) - known):
            # a hand-edited or damaged row: left out, the total would be short by it without a word
            raise StateError(
                f"{found[unknown[0]]} file row(s) have the status {unknown[0]!r}, which glamupload does not "
                f"know (it writes {', '.join(sorted(known))})",
                file=self.path,
            )
        counts = {status.value: found.get(status.value, 0) for status in FileStatus}
        counts["total"] = sum(counts.values())
        return counts

    def problems(self) -> list[RowProblem]:
        """Failed, needs-review and skipped rows with the reason (the wiki's code and message, or ours)."""
        return [RowProblem.of(r) for r in self.rows(ATTENTION)]

    def status(
        self, this_run: Mapping[str, int] | None = None, interrupted: bool = False, sent: int = 0
    ) -> BatchStatus:
        """Where the batch stands now (and, after an upload run, what the run did)."""
        return BatchStatus(
            str(self.path),
            self.has_plan,
            self.counts(),
            tuple(self.problems()),
            dict(this_run or {}),
            interrupted,
            sent,
            self.licence_flags(),
            self.page_counts(),
            tuple(self.page_problems()),
        )

    def licence_flags(self) -> dict[str, int]:
        """Planned files per licence flag kind (``Verdict.flags``): what rests on a person's word."""
        found = self._read(
            "SELECT json_extract(flag.value, '$.kind'), COUNT(DISTINCT files.id) FROM files,"
            " json_each(files.planned, '$.license.flags') AS flag GROUP BY 1 ORDER BY 2 DESC, 1"
        )
        return {str(kind): int(n) for kind, n in found}

    def uploaded_title_for_sha1(self, sha1: str, exclude: int) -> str | None:
        """The wiki title of another row of this batch already uploaded with this content."""
        found = self._read(
            "SELECT wiki_title FROM files WHERE sha1 = ? AND id != ? AND status = ? LIMIT 1",
            (sha1, exclude, FileStatus.UPLOADED),
        )
        return str(found[0][0]) if found else None

    # --- status changes (each one transaction) -----------------------------------------------------

    def _update(self, row_id: int, **values: Any) -> None:
        values["updated"] = _now()
        columns = ", ".join(f"{name} = ?" for name in values)
        with self.transaction() as db:
            db.execute(f"UPDATE files SET {columns} WHERE id = ?", (*values.values(), row_id))

    def set_content(self, row_id: int, size: int, sha1: str) -> None:
        """Record the size and SHA-1 of exactly the bytes that will be sent."""
        self._update(row_id, size=size, sha1=sha1)

    def start_attempt(self, row_id: int) -> None:
        """Mark the row in flight before any byte reaches the wiki."""
        with self.transaction() as db:
            db.execute(
                "UPDATE files SET status = ?, attempts = attempts + 1, updated = ? WHERE id = ?",
                (FileStatus.UPLOADING, _now(), row_id),
            )

    def set_stash(self, row_id: int, filekey: str | None, offset: int | None) -> None:
        """Remember how far a chunked upload got, so a later run continues it."""
        self._update(row_id, filekey=filekey, stash_offset=offset)

    def finish_many(self, outcomes: Sequence[tuple[int, Outcome]]) -> None:
        """Set several rows' outcomes in one transaction: rows settled without the wiki (licence
        refused, plan errors) cost one write together, not each."""
        with self.transaction() as db:
            self._settle(db, outcomes)

    @staticmethod
    def _settle(db: sqlite3.Connection, outcomes: Sequence[tuple[int, Outcome]]) -> None:
        """Write outcomes inside the caller's transaction (the stash key is useless once a row is decided)."""
        now = _now()
        db.executemany(
            "UPDATE files SET status = ?, wiki_title = ?, error_code = ?, error_message = ?,"
            " filekey = NULL, stash_offset = NULL, updated = ? WHERE id = ?",
            [(o.status, o.title, o.code, o.message, now, row_id) for row_id, o in outcomes],
        )

    def requeue(self, row_id: int) -> None:
        """Back to pending after an interrupted attempt that did not reach the wiki (a stash key is kept)."""
        self._update(row_id, status=FileStatus.PENDING)

    def reopen(self, statuses: Iterable[FileStatus], only: Iterable[str] | None = None) -> int:
        """Make rows with these statuses pending again (``--retry-failed``); returns how many."""
        rows = self.rows(statuses, only=only)
        with self.transaction() as db:
            db.executemany(
                "UPDATE files SET status = ?, error_code = NULL, error_message = NULL, updated = ?"
                " WHERE id = ?",
                [(FileStatus.PENDING, _now(), r.id) for r in rows],
            )
        return len(rows)

    # --- reviews ----------------------------------------------------------------------------------

    def decide(self, decisions: Sequence[tuple[FileRow, Decision]], reviewer: str, reason: str) -> None:
        """Record a reviewer's decision on rows that need review, in one transaction: ``accept`` makes
        a row pending (the next upload goes past the warning the row stopped at, and only that one);
        ``skip`` settles it as skipped. A decision belongs to the row's warning and file name: it still
        holds after a replan that keeps the name, never for a new name."""
        now = _now()
        skipped = Review(Decision.SKIP, reviewer, reason, now).describe()
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO reviews (key, filename, warning, decision, reviewer, reason, decided)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(r.key, r.filename, r.error_code or "", d, reviewer, reason, now) for r, d in decisions],
            )
            self._settle(
                db,
                [
                    (r.id, Outcome(FileStatus.PENDING, r.wiki_title))
                    if d == Decision.ACCEPT
                    else (
                        r.id,
                        Outcome(
                            FileStatus.SKIPPED,
                            r.wiki_title,
                            OutcomeCode.SKIPPED_BY_REVIEW,
                            f"{r.error_code}: {skipped}",
                        ),
                    )
                    for r, d in decisions
                ],
            )

    def review_for(self, row: FileRow, warning: str) -> Review | None:
        """The decision taken on ``warning`` for this row's file name, if any."""
        found = self._read(
            "SELECT decision, reviewer, reason, decided FROM reviews WHERE key = ? AND filename = ?"
            " AND warning = ?",
            (row.key, row.filename, warning),
        )
        return Review(Decision(found[0][0]), *found[0][1:]) if found else None

    # --- file pages (glamupload update) -----------------------------------------------------------

    def pages(self, keys: Iterable[str] | None = None) -> dict[str, PageRow]:
        """The page rows ``update`` keeps, by row key (all, or those of ``keys``)."""
        found = [self._parsed(PageRow.from_sql, r) for r in self._read("SELECT * FROM pages")]
        wanted = None if keys is None else set(keys)
        return {p.key: p for p in found if wanted is None or p.key in wanted}

    def record_page(
        self,
        key: str,
        title: str,
        base: PageBase | None,
        status: PageStatus,
        *,
        conflicts: Sequence[Conflict] = (),
        message: str | None = None,
        deletion_tag: str | None = None,
    ) -> None:
        """Settle a page (one transaction): its status and, when given, what glamupload last wrote on it
        (``base``; None keeps the one recorded). Anything in flight is cleared."""
        now = _now()
        empty = PageBase(None, "", "")
        with self.transaction() as db:
            db.execute(
                "INSERT INTO pages (key, title, revid, text, parts, status, deletion_tag, conflicts, message,"
                " updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
                " title = excluded.title, status = excluded.status, deletion_tag = excluded.deletion_tag,"
                " conflicts = excluded.conflicts, message = excluded.message, intended_text = NULL,"
                " intended_parts = NULL, base_revid = NULL, updated = excluded.updated"
                + (", revid = excluded.revid, text = excluded.text, parts = excluded.parts" if base else ""),
                (
                    key,
                    title,
                    *((base or empty).revid, (base or empty).text, (base or empty).parts),
                    status,
                    deletion_tag,
                    _conflicts_json(conflicts),
                    message,
                    now,
                ),
            )

    def start_page_edit(
        self,
        key: str,
        title: str,
        base: PageBase,
        intended: PageBase,
        *,
        conflicts: Sequence[Conflict] = (),
        deletion_tag: str | None = None,
    ) -> None:
        """Mark a page in flight before its edit is sent: what glamupload last wrote (``base``) and
        what it is about to save (``intended``, its ``revid`` the revision the edit is based on)."""
        now = _now()
        with self.transaction() as db:
            db.execute(
                "INSERT INTO pages (key, title, revid, text, parts, status, deletion_tag, conflicts,"
                " intended_text, intended_parts, base_revid, attempts, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT (key) DO UPDATE SET"
                " title = excluded.title, revid = excluded.revid, text = excluded.text,"
                " parts = excluded.parts, status = excluded.status, deletion_tag = excluded.deletion_tag,"
                " conflicts = excluded.conflicts, message = NULL, intended_text = excluded.intended_text,"
                " intended_parts = excluded.intended_parts, base_revid = excluded.base_revid,"
                " attempts = pages.attempts + 1, updated = excluded.updated",
                (
                    key,
                    title,
                    base.revid,
                    base.text,
                    base.parts,
                    PageStatus.EDITING,
                    deletion_tag,
                    _conflicts_json(conflicts),
                    intended.text,
                    intended.parts,
                    intended.revid,
                    now,
                ),
            )

    def page_counts(self) -> dict[str, int]:
        """Uploaded files' pages per ``PageStatus``, tagged for deletion, and never checked."""
        counts = empty_page_counts()
        for status, number in self._read("SELECT status, COUNT(*) FROM pages GROUP BY status"):
            counts[str(status)] = int(number)
        counts[TAGGED] = int(self._read("SELECT COUNT(*) FROM pages WHERE deletion_tag IS NOT NULL")[0][0])
        counts["unchecked"] = int(
            self._read(
                "SELECT COUNT(*) FROM files WHERE status = ? AND key NOT IN (SELECT key FROM pages)",
                (FileStatus.UPLOADED,),
            )[0][0]
        )
        return counts

    def page_problems(self) -> list[PageProblem]:
        """Pages that need attention, in plan order, with the reason."""
        wanted = [s.value for s in PAGE_ATTENTION]
        found = self._read(
            "SELECT files.record_id, pages.* FROM pages JOIN files ON files.key = pages.key"
            f" WHERE pages.status IN ({', '.join('?' * len(wanted))}) OR pages.deletion_tag IS NOT NULL"
            " ORDER BY files.id",
            wanted,
        )
        problems = []
        for row in found:
            page = self._parsed(PageRow.from_sql, row)
            problems.append(
                PageProblem(
                    row["record_id"],
                    page.title,
                    page.status,
                    page.deletion_tag,
                    page.message,
                    page.conflicts,
                    page.key,
                )
            )
        return problems

    def decide_update_conflicts(
        self, decisions: Sequence[tuple[str, str, str | None, Decision]], reviewer: str, reason: str
    ) -> None:
        """Record reviewers' decisions on update conflicts (row key, part, the new value, the decision)
        in one transaction. A part is a page's (a parameter, ``licence``, ``template``) or its structured
        data's (``P170``, ``caption:sv``); the table keeps its first name, ``page_decisions``. A decision
        holds for the conflict's new value only: a later plan with another value is a conflict again."""
        now = _now()
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO page_decisions (key, part, value, decision, reviewer, reason,"
                " decided) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(key, part, json.dumps(new), d, reviewer, reason, now) for key, part, new, d in decisions],
            )

    def update_decisions(self, key: str) -> dict[str, UpdateDecision]:
        """The decisions taken on this row's update conflicts, by part."""
        found = self._read(
            "SELECT part, value, decision, reviewer, reason, decided FROM page_decisions WHERE key = ?",
            (key,),
        )
        return {
            row[0]: UpdateDecision(json.loads(row[1]), Decision(row[2]), row[3], row[4], row[5])
            for row in found
        }
