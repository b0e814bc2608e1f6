"""One upload run over a batch's state: reconcile, preflight, then prepare ahead and upload.

Before its bytes are sent, every file is looked up on the wiki by SHA-1 (one read per file: the API
takes one SHA-1 per request). The lookup runs in the prepare stage, right after hashing and while the
previous file uploads, so it costs a request but no waiting. ``sha1_check_from`` limits it to large
files (``--sha1-check chunked``: only files sent in chunks), for when requests count more than
bandwidth; the upload's own ``duplicate`` warning still publishes nothing for the others. Titles are
checked 50 per request.

A stop (Ctrl-C, or a fatal error such as a wiki gone for good) ends the run within a second or two in
every phase: waits end at once, requests in flight are cut (:mod:`glamupload.stopping`), no new file is
started, and the file that was being sent is settled by asking the wiki once (on the wiki: uploaded;
otherwise pending, which every later run checks by title before sending a byte). Only a killed process
leaves a row ``uploading``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from glamupload import conventions, preflight, sources
from glamupload.errors import ApiError, GlamuploadError, InputError, Stopped, WikiError
from glamupload.state import FINISHED, BatchState, BatchStatus, FileRow, FileStatus, Outcome, OutcomeCode
from glamupload.stopping import StopSignal
from glamupload.upload.chunks import ChunkedUpload
from glamupload.upload.options import Progress, ProgressCallback, ProgressKind, UploadOptions
from glamupload.upload.replies import ReplyJudge
from glamupload.wiki import Wiki, chunked, user_agent

#: Seconds a stopped run gives the wiki to say whether it holds the file that was being sent.
SETTLE_TIMEOUT = 1.0


class RatePacer:
    """Spaces publishes to stay under the account's upload limit (hits per seconds), never silently."""

    MARGIN = 1.1  #: a little slower than the limit: the wiki's window and our clock differ

    def __init__(
        self,
        limit: tuple[int, float] | None,
        notify: Callable[[float, str], None],
        stop: StopSignal | None = None,
    ) -> None:
        self.interval = limit[1] / limit[0] * self.MARGIN if limit else 0.0
        self.notify = notify
        self.stop = stop or StopSignal()  #: (its own: a wait in the main thread ends on Ctrl-C anyway)
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Wait for the next slot (:class:`Stopped` when the run stops meanwhile)."""
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            self.notify(delay, "the account's upload rate limit")
            self.stop.sleep(delay)


@dataclass(frozen=True)
class _Prepared:
    """A file ready to send, with the wiki's files of the same content (when it was looked up)."""

    content: sources.Content
    copies_on_wiki: list[str]


#: Seconds the last progress line waits for the background count of the run's files (it takes ~0.4 s at
#: a million rows; a state on a disk that stopped answering must not hold up the run's end).
COUNT_WAIT = 5.0


