"""Planning on every core: worker processes plan their own shares of the export, one namer names them all.

The export is cut into shards of consecutive records (``SHARD_RECORDS`` each; a folder export: runs of
its files). Worker ``k`` of ``n`` reads the export itself and plans shards ``k``, ``k + n``, ... (a reader
makes only its own records: lxml elements never cross a process). Planning a shard has three steps:

1. the worker drafts its records (``Planner.draft``: everything but the file names) and sends each
   record's wanted names to the parent;
2. the parent's one ``Namer`` names the shards strictly in export order, so unique names, duplicate ids
   and indexes come out exactly as in one process, and sends each shard its names;
3. the worker finishes the shard (``Planner.finish``: the pages) and turns its files into whatever the
   caller's ``ShardWork`` makes of them (records.jsonl lines, report parts), which the parent takes in
   order.

A worker drafts its next shard while it waits for the names of the one before, so it is rarely idle.
The result is byte for byte the one process's (``run`` with ``jobs=1`` does the same steps in-process).
Workers are forked: they inherit the loaded crosswalk, lookup tables and reader, nothing is pickled
but names, problems and the finished shards.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import queue
import sys
import traceback
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from glamupload.errors import GlamuploadError
from glamupload.plan import Planner, RecordAllocation, RecordDraft, RecordNames
from glamupload.planned import PlannedFile
from glamupload.preflight import LocalFile
from glamupload.readers.base import Record
from glamupload.readers.folder import FolderReader
from glamupload.wiki import chunked

#: Records per shard: the unit of work and of progress (about half a second of planning).
SHARD_RECORDS = 1000
#: Files of a folder export per shard.
SHARD_FILES = 200
#: Shards a worker drafts ahead of the names it waits for.
AHEAD = 2

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)
Planned = list[tuple[PlannedFile, LocalFile | None]]


class ShardWork(Protocol[R_co]):
    """What becomes of a finished shard's files, in the process that planned them (picklable result)."""

    def __call__(self, shard: int, records: int, files: Planned) -> R_co: ...


@dataclass(frozen=True)
class Shard(Generic[R]):
    """A finished shard as the parent receives it, in export order, with how far into the export it
    ends (a share, when the reader can tell: for the estimate of the time left)."""

    number: int
    records: int
    files: int
    result: R
    reached: float | None = None


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), the default for ``--jobs``."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def run(
    planner: Planner, work: ShardWork[R], *, jobs: int = 1, limit: int | None = None
) -> Iterator[Shard[R]]:
    """Plan the whole export in ``jobs`` processes; the finished shards in export order. ``limit``
    (the batch's record limit) plans only the first records, in one process."""
    with _fewer_collections():
        if jobs <= 1 or limit is not None or not _can_fork():
            yield from _run_here(planner, work, limit)
        else:
            yield from _Parent(planner, work, jobs).run()


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Planning makes millions of short-lived objects and keeps few: the loaded crosswalk and tables are
    frozen out of the collector's way and it runs less often (about 8% of planning), then as before."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _run_here(planner: Planner, work: ShardWork[R], limit: int | None) -> Iterator[Shard[R]]:
    """The same three steps in this process, shard by shard."""
    namer = planner.namer()
    for number, records in _own_shards(planner, 0, 1, limit):
        drafts, reached = _draft(planner, number, records)
        allocations = [namer.name(draft.names()) for draft in drafts]
        yield _finish(planner, work, number, drafts, allocations, reached)


def _draft(
    planner: Planner, number: int, records: Iterator[Record]
) -> tuple[list[RecordDraft], float | None]:
    """The shard's records drafted, and how far into the export they reach: asked after each record,
    before the next is read (which may lie beyond other workers' shards)."""
    reader = planner.reader
    drafts, reached = [], None
    for record in records:
        drafts.append(planner.draft(record))
        reached = reader.progress() if reader is not None else None
    if isinstance(reader, FolderReader):
        return drafts, min(1.0, (number + 1) * SHARD_FILES / max(1, len(reader.files)))
    return drafts, reached


def _finish(
    planner: Planner,
    work: ShardWork[R],
    number: int,
    drafts: Sequence[RecordDraft],
    allocations: Sequence[RecordAllocation],
    reached: float | None,
) -> Shard[R]:
    files: Planned = []
    for draft, allocation in zip(drafts, allocations, strict=True):
        files += planner.finish(draft, allocation)
    return Shard(number, len(drafts), len(files), work(number, len(drafts), files), reached)


