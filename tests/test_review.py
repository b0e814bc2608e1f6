"""Reviewers' decisions on files the wiki's warnings held back: against the real sandbox wiki (files
deleted there by its administrator), and the checks that keep a wrong decision from being recorded."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from upload_support import make_image, planned, run, store

from glamupload import review
from glamupload.accounts import sandbox_account
from glamupload.cli import cli
from glamupload.errors import ConfigError
from glamupload.state import BatchState, Decision, FileStatus, Outcome
from glamupload.wiki import Wiki, resolve_target

SMM_BATCH = Path(__file__).resolve().parents[1] / "examples" / "smm" / "batch.yaml"


def deleted_on_the_wiki(sandbox_dir: Path, uploader: Wiki, image: Path, name: str) -> Wiki:
    """Upload ``image`` as ``name``, then delete it as the administrator (the admin is returned)."""
    admin = Wiki(resolve_target("sandbox", sandbox_dir), sandbox_account(sandbox_dir, "admin"))
    uploader.upload(image, name, "x", "x")
    admin.call({"action": "delete", "title": f"File:{name}", "reason": "test"}, write=True)
    return admin


def statuses(db: BatchState) -> dict[str, tuple[str, str | None]]:
    return {r.record_id: (r.status, r.error_code) for r in db.rows()}


def test_accepted_files_upload_past_their_warning_and_skipped_ones_stay_out(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    old = make_image(tmp_path / "old.png", unique_name + "old")
    deleted_on_the_wiki(Path(sandbox_wiki.dir), uploader, old, f"{unique_name} gone.png")
    new = make_image(tmp_path / "new.png", unique_name + "new")
    files = [
        planned("name", f"{unique_name} gone.png", new),  # a name that was deleted
        planned("bytes", f"{unique_name} again.png", old),
    ]  # bytes that were deleted
    db = store(tmp_path / "s.sqlite", files)
    run(db, uploader, tmp_path)
    assert statuses(db) == {
        "name": ("needs_review", "was-deleted"),
        "bytes": ("needs_review", "duplicate-archive"),
    }

    decided = review.decide(
        db.path,
        {"name": Decision.ACCEPT, "bytes": Decision.SKIP},
        reviewer="A. Curator",
        reason="checked the deletion log",
    )
    assert sorted(r.record_id for r in decided) == ["bytes", "name"]
    assert statuses(db) == {"name": ("pending", None), "bytes": ("skipped", "skipped-by-review")}
    summary = run(db, uploader, tmp_path)
    assert summary.this_run == {"uploaded": 1}
    info = uploader.file_info([f"{unique_name} gone.png"])[f"{unique_name} gone.png"]
    assert info is not None and info["sha1"] == hashlib.sha1(new.read_bytes()).hexdigest()
    assert uploader.file_info([f"{unique_name} again.png"])[f"{unique_name} again.png"] is None
    skipped = {p.record_id: p.message for p in summary.problems}["bytes"]
    assert "A. Curator" in skipped and "checked the deletion log" in skipped

    # a replan makes the skipped row pending again; the wiki's warning meets the reviewer's decision
    db.store_plan(files, {"test": "2"})
    assert statuses(db)["bytes"] == ("pending", None)
    assert run(db, uploader, tmp_path).this_run == {"skipped": 1}
    assert statuses(db) == {"name": ("uploaded", None), "bytes": ("skipped", "skipped-by-review")}


def test_an_accepted_warning_lets_no_other_warning_through(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    """Accepting 'was-deleted' for a name does not let the upload over a title someone else has
    taken since."""
    name = f"{unique_name} gone.png"
    admin = deleted_on_the_wiki(
        Path(sandbox_wiki.dir), uploader, make_image(tmp_path / "a.png", unique_name), name
    )
    ours = make_image(tmp_path / "ours.png", unique_name + "ours")
    db = store(tmp_path / "s.sqlite", [planned("name", name, ours)])
    run(db, uploader, tmp_path)
    review.decide(db.path, {"name": Decision.ACCEPT}, reviewer="A. Curator", reason="restored")
    # meanwhile someone else restores the name with another file (past the same warning)
    reply = admin.upload(make_image(tmp_path / "other.png", unique_name + "other"), name, "x", "someone else")
    assert reply["result"] == "Warning" and "was-deleted" in reply["warnings"]
    admin.publish_stash(name, reply["filekey"], "x", "someone else", ignore_warnings=True)
    run(db, uploader, tmp_path)
    assert statuses(db) == {"name": ("failed", "title-taken")}


def needing_review(tmp_path: Path) -> BatchState:
    """A state with one file of each kind a reviewer meets (no wiki needed: outcomes written directly)."""
    image = make_image(tmp_path / "a.png", "a")
    db = store(
        tmp_path / "s.sqlite",
        [planned(r, f"Review test {r}.png", image) for r in ("deleted", "mismatch", "done")],
    )
    rows = {r.record_id: r for r in db.rows()}
    deleted = Outcome(
        FileStatus.NEEDS_REVIEW, code="was-deleted", message="a file with this name was deleted"
    )
    db.finish_many([(rows["deleted"].id, deleted)])
    mismatch = Outcome(FileStatus.NEEDS_REVIEW, code="sha1-mismatch", message="the wiki holds other bytes")
    db.finish_many([(rows["mismatch"].id, mismatch)])
    db.finish_many([(rows["done"].id, Outcome(FileStatus.UPLOADED, title="File:Review test done.png"))])
    return db


@pytest.mark.parametrize(
    ("decisions", "error"),
    [
        ({"deleted": Decision.ACCEPT, "nobody": Decision.ACCEPT}, "record nobody: no such record"),
        (
            {"deleted": Decision.ACCEPT, "done": Decision.SKIP},
            "record done: no file of this record needs review (it is uploaded)",
        ),
        (
            {"deleted": Decision.ACCEPT, "mismatch": Decision.ACCEPT},
            "record mismatch: Review test mismatch.png cannot be accepted",
        ),
    ],
)
def test_a_wrong_decision_names_the_record_and_records_nothing(
    tmp_path: Path, decisions: dict[str, str], error: str
) -> None:
    db = needing_review(tmp_path)
    before = statuses(db)
    with pytest.raises(ConfigError) as raised:
        review.decide(db.path, decisions, reviewer="A. Curator", reason="r")
    assert error in str(raised.value)
    assert statuses(db) == before
    assert db.review_for(db.rows(only=["deleted"])[0], "was-deleted") is None


def test_a_decision_needs_a_reviewer_and_a_reason(tmp_path: Path) -> None:
    db = needing_review(tmp_path)
    for reviewer, reason in (("", "r"), ("A", "  ")):
        with pytest.raises(ConfigError, match="--by and --reason"):
            review.decide(db.path, {"deleted": Decision.ACCEPT}, reviewer=reviewer, reason=reason)


def test_a_decision_belongs_to_its_warning_and_file_name(tmp_path: Path) -> None:
    db = needing_review(tmp_path)
    row = db.rows(only=["deleted"])[0]
    review.decide(db.path, {"deleted": Decision.ACCEPT}, reviewer="A. Curator", reason="restored")
    found = db.review_for(row, "was-deleted")
    assert found is not None and (found.decision, found.reviewer, found.reason) == (
        "accept",
        "A. Curator",
        "restored",
    )
    assert db.review_for(row, "duplicate-archive") is None
    assert db.review_for(dataclasses.replace(row, filename="Review test renamed.png"), "was-deleted") is None


def test_review_command_lists_explains_and_decides(tmp_path: Path) -> None:
    db = needing_review(tmp_path)
    runner = CliRunner()
    base = ["review", str(SMM_BATCH), "--state", str(db.path)]
    listed = runner.invoke(cli, base)
    assert listed.exit_code == 0, listed.output
    assert (
        "Review test deleted.png" in listed.stderr
        and "--accept uploads it past the 'was-deleted'" in listed.stderr
    )
    assert "2 file(s) held back by a wiki warning" in listed.stderr
    as_json = json.loads(runner.invoke(cli, [*base, "--json"]).stdout)["warnings"]
    assert [(f["record_id"], f["acceptable"]) for f in as_json] == [("deleted", True), ("mismatch", False)]

    unsigned = runner.invoke(cli, [*base, "--accept", "deleted"])
    assert unsigned.exit_code == 2 and "--by NAME and --reason" in unsigned.stderr
    both = runner.invoke(
        cli, [*base, "--accept", "deleted", "--skip", "deleted", "--by", "A", "--reason", "r"]
    )
    assert both.exit_code == 2 and "deleted: both accepted and skipped" in both.stderr
    wrong = runner.invoke(cli, [*base, "--accept", "mismatch", "--by", "A", "--reason", "r"])
    assert wrong.exit_code == 2 and "record mismatch" in wrong.stderr and "Traceback" not in wrong.output

    done = runner.invoke(
        cli, [*base, "--accept", "deleted", "--skip", "mismatch", "--by", "A", "--reason", "r"]
    )
    assert done.exit_code == 0, done.output
    assert "Accepted 1 file(s): Review test deleted.png" in done.stderr
    assert "Skipped 1 file(s): Review test mismatch.png" in done.stderr
    assert statuses(db)["deleted"] == ("pending", None) and statuses(db)["mismatch"][0] == "skipped"
    status = runner.invoke(cli, ["status", str(SMM_BATCH), "--state", str(db.path)])
    assert "need review" not in status.stderr and "skipped by A" in status.stderr


def test_status_points_to_the_review_command(tmp_path: Path) -> None:
    db = needing_review(tmp_path)
    status = CliRunner().invoke(cli, ["status", str(SMM_BATCH), "--state", str(db.path)])
    assert "2 need review: `glamupload review" in status.stderr


def test_a_description_page_without_a_file_fails_instead_of_waiting_for_a_review(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    """MediaWiki keeps such a page's text when a file is uploaded to it, so an accepted page-exists
    warning put the file on the wiki with someone's stub as its page: no licence, no template."""
    name = f"{unique_name} stub.png"
    uploader.call(
        {"action": "edit", "title": f"File:{name}", "text": "Stub page someone wrote", "createonly": 1},
        write=True,
    )
    db = store(tmp_path / "s.sqlite", [planned("stub", name, make_image(tmp_path / "a.png", unique_name))])
    run(db, uploader, tmp_path)
    [row] = db.rows()
    assert (row.status, row.error_code) == ("failed", "page-exists")
    assert "MediaWiki would keep its text: the file would have no licence" in (row.error_message or "")
    assert uploader.file_info([name])[name] is None