class Uploader:
    """One run over a batch's state: reconcile, preflight, upload."""

    def __init__(
        self,
        db: BatchState,
        wiki: Wiki,
        *,
        batch_name: str,
        image_roots: Sequence[Path],
        allow_outside_root: bool = False,
        options: UploadOptions | None = None,
        progress: ProgressCallback | None = None,
        batch_id: str | None = None,
    ) -> None:
        self.db = db
        self.wiki = wiki
        self.options = options or UploadOptions()
        self.options.check(wiki)
        self.batch_name = batch_name
        self.batch_id = batch_id  #: ends every upload's summary (BatchConfig.batch_id)
        #: (record id, wiki title) of the files this run uploaded, in the order they were published
        self.uploaded: list[tuple[str, str]] = []
        self.roots = list(image_roots)
        self.allow_outside = allow_outside_root
        self.cache_dir = self.options.cache_dir or db.path.with_name(db.path.stem + ".cache")
        self.progress_callback = progress
        #: The run's stop (the wiki connection's): set it, and the run ends within a second or two.
        self.stop = wiki.stop_signal
        self._lock = threading.Lock()
        self._done: dict[str, int] = {}
        self._files_done = self._bytes_total = self._bytes_done = 0
        self._files_total: int | None = 0  #: None while the files are counted (``_known_total``)
        self._counting: Future[int] | None = None
        self._count_base = 0
        self._sized = self._settled = self._sent_files = self._bytes_sent = 0  # for the time left
        self._uploads_started: float | None = None
        self._limited = False
        self._sends = 0  #: files this run started sending (what --limit counts)
        self._unsettled: dict[int, FileRow] = {}  #: rows a stop or a fatal error caught in flight
        self._fatal: BaseException | None = None  #: the error that ended the run, raised after cleanup
        self._started = time.monotonic()
        self._current: str | None = None
        self._session = self.stop.mount(requests.Session())
        self._session.headers["User-Agent"] = user_agent(wiki.username)
        wiki.on_wait = self._waiting
        wiki.rate_limit_wait = self.options.rate_limit_wait
        self.pacer = RatePacer(None, self._waiting, self.stop)
        self.replies = ReplyJudge(wiki, db, lambda: self.pacer.wait())
        self.chunks = ChunkedUpload(wiki, db, self.options.chunk_size, self.stop, self._sent)

    # --- progress ---------------------------------------------------------------------------------

    def emit(self, kind: ProgressKind, message: str | None = None, wait: float | None = None) -> None:
        """Tell the caller where the run stands (a no-op without a progress callback)."""
        if self.progress_callback is None:
            return
        with self._lock:
            total = self._known_total()
            if self.options.limit is not None and total is not None:
                left = max(0, self.options.limit - self._sends)  # the files this run may still send
                self._files_total = max(total, self._files_done + left)
            elapsed = max(time.monotonic() - self._started, 1e-6)
            rate = self._bytes_done / elapsed
            eta = self._time_left()
            event = Progress(
                kind,
                self._files_done,
                self._files_total,
                self._bytes_done,
                self._bytes_total,
                rate,
                eta,
                self._current,
                message,
                wait,
            )
        self.progress_callback(event)

    def _time_left(self) -> float | None:
        """Seconds left, from the uploads since the first one started (not the login and checks before
        it): the time per file so far for the files left, or the bytes left at the byte rate so far,
        whichever is longer (small files cost their requests, large ones their bytes). Called locked."""
        total = self._known_total()
        if self._uploads_started is None or self._sent_files == 0 or total is None:
            return None
        spent = max(time.monotonic() - self._uploads_started, 1e-6)
        files_left = max(0, total - self._files_done)
        by_files = files_left * spent / self._sent_files
        if not self._sized or not self._bytes_sent:
            return by_files
        to_send = max(1, total - self._settled)  # rows the preflight settles are not sent
        expected = self._bytes_total / self._sized * to_send
        by_bytes = max(0.0, expected - self._bytes_done) * spent / self._bytes_sent
        return max(by_files, by_bytes)

    def _waiting(self, seconds: float, reason: str) -> None:
        self.emit("wait", f"waiting {seconds:.0f} s: {reason}", seconds)

    def _sent(self, count: int) -> None:
        with self._lock:
            self._bytes_done += count
            self._bytes_sent += count
        self.emit("bytes")

    def _record(self, row: FileRow, outcome: Outcome) -> None:
        """Write a row's outcome (one transaction) and count it."""
        with self._lock:
            if self._uploads_started is not None:
                self._sent_files += 1
        self._record_many([(row, outcome)])

    def _record_many(self, settled: Sequence[tuple[FileRow, Outcome]]) -> None:
        """Write several outcomes in one transaction and count them."""
        if not settled:
            return
        self.db.finish_many([(row.id, outcome) for row, outcome in settled])
        with self._lock:
            for done, outcome in settled:
                self._done[outcome.status] = self._done.get(outcome.status, 0) + 1
                if outcome.status == FileStatus.UPLOADED:
                    self.uploaded.append((done.record_id, outcome.title or f"File:{done.filename}"))
            self._files_done += len(settled)
        row, outcome = settled[-1]
        self.emit("file", f"{row.filename}: {outcome.status}")

    # --- the run ----------------------------------------------------------------------------------

    def run(self) -> BatchStatus:
        """Reconcile, preflight and upload; a stop (Ctrl-C) ends it within a second or two, with the
        file in flight settled. An error that ends the run (the wiki gone for good, a full disk) is
        raised after the same cleanup."""
        interrupted = False
        self.stop.clear()  # the connection's stop belongs to the run that uses it
        try:
            try:
                self.db.check_only(self.options.only)
                self.reconcile()
                if self.options.retry_failed:
                    self.db.reopen([FileStatus.FAILED], only=self.options.only)
                self._count_files()
                ready = self.preflight(self.db.iter_rows([FileStatus.PENDING], only=self.options.only))
                self.emit("start")
                self._upload_all(self._with_titles(ready))
                interrupted = self.stop.is_set()  # a caller's stop (request_stop) ends it like Ctrl-C
            except (KeyboardInterrupt, Stopped):
                if self._fatal is not None:
                    raise self._fatal from None
                interrupted = True
            if self._fatal is not None:
                raise self._fatal
        finally:
            self.request_stop()
            self._settle_unsettled()
            self.stop.clear()  # the connection serves later commands
        self._current = None
        counting = self._counting
        if counting is not None:  # the last line shows the total (the count is long done, or never comes)
            wait([counting], timeout=COUNT_WAIT)
        self.emit("done")
        return self.db.status(self._done, interrupted, self._sends)

    def _count_files(self) -> None:
        """The run's files in all (the progress bar's total). With ``--limit`` below the rows waiting,
        the limit, and rows settled on the way come on top of it; else the rows waiting now, counted in
        the background (a million rows' count is not waited for: the total shows when it is known)."""
        limit, only = self.options.limit, self.options.only
        if limit is not None and self.db.count([FileStatus.PENDING], only=only, at_most=limit + 1) > limit:
            self._limited = True
            with self._lock:
                self._files_total = self._files_done + limit
            return
        self._limited = False
        with self._lock:
            self._files_total, self._count_base = None, self._files_done
            self._counting = self.db.count_now_in_background([FileStatus.PENDING], only=only)

    def _known_total(self) -> int | None:
        """The run's files in all, once counted (called locked); a count that failed leaves it unknown."""
        if self._files_total is None and self._counting is not None and self._counting.done():
            counting, self._counting = self._counting, None
            with suppress(GlamuploadError):
                self._files_total = self._count_base + counting.result()
        return self._files_total

    def request_stop(self) -> None:
        """Stop the run: waits end, requests in flight are cut, no new file is started."""
        self.stop.set()

    def _settle_unsettled(self) -> None:
        """Ask the wiki once what became of the files a stop or a fatal error caught in flight: on the
        wiki with our bytes, uploaded; otherwise (or when the wiki does not answer in time) pending,
        which the next run checks by title before it sends a byte. Nothing is left ``uploading``."""
        rows = list(self._unsettled.values())
        self._unsettled.clear()
        if not rows:
            return
        try:
            with self.wiki.after_stop(SETTLE_TIMEOUT):
                found = self.wiki.file_info(r.filename for r in rows)
        except (GlamuploadError, Stopped, KeyboardInterrupt):
            found = {}
        try:
            for row in rows:
                outcome = preflight.judge_on_wiki(row.filename, row.sha1 or "", found.get(row.filename), [])
                if outcome is not None and outcome.status == FileStatus.UPLOADED:
                    self._record(row, outcome)
                else:
                    self.db.requeue(
                        row.id
                    )  # a stash key is kept: the chunks continue from the server's offset
        except GlamuploadError:
            pass  # the state cannot be written (a full disk): the rows stay in flight, reconciled next run

    def reconcile(self) -> None:
        """Settle rows a previous run left in flight, by asking the wiki what it holds."""
        rows = self.db.rows([FileStatus.UPLOADING], only=self.options.only)
        if not rows:
            return
        found = self.wiki.file_info(r.filename for r in rows)
        for row in rows:
            outcome = preflight.judge_on_wiki(row.filename, row.sha1 or "", found.get(row.filename), [])
            if outcome is None:
                self.db.requeue(row.id)  # a stash key, if any, is kept: the upload continues from it
            else:
                self._record(row, outcome)

    #: Rows settled locally are written together, this many at a time.
    SETTLE_BATCH = 500

    def preflight(self, rows: Iterable[FileRow]) -> Iterator[FileRow]:
        """Settle what can be settled locally (a transaction per ``SETTLE_BATCH`` rows) and yield the
        rows to upload as they are found, so the first upload starts at once however many rows wait.
        The rows settled before a row are written before it is handed on: the run may stop asking for
        rows at any one (a stop, or ``--limit`` reached: it counts files sent, so a test run of 5 files
        from 50,000 stays cheap, and files already on the wiki or skipped do not count)."""
        settled: list[tuple[FileRow, Outcome]] = []
        files = sources.LocalFiles(self.roots, allow_outside=self.allow_outside)
        for row in rows:
            self.stop.check()
            checked = preflight.check_local(
                row.planned, self.roots, allow_outside=self.allow_outside, files=files
            )
            if isinstance(checked, Outcome):
                settled.append((row, checked))
                if len(settled) >= self.SETTLE_BATCH:
                    self._settle(settled)
                continue
            if checked is not None:
                with self._lock:
                    self._bytes_total += checked.size
                    self._sized += 1
            self._settle(settled)
            yield row
        self._settle(settled)

    def _settle(self, settled: list[tuple[FileRow, Outcome]]) -> None:
        """Write the rows settled so far (one transaction) and forget them."""
        if settled:
            with self._lock:
                if self._limited and self._files_total is not None:
                    self._files_total += len(settled)
                self._settled += len(settled)
            self._record_many(settled)
            settled.clear()

    def _with_titles(self, rows: Iterable[FileRow]) -> Iterator[tuple[FileRow, dict[str, Any] | None]]:
        """Each row with the wiki's imageinfo when its title already exists, asked 50 titles at a time
        as the uploads reach them, so the first upload starts after one query however many rows wait.
        The first question is about the first row alone, so the first upload waits for no other row's
        preflight; the account's rate limit and the CSRF token ride along with it."""
        for number, group in enumerate(chunked(rows, first=1)):
            limit, existing = self.wiki.account_and_files((r.filename for r in group), account=number == 0)
            if number == 0:
                self.pacer = RatePacer(limit, self._waiting, self.stop)
            for row in group:
                yield row, existing.get(row.filename)

    def _prepare(self, row: FileRow, title_taken: bool) -> _Prepared | Outcome:
        """Hash (URLs: download first) and look the content up on the wiki, ahead of the uploads."""
        content = self._content(row)
        if isinstance(content, Outcome):
            return content
        look_up = not title_taken and content.size >= self.options.sha1_check_from
        return _Prepared(content, self.wiki.files_with_sha1(content.sha1) if look_up else [])

    def _content(self, row: FileRow) -> sources.Content | Outcome:
        """The bytes to send: a local file, or a download into the cache (checked like a local file)."""
        self.stop.check()
        try:
            if sources.is_url(row.source):
                path = sources.fetch(
                    row.source,
                    self.cache_dir,
                    session=self._session,
                    max_bytes=self.options.max_download,
                    stop=self.stop,
                )
                checked = preflight.check_download(path, row.filename, row.source)
                if isinstance(checked, Outcome):
                    return checked
                with self._lock:
                    self._bytes_total += checked.size
                return sources.hash_file(path)
            path = sources.local_path(row.source, self.roots, allow_outside=self.allow_outside)
            return sources.hash_file(path)
        except sources.SourceError as exc:
            return Outcome(FileStatus.FAILED, code=exc.code, message=exc.message)
        except InputError as exc:
            return Outcome(FileStatus.FAILED, code=OutcomeCode.SOURCE, message=exc.message)
        except OSError as exc:  # removed or unreadable since the preflight
            return Outcome(
                FileStatus.FAILED, code=OutcomeCode.SOURCE, message=f"{row.source}: {exc.strerror}"
            )

    def _upload_all(self, ready: Iterable[tuple[FileRow, dict[str, Any] | None]]) -> None:
        """Prepare ahead in one pool, upload in another (one worker unless --workers)."""
        prepare = ThreadPoolExecutor(max_workers=2, thread_name_prefix="prepare")
        upload = ThreadPoolExecutor(max_workers=self.options.workers, thread_name_prefix="upload")
        window = self.options.workers + self.options.prepare_ahead
        in_flight: deque[Future[None]] = deque()
        try:
            for row, existing in ready:
                if self.stop.is_set() or not self._may_send():  # no more rows read or asked about
                    break
                prepared = prepare.submit(self._prepare, row, existing is not None)
                in_flight.append(upload.submit(self._process, row, existing, prepared))
                while len(in_flight) >= window:
                    in_flight.popleft().result()
            while in_flight:
                in_flight.popleft().result()
        except BaseException:
            self.request_stop()  # before waiting for the workers: it cuts their requests and waits
            raise
        finally:
            upload.shutdown(wait=True, cancel_futures=True)
            prepare.shutdown(wait=True, cancel_futures=True)

    def _may_send(self) -> bool:
        """Whether ``--limit`` leaves room for another file."""
        with self._lock:
            return self.options.limit is None or self._sends < self.options.limit

    def _take_send(self) -> bool:
        """Claim the right to send one more file: not after a stop, not beyond ``--limit``."""
        with self._lock:
            if self.stop.is_set() or (self.options.limit is not None and self._sends >= self.options.limit):
                return False
            self._sends += 1
            return True

    def _process(
        self, row: FileRow, existing: dict[str, Any] | None, future: Future[_Prepared | Outcome]
    ) -> None:
        """Take one prepared file to its outcome; an error that ends the run stops the others at once."""
        try:
            self._take_to_outcome(row, existing, future)
        except Stopped:
            return
        except BaseException as exc:
            with self._lock:
                if self._fatal is None:
                    self._fatal = exc
            self.request_stop()
            raise

    def _take_to_outcome(
        self, row: FileRow, existing: dict[str, Any] | None, future: Future[_Prepared | Outcome]
    ) -> None:
        prepared = future.result()
        self.stop.check()
        if isinstance(prepared, Outcome):
            self._record(row, prepared)
            return
        content = prepared.content
        self.db.set_content(row.id, content.size, content.sha1)
        row = self.db.row(row.id)
        twin = self.db.uploaded_title_for_sha1(content.sha1, exclude=row.id)
        outcome = preflight.judge_on_wiki(row.filename, content.sha1, existing, prepared.copies_on_wiki, twin)
        if outcome is None:
            if not self._take_send():
                return  # stopped, or --limit reached: the row stays pending
            self._current = row.filename
            with self._lock:
                self._uploads_started = self._uploads_started or time.monotonic()
            self.emit("bytes")
            outcome = self._upload(row, content)
        if outcome is not None:
            self._record(row, outcome)
            if outcome.status in FINISHED and sources.is_url(row.source):
                content.path.unlink(missing_ok=True)  # the cache holds only what may still be sent

    # --- talking to the wiki ----------------------------------------------------------------------

    def _upload(self, row: FileRow, content: sources.Content) -> Outcome | None:
        """Upload one file and judge the reply; None when stopped mid-way (the row stays in flight)."""
        comment = self.options.comment.format(batch=self.batch_name, record=row.record_id)
        if self.batch_id:
            comment = conventions.load().edit_summary(comment, self.batch_id)
        text = row.planned.wikitext
        self.db.start_attempt(row.id)
        try:
            try:
                if content.size >= self.options.chunk_threshold or row.filekey:
                    filekey = self.chunks.send(row, content)
                    if filekey is None:  # stopped between two chunks
                        self._unsettled[row.id] = row
                        return None
                    self.pacer.wait()
                    reply = self.wiki.publish_stash(row.filename, filekey, text, comment)
                else:
                    self.pacer.wait()
                    reply = self.wiki.upload_bytes(content.path.read_bytes(), row.filename, text, comment)
                    self._sent(content.size)
                outcome = self.replies.judge(row, reply, text, comment)
            except ApiError as exc:
                outcome = self.replies.after_error(row, exc)
        except (Stopped, WikiError):  # cut by a stop, or the wiki is gone: settled when the run ends
            self._unsettled[row.id] = row
            raise
        self._current = None
        return outcome
