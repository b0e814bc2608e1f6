"""A resume starts at once whatever the batch's size: the state read a few rows at a time, an unchanged
export not hashed again, the time left estimated from the uploads themselves, and a progress line that
fits a terminal. (The time to the first upload at a million rows is benchmarks/resume.py's figure.)"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from report_synthetic import ACCEPTED, BLANK
from rich.console import Console

from glamupload import state
from glamupload.cli.upload import ProgressBar
from glamupload.planned import PlannedFile
from glamupload.state import BatchState, FileStatus, Outcome
from glamupload.upload.options import Progress
from glamupload.upload.pipeline import Uploader


def planned(n: int) -> PlannedFile:
    item = dict(BLANK, index=n, record_id=f"r{n}", filename=f"F {n}.jpg", license=ACCEPTED)
    return PlannedFile.from_dict(item)


def test_rows_are_read_a_batch_at_a_time_in_order_while_others_are_written(tmp_path: Path) -> None:
    with BatchState(tmp_path / "state.sqlite") as db:
        db.store_plan((planned(n) for n in range(25)), {"export": "x"})
        assert db.count([FileStatus.PENDING]) == 25 and db.count([FileStatus.PENDING], only=["r3", "r4"]) == 2
        seen = []
        for row in db.iter_rows([FileStatus.PENDING], batch=4):
            seen.append(row.record_id)
            if row.record_id == "r1":  # a row settled meanwhile, in a later batch, is not read as pending
                db.finish_many([(row.id + 5, Outcome(FileStatus.SKIPPED))])
        assert seen == [f"r{n}" for n in range(25) if n != 6]
        assert [r.record_id for r in db.iter_rows([FileStatus.SKIPPED])] == ["r6"]
        assert [r.record_id for r in db.iter_rows([FileStatus.PENDING], only=["r7", "r20"], batch=1)] == [
            "r7",
            "r20",
        ]


def test_the_files_are_counted_as_they_were_when_asked_and_not_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run's total is counted in the background (a million rows' index is not read before the first
    upload); it is the rows as they were when the count was asked, whatever is settled meanwhile."""
    deferred: list[Callable[[], None]] = []

    class Deferred:  # the counting thread, started when this test says
        def __init__(self, target: Callable[[], None], **kwargs: object) -> None:
            self.target = target

        def start(self) -> None:
            deferred.append(self.target)

    with BatchState(tmp_path / "state.sqlite") as db:
        db.store_plan((planned(n) for n in range(25)), {"export": "x"})
        monkeypatch.setattr(state.threading, "Thread", Deferred)
        counting = db.count_now_in_background([FileStatus.PENDING])
        monkeypatch.undo()
        assert not counting.done()  # the caller goes on: nothing counted yet
        db.finish_many([(row.id, Outcome(FileStatus.SKIPPED)) for row in db.rows()[:5]])
        assert db.count([FileStatus.PENDING]) == 20
        [count] = deferred
        count()
        assert counting.result() == 25
        assert db.count([FileStatus.PENDING], at_most=3) == 3  # "more than a --limit?" stops early
        assert db.count([FileStatus.PENDING], at_most=100) == 20


def test_an_unchanged_export_is_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    export = tmp_path / "export.csv"
    export.write_bytes(b"id,title\n" + b"1,a\n" * 1000)
    known: dict[str, object] = {}
    first = state.fingerprint({"export": export}, known)
    assert first == state.fingerprint({"export": export})  # the same digest as without remembering
    assert first["export"] == hashlib.sha256(b"export.csv" + export.read_bytes()).hexdigest()

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the export was read again")

    monkeypatch.setattr(Path, "open", no_reading)
    assert state.fingerprint({"export": export}, known) == first
    monkeypatch.undo()
    export.write_bytes(export.read_bytes() + b"2,b\n")  # changed: read again, a new digest
    assert state.fingerprint({"export": export}, known) != first


def test_the_time_left_comes_from_the_uploads_not_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    uploader = Uploader.__new__(Uploader)  # its estimate only: no wiki needed
    uploader._files_total, uploader._files_done = 100, 10
    uploader._counting = None
    uploader._settled = uploader._sized = uploader._bytes_sent = uploader._bytes_total = 0
    uploader._bytes_done = 0
    uploader._uploads_started, uploader._sent_files = None, 0
    assert uploader._time_left() is None  # nothing uploaded yet: no guess
    clock = iter([1000.0])
    monkeypatch.setattr("glamupload.upload.pipeline.time.monotonic", lambda: next(clock))
    uploader._uploads_started, uploader._sent_files = 990.0, 10  # 10 files in 10 s (after a slow start)
    assert uploader._time_left() == pytest.approx(90.0)
    # large files: the bytes left at the byte rate, when that is longer
    clock = iter([1000.0])
    uploader._sized, uploader._bytes_total, uploader._bytes_sent, uploader._bytes_done = (
        20,
        20 * 10**8,
        10**8,
        10**8,
    )
    assert uploader._time_left() == pytest.approx((100 * 10**8 - 10**8) * 10 / 10**8)


def test_the_progress_line_fits_80_columns() -> None:
    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=True, color_system=None)
    event = Progress("file", 123_456, 1_000_000, 7 * 10**11, 10**13, 3.4 * 10**6, 4000.0, "A" * 200 + ".jpg")
    with ProgressBar(console) as bar:
        bar(event)
        bar.bar.refresh()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "\n", out.getvalue()).replace("\r", "\n")
    rendered = [part for part in text.split("\n") if "ETA" in part]
    assert rendered and all(len(part.rstrip()) <= 80 for part in rendered)
    assert "ETA 1:06:40" in rendered[-1] and "123456/1000000" in rendered[-1]


def test_the_progress_line_says_the_total_is_not_known_yet() -> None:
    """While the run's files are still counted (in the background), the line shows files done of '…'."""
    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=True, color_system=None)
    with ProgressBar(console) as bar:
        bar(Progress("file", 3, None, 3 * 10**6, 10**7, 10**6, None, "F 3.jpg"))
        bar.bar.refresh()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "\n", out.getvalue()).replace("\r", "\n")
    assert any("3/…" in part and len(part.rstrip()) <= 80 for part in text.split("\n"))
