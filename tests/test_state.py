"""The upload state database: plan storage, replans, status changes that survive a killed process."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from upload_support import planned

from glamupload import review
from glamupload.errors import ConfigError, StateError
from glamupload.exitcodes import ExitStatus
from glamupload.planned import PlannedFile
from glamupload.state import (
    BatchState,
    Conflict,
    Decision,
    FileStatus,
    Outcome,
    PageStatus,
    fingerprint,
    plan_keys,
)


def _plan(*ids: str) -> list[PlannedFile]:
    return [
        planned(record_id, f"File {record_id} {i}.png", f"/img/{i}.png") for i, record_id in enumerate(ids)
    ]


@given(st.lists(st.sampled_from(["A", "B", "C", "D"]), max_size=30))
def test_plan_keys_are_unique_and_number_each_records_files(ids: list[str]) -> None:
    keys = list(plan_keys(ids))
    assert len(set(keys)) == len(keys)
    for i, record_id in enumerate(ids):
        assert keys[i] == f"{record_id}#{ids[: i + 1].count(record_id)}"


def test_plan_is_stored_in_order_with_counts(tmp_path: Path) -> None:
    with BatchState(tmp_path / "s.sqlite") as db:
        assert not db.has_plan
        assert db.store_plan(_plan("A", "B", "A"), {"export": "1"}) == 3
        assert db.has_plan
        rows = db.rows()
        assert [r.key for r in rows] == ["A#1", "B#1", "A#2"]
        assert rows[0].planned.wikitext.startswith("== Summary ==")
        assert db.counts() == {**{s: 0 for s in FileStatus}, "pending": 3, "total": 3}
    with sqlite3.connect(tmp_path / "s.sqlite") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_status_changes_are_durable_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with BatchState(path) as db:
        db.store_plan(_plan("A", "B", "C"), {})
        a, b, c = db.rows()
        db.set_content(a.id, 10, "ab" * 20)
        db.start_attempt(a.id)
        db.set_stash(a.id, "key.1", 4)
        db.start_attempt(b.id)
        db.finish_many(
            [
                (
                    b.id,
                    Outcome(
                        FileStatus.FAILED, code="abusefilter-disallowed", message="This action is not allowed"
                    ),
                )
            ]
        )
        db.finish_many([(c.id, Outcome(FileStatus.SKIPPED, code="license-reject", message="CC BY-NC"))])
    with BatchState(path) as db:
        a, b, c = db.rows()
        assert (a.status, a.attempts, a.filekey, a.stash_offset, a.size) == ("uploading", 1, "key.1", 4, 10)
        assert (b.status, b.error_code) == ("failed", "abusefilter-disallowed")
        problems = {p.record_id: p for p in db.problems()}
        assert problems["B"].message == "This action is not allowed"
        assert problems["C"].status == "skipped"
        db.finish_many([(a.id, Outcome(FileStatus.UPLOADED, title="File:A.png"))])
        assert db.row(a.id).filekey is None
        assert db.reopen([FileStatus.FAILED]) == 1
        assert db.row(b.id).status == "pending" and db.row(b.id).error_code is None
        with pytest.raises(ValueError):
            db.finish_many([(a.id, Outcome("done"))])  # type: ignore[arg-type]


def test_replan_keeps_finished_and_in_flight_rows(tmp_path: Path) -> None:
    with BatchState(tmp_path / "s.sqlite") as db:
        db.store_plan(_plan("done", "flying", "failed", "dropped", "dropped-done"), {"crosswalk": "1"})
        rows = {r.record_id: r for r in db.rows()}
        db.finish_many([(rows["done"].id, Outcome(FileStatus.UPLOADED, title="File:done.png"))])
        db.finish_many([(rows["dropped-done"].id, Outcome(FileStatus.DUPLICATE, title="File:other.png"))])
        db.start_attempt(rows["flying"].id)
        db.finish_many([(rows["failed"].id, Outcome(FileStatus.FAILED, code="x", message="y"))])
        assert db.plan_changes({"crosswalk": "2"}) == ["crosswalk"]
        assert db.plan_changes({"crosswalk": "1", "lookup places": "9"}) == ["lookup places"]
        new = [planned(r, f"New {r}.png", "/img/new.png") for r in ("done", "flying", "failed", "added")]
        db.store_plan(new, {"crosswalk": "2"})
        after = {r.record_id: r for r in db.rows()}
        assert set(after) == {"done", "flying", "failed", "dropped-done", "added"}
        assert after["done"].filename == "File done 0.png" and after["done"].status == "uploaded"
        assert after["flying"].status == "uploading" and after["flying"].filename == "File flying 1.png"
        assert after["failed"].status == "pending" and after["failed"].filename == "New failed.png"
        assert after["added"].status == "pending"
        assert db.plan_changes({"crosswalk": "2"}) == []


def test_fingerprint_names_each_changed_input(tmp_path: Path) -> None:
    export, templates = tmp_path / "export.csv", tmp_path / "templates"
    export.write_text("a|b\n")
    templates.mkdir()
    (templates / "page.j2").write_text("{{ x }}")
    before = fingerprint({"export": export, "templates": templates, "overrides": None})
    assert set(before) == {"export", "templates"}
    (templates / "page.j2").write_text("{{ y }}")
    after = fingerprint({"export": export, "templates": templates})
    assert before["export"] == after["export"] and before["templates"] != after["templates"]


def test_a_glob_export_is_fingerprinted_by_the_files_it_matches(tmp_path: Path) -> None:
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "r1.json").write_text("{}")
    (tmp_path / "records" / "notes.txt").write_text("not matched")
    pattern = {"export": tmp_path / "records" / "*.json"}
    first = fingerprint(pattern)
    (tmp_path / "records" / "notes.txt").write_text("changed, still not matched")
    assert fingerprint(pattern) == first
    (tmp_path / "records" / "r2.json").write_text("{}")
    added = fingerprint(pattern)
    (tmp_path / "records" / "r2.json").write_text('{"title": "x"}')
    assert len({first["export"], added["export"], fingerprint(pattern)["export"]}) == 3


def test_a_killed_transaction_leaves_the_previous_state(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with BatchState(path) as db:
        db.store_plan(_plan("A"), {})
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from glamupload.state import BatchState\n"
        "db = BatchState(Path(sys.argv[1]))\n"
        "with db.transaction() as tx:\n"
        "    tx.execute(\"UPDATE files SET status = 'uploaded'\")\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(path)], check=False)
    assert proc.returncode == -9
    with BatchState(path) as db:
        assert db.rows()[0].status == "pending"


def test_unreadable_or_foreign_databases_are_refused_with_their_reason(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateError, match="damaged") as damaged:
        BatchState(junk)
    assert damaged.value.exit_status == ExitStatus.LOCAL_FILES
    assert junk.read_bytes() == b"this is not a database" * 100
    newer = tmp_path / "newer.sqlite"
    BatchState(newer).close()
    with sqlite3.connect(newer) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    with pytest.raises(ConfigError, match="schema 99"):
        BatchState(newer)


def test_a_damaged_page_row_is_named_not_a_crash(tmp_path: Path) -> None:
    """A pages row whose conflicts no longer read crashed `status` and `review` (JSONDecodeError,
    KeyError, TypeError from the stored JSON); it is the state's damage, named by its row."""
    path = tmp_path / "s.sqlite"
    with BatchState(path) as db:
        db.store_plan(_plan("A"), {})
        db.record_page("A#1", "File:A.png", None, PageStatus.CONFLICT)
    for stored in ("garbage", "[{}]", "[1]"):
        with sqlite3.connect(path) as raw:
            raw.execute("UPDATE pages SET conflicts = ?", (stored,))
        with BatchState(path) as db:
            for read in (db.pages, db.page_problems):
                with pytest.raises(StateError, match=r"row A#1 of the upload state is damaged \("):
                    read()