def _own_shards(
    planner: Planner, worker: int, workers: int, limit: int | None = None
) -> Iterator[tuple[int, Iterator[Record]]]:
    """This worker's shards, each with its records (consumed before the next shard is asked for)."""
    reader = planner.reader
    assert reader is not None
    if limit is not None:  # a trial run: the first records only, and nothing read beyond them
        first = (record for _, record in zip(range(limit), reader, strict=False))
        for number, group in enumerate(chunked(first, SHARD_RECORDS)):
            yield number, iter(group)
        return
    if isinstance(reader, FolderReader):
        files = reader.files
        for number in range(worker, (len(files) + SHARD_FILES - 1) // SHARD_FILES, workers):
            yield number, reader.read_files(files[number * SHARD_FILES : (number + 1) * SHARD_FILES])
        return
    selected: Iterator[tuple[int, Record]]
    if workers == 1:  # every record: read whole (a reader may cut a share out of what it reads, at a cost)
        selected = enumerate(reader)
    else:
        selected = reader.select(lambda n: (n // SHARD_RECORDS) % workers == worker)
    pending = next(selected, None)
    while pending is not None:
        number = pending[0] // SHARD_RECORDS

        def shard_records(number: int = number) -> Iterator[Record]:
            nonlocal pending
            while pending is not None and pending[0] // SHARD_RECORDS == number:
                yield pending[1]
                pending = next(selected, None)

        yield number, shard_records()


# -- the processes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Names:
    worker: int
    shard: int
    records: list[RecordNames] | None  # None: the worker has no shard from here on


@dataclass(frozen=True)
class _Failed:
    error: BaseException
    where: str  #: the worker's traceback, which pickling drops: the crash file must say where it was


class _Parent(Generic[R]):
    """Starts the workers, names their shards in order, hands the finished shards on in order."""

    def __init__(self, planner: Planner, work: ShardWork[R], jobs: int) -> None:
        self.planner = planner
        self.work = work
        self.jobs = jobs
        context = multiprocessing.get_context("fork")
        self.inbox: Any = context.Queue()
        self.outboxes: list[Any] = [context.Queue() for _ in range(jobs)]
        self.processes = [
            context.Process(target=self._worker, args=(k,), name=f"glamupload-plan-{k}", daemon=True)
            for k in range(jobs)
        ]

    def run(self) -> Iterator[Shard[R]]:
        for process in self.processes:
            process.start()
        try:
            yield from self._serve()
        finally:
            for outbox in self.outboxes:
                outbox.put(None)
            for process in self.processes:
                process.join(timeout=10)
                if process.is_alive():
                    process.terminate()

    def _serve(self) -> Iterator[Shard[R]]:
        namer = self.planner.namer()
        named: dict[int, _Names] = {}
        finished: dict[int, Shard[R]] = {}
        next_name = next_shard = 0
        end: int | None = None
        while end is None or next_shard < end:
            message = self._receive()
            if isinstance(message, _Names):
                named[message.shard] = message
                while end is None and next_name in named:
                    names = named.pop(next_name)
                    if names.records is None:  # the first shard past the end of the export
                        end = next_name
                        break
                    allocations = [namer.name(record) for record in names.records]
                    self.outboxes[names.worker].put((next_name, allocations))
                    next_name += 1
            else:
                finished[message.number] = message
            while next_shard in finished:
                yield finished.pop(next_shard)
                next_shard += 1

    def _receive(self) -> _Names | Shard[R]:
        while True:
            try:
                message = self.inbox.get(timeout=1.0)
            except queue.Empty:
                dead = [p for p in self.processes if p.exitcode not in (None, 0)]
                if dead:
                    raise GlamuploadError(
                        f"a planning worker stopped (exit status {dead[0].exitcode})"
                    ) from None
                continue
            if isinstance(message, _Failed):
                if not isinstance(message.error, GlamuploadError):  # a bug: show where, in the crash file
                    message.error.add_note(f"in a planning worker process:\n{message.where}")
                raise message.error
            return message

    # -- in the worker process ----------------------------------------------------------------------

    def _worker(self, worker: int) -> None:
        try:
            self._plan_share(worker)
        except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent, which raises it
            self.inbox.put(_Failed(_picklable(exc), traceback.format_exc()))
            sys.exit(0)

    def _plan_share(self, worker: int) -> None:
        planner, outbox = self.planner, self.outboxes[worker]
        waiting: deque[tuple[int, list[RecordDraft], float | None]] = deque()
        last = worker - self.jobs
        for number, records in _own_shards(planner, worker, self.jobs):
            drafts, reached = _draft(planner, number, records)
            self.inbox.put(_Names(worker, number, [draft.names() for draft in drafts]))
            waiting.append((number, drafts, reached))
            last = number
            if len(waiting) >= AHEAD:
                self._finish_one(waiting, outbox)
        self.inbox.put(_Names(worker, last + self.jobs, None))
        while waiting:
            self._finish_one(waiting, outbox)
        outbox.get()  # the parent's goodbye: exit only when it has everything

    def _finish_one(self, waiting: deque[tuple[int, list[RecordDraft], float | None]], outbox: Any) -> None:
        number, drafts, reached = waiting.popleft()
        message = outbox.get()
        if message is None:  # the parent stopped early
            sys.exit(0)
        shard, allocations = message
        assert shard == number, (shard, number)
        self.inbox.put(_finish(self.planner, self.work, number, drafts, allocations, reached))


def _picklable(error: BaseException) -> BaseException:
    """The error itself when it survives pickling, else a GlamuploadError with its text."""
    try:
        return pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - whatever it was, its text still reaches the user
        return GlamuploadError(str(error))


def planned_files(planner: Planner, *, jobs: int = 1, limit: int | None = None) -> Iterator[PlannedFile]:
    """The planned files of the whole export, in order, planned in ``jobs`` processes."""
    for shard in run(planner, _as_json, jobs=jobs, limit=limit):
        yield from (PlannedFile.from_json(line) for line in shard.result)


def _as_json(shard: int, records: int, files: Planned) -> list[str]:
    return [item.to_json() for item, _ in files]