def test_a_decision_on_a_records_conflict_holds_for_each_of_its_files_whatever_their_status(
    tmp_path: Path,
) -> None:
    """A record's two images conflicted on the same parameter: the decision went to one file only (by
    record id), and the other stayed listed for ever; a file row no longer "uploaded" (a duplicate found
    later) made the decision crash (KeyError)."""
    path = tmp_path / "s.sqlite"
    with BatchState(path) as db:
        db.store_plan(_plan("A", "A", "B"), {})
        for key in ("A#1", "A#2", "B#1"):
            db.record_page(
                key, f"File:{key}.png", None, PageStatus.CONFLICT, conflicts=[Conflict("date", "a", "b", "c")]
            )
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE files SET status = 'duplicate' WHERE key = 'A#2'")
    listed = review.update_conflicts(path)
    assert [(c.record_id, c.part) for c in listed] == [("A", "date"), ("A", "date"), ("B", "date")]
    assert "key" not in listed[0].as_dict()  # the listing's JSON is as it was
    decided = review.decide_update_conflicts(
        path, {("A", "date"): Decision.ACCEPT}, reviewer="R", reason="ok"
    )
    assert [c.title for c in decided] == ["File:A#1.png", "File:A#2.png"]
    with BatchState(path) as db:
        assert [db.update_decisions(key).keys() for key in ("A#1", "A#2", "B#1")] == [
            {"date"},
            {"date"},
            set(),
        ]


def test_only_must_name_records_of_the_plan(tmp_path: Path) -> None:
    """One rule for upload, update and sdc: a mistyped --only would make a run that does nothing."""
    with BatchState(tmp_path / "s.sqlite") as db:
        db.store_plan(_plan("R1", "R2"), {"export": "1"})
        db.check_only(None)
        db.check_only(["R2", "R1"])
        with pytest.raises(ConfigError) as err:
            db.check_only(["R1", "R1x", "Q7"])
        assert err.value.message == "--only R1x, Q7: no such record in this batch's plan"
        assert err.value.hint == "did you mean R1?"


def test_a_row_whose_status_glamupload_does_not_know_is_named_not_left_out_of_the_total(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.sqlite"
    with BatchState(path) as db:
        db.store_plan(_plan("A", "B"), {})
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE files SET status = 'done' WHERE record_id = 'B'")
    with BatchState(path) as db, pytest.raises(StateError, match=r"1 file row\(s\) have the status 'done'"):
        db.counts()  # it said 1 file in all
