"""Licence reviews as a workflow (#13 item 5): `glamupload review` lists the files the licence engine
sent to review by reason group, records a reviewer's accept (with the licence they assert) or skip for a
record or a whole group, and the decision is an input of the plan — it holds after a replan, shows in
the report and on `status`, and an accepted file reaches the real sandbox wiki."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from upload_support import make_image, planned, store

from glamupload import decisions, review
from glamupload.cli import cli
from glamupload.config import load_batch
from glamupload.errors import ConfigError
from glamupload.plan import plan_batch
from glamupload.sandbox import SandboxInfo
from glamupload.state import BatchState, Decision, FileStatus, Outcome

GENERIC = Path(__file__).resolve().parent / "golden" / "generic-csv"
HEADER = "id,title,creator,date,description,material,dimensions,keywords,rights,image\n"
#: Paintings (the crosswalk's kind is 2d) photographed under CC BY-SA: without a date nobody can say
#: whether the painting itself is free, so both undated ones go to review, in one reason group.
ROWS = [
    "R-1,Harbour,Unknown painter,,,oil,,,https://creativecommons.org/licenses/by-sa/4.0/,r1.png",
    "R-2,Ship,Unknown painter,,,oil,,,https://creativecommons.org/licenses/by-sa/4.0/,r2.png",
    "R-3,Coast,Unknown painter,1650,,oil,,,https://creativecommons.org/licenses/by-sa/4.0/,r3.png",
]
ASSERTED = "{{PD-Art|PD-old-assumed}}{{PD-US-expired}}"


def make_batch(folder: Path, name: str = "batch", stem: str = "review test") -> Path:
    """A three-record batch with its images (unique per ``stem``); returns the batch file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "export.csv").write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    for row in ROWS:
        record_id, image = row.split(",")[0], row.split(",")[-1]
        make_image(folder / "images" / image, f"{stem} {record_id}")
    batch = folder / f"{name}.yaml"
    shutil.copy(GENERIC / "batch.yaml", batch)
    text = batch.read_text(encoding="utf-8")
    batch.write_text(text + f"name: {stem}\ncategories: {{tracking: {stem}}}\n", encoding="utf-8")
    return batch


def verdicts(batch_file: Path) -> dict[str, str]:
    return {p.record_id: p.license.verdict for p in plan_batch(load_batch(batch_file))}


def accept_r1(runner: CliRunner, batch_file: Path) -> Result:
    """A curator accepts R-1's licence under the licence the ledger asserts."""
    args = ["review", str(batch_file), "--accept", "R-1", "--wikitext", ASSERTED]
    return runner.invoke(cli, [*args, "--by", "A. Curator", "--reason", "ledger"])


def test_reviews_are_listed_by_reason_group(tmp_path: Path) -> None:
    batch = load_batch(make_batch(tmp_path))
    assert verdicts(batch.path) == {"R-1": "review", "R-2": "review", "R-3": "accept"}
    [group] = review.licence_reviews(batch)
    assert [f.record_id for f in group.files] == ["R-1", "R-2"]
    assert group.id == decisions.group_id(group.group) and group.id.startswith("G") and len(group.id) == 7
    assert group.group.startswith("review (work: ")  # the reason without the record's own values


def test_a_record_accepted_under_an_asserted_licence_is_accepted_by_the_plan(tmp_path: Path) -> None:
    batch = load_batch(make_batch(tmp_path))
    review.decide_licences(
        batch,
        records={"R-1": "accept"},
        groups={},
        reviewer="A. Curator",
        reason="ledger: before 1800",
        wikitext=ASSERTED,
    )
    planned = {p.record_id: p for p in plan_batch(batch)}
    accepted = planned["R-1"].license
    assert accepted.verdict == "accept" and ASSERTED in planned["R-1"].wikitext
    assert [f.kind for f in accepted.flags] == ["reviewer-decision"]
    assert "A. Curator" in accepted.flags[0].text and "ledger: before 1800" in accepted.reason
    assert planned["R-2"].license.verdict == "review"  # a record decision is for that record only
    saved = yaml.safe_load(batch.reviews_path.read_text(encoding="utf-8"))["decisions"]
    assert saved[0]["record_id"] == "R-1" and saved[0]["wikitext"] == ASSERTED and saved[0]["decided"]
    # the decision is an input of the plan: planning again (a replan) gives the same verdict
    assert verdicts(batch.path)["R-1"] == "accept"


def test_a_group_decision_settles_every_file_of_the_group(tmp_path: Path) -> None:
    batch = load_batch(make_batch(tmp_path))
    [group] = review.licence_reviews(batch)
    review.decide_licences(batch, records={}, groups={group.id: "skip"}, reviewer="B", reason="no dates")
    planned = {p.record_id: p for p in plan_batch(batch)}
    for record_id in ("R-1", "R-2"):
        skipped = planned[record_id].license
        assert skipped.verdict == "reject" and skipped.reason.startswith("skipped by B: no dates")
        assert not planned[record_id].uploadable
    assert planned["R-3"].license.verdict == "accept" and not planned["R-3"].license.flags
    assert review.licence_reviews(batch) == []


@pytest.mark.parametrize(
    ("wikitext", "message"),
    [
        ("", "needs the licence wikitext you assert"),
        ("{{PD-old-70}}", "gives no US status"),
        ("{{cc-by-nc-4.0}}", "NC"),
    ],
)
def test_a_licence_that_is_not_free_at_both_layers_is_refused_and_nothing_is_recorded(
    tmp_path: Path, wikitext: str, message: str
) -> None:
    batch = load_batch(make_batch(tmp_path))
    with pytest.raises(ConfigError, match=message):
        review.decide_licences(
            batch, records={"R-1": "accept"}, groups={}, reviewer="A", reason="r", wikitext=wikitext
        )
    assert not batch.reviews_path.exists()


def test_a_reason_with_a_byte_that_is_not_utf8_is_refused_and_nothing_is_recorded(tmp_path: Path) -> None:
    """A terminal's stray byte reached the reviews file as "\\udcff", which every later run refused."""
    batch = load_batch(make_batch(tmp_path))
    with pytest.raises(ConfigError) as raised:
        review.decide_licences(
            batch,
            records={"R-1": "accept"},
            groups={},
            reviewer="A",
            reason="checked \udcff in KulturNav",
            wikitext="{{PD-Art|PD-old-100-expired}}",
        )
    assert raised.value.field == "reason" and "not UTF-8" in raised.value.message
    assert not batch.reviews_path.exists()


def test_unknown_records_and_groups_are_refused(tmp_path: Path) -> None:
    batch = load_batch(make_batch(tmp_path))
    for records, groups, message in (
        ({"R-3": "skip"}, {}, "waits for a licence decision"),  # accepted already: nothing to decide
        ({"nobody": "skip"}, {}, "waits for a licence decision"),
        ({}, {"G000000": "skip"}, "no reason group 'G000000'"),
    ):
        with pytest.raises(ConfigError, match=message):
            review.decide_licences(batch, records=records, groups=groups, reviewer="A", reason="r")
    assert not batch.reviews_path.exists()


def test_decisions_on_both_kinds_are_checked_before_either_is_recorded(tmp_path: Path) -> None:
    """One `review` call decides a licence (the decisions file) and a file a wiki warning held back (the
    state): a wrong decision on the second records neither, and a right one records both."""
    batch = load_batch(make_batch(tmp_path))
    image = make_image(tmp_path / "held.png", "held")
    db = store(batch.state_path, [planned("held", "Review test held.png", image)])
    held = db.rows()[0]
    mismatch = Outcome(FileStatus.NEEDS_REVIEW, code="sha1-mismatch", message="other bytes")
    db.finish_many([(held.id, mismatch)])
    db.close()
    both = {"R-1": "accept", "held": "accept"}
    with pytest.raises(ConfigError, match="record held: Review test held.png cannot be accepted"):
        review.decide_records(batch, records=both, groups={}, reviewer="A", reason="r", wikitext=ASSERTED)
    assert not batch.reviews_path.exists()
    decided = review.decide_records(
        batch, records={**both, "held": "skip"}, groups={}, reviewer="A", reason="r", wikitext=ASSERTED
    )
    assert [d.record_id for d in decided.licences] == ["R-1"]
    assert [(row.record_id, decision) for row, decision in decided.files] == [("held", Decision.SKIP)]
    assert verdicts(batch.path)["R-1"] == "accept"
    with BatchState(batch.state_path, read_only=True) as db:
        assert db.rows()[0].status == FileStatus.SKIPPED


def test_a_broken_decisions_file_names_the_entry(tmp_path: Path) -> None:
    batch = load_batch(make_batch(tmp_path))
    batch.reviews_path.write_text(
        "decisions:\n- record_id: R-1\n  decision: accept\n  wikitext: '{{PD-old-70}}'\n"
        "  reviewer: A\n  reason: r\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        list(plan_batch(batch))
    assert caught.value.file == str(batch.reviews_path) and caught.value.line == 2
    assert "no US status" in caught.value.message


def test_the_report_shows_the_decision_and_groups_by_reason(tmp_path: Path) -> None:
    batch_file = make_batch(tmp_path)
    runner = CliRunner()
    listed = runner.invoke(cli, ["review", str(batch_file), "--json"])
    [group] = json.loads(listed.stdout)["licences"]
    assert group["count"] == 2 and [f["record_id"] for f in group["files"]] == ["R-1", "R-2"]
    people = runner.invoke(cli, ["review", str(batch_file)])
    assert (
        f"{group['id']}  2 file(s): review (work:" in people.stderr and "1 licence group(s)" in people.stderr
    )
    decided = accept_r1(runner, batch_file)
    assert decided.exit_code == 0, decided.output
    assert "Accepted the licence of R-1" in decided.stderr and "--replan" in decided.stderr
    dry = runner.invoke(cli, ["dry-run", str(batch_file), "--out", str(tmp_path / "out"), "--json"])
    summary = json.loads(dry.stdout)
    assert summary["licence_flags"] == {"reviewer-decision": 1}
    assert [n for _, n, _ in summary["verdicts"]["review"]["reasons"]] == [1]  # R-2 waits, in its group
    assert "reviewer-decision: 1" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_a_record_decision_that_decided_nothing_is_named_in_the_summary_and_on_the_terminal(
    tmp_path: Path,
) -> None:
    """A reviews file edited by hand with a mistyped record id, or a decision on a record whose licence
    the engine now decides by itself, decided nothing, and nothing said so. Counted across workers."""
    batch_file = make_batch(tmp_path)
    entry = "- record_id: {}\n  decision: {}\n  reviewer: A\n  reason: r\n"
    accept = entry.format("R-1", "accept") + f"  wikitext: '{ASSERTED}'\n"
    load_batch(batch_file).reviews_path.write_text(
        "decisions:\n"
        + accept
        + entry.format("R-2", "skip")
        + entry.format("R-3", "skip")
        + entry.format("R-9", "skip"),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    dry = CliRunner().invoke(cli, ["dry-run", str(batch_file), "--out", str(out), "--jobs", "2", "--json"])
    summary = json.loads(dry.stdout)
    # R-3's licence is accepted by the engine (dated 1650), R-9 is not in the export; R-1's accepted
    # verdict rests on the reviewer (basis "reviewer"), not on an override
    assert summary["reviews"] == {"given": 4, "unused": ["R-3", "R-9"]}
    assert "2 review decision(s) for a record decided nothing: 'R-3', 'R-9'" in dry.stderr


def test_an_accepted_licence_review_reaches_the_wiki_and_status_shows_it(
    sandbox_wiki: SandboxInfo, tmp_path: Path, unique_name: str
) -> None:
    batch_file = make_batch(tmp_path, stem=unique_name)
    runner = CliRunner()
    wiki = ["--sandbox-dir", sandbox_wiki.dir, "--yes"]
    first = runner.invoke(cli, ["upload", str(batch_file), *wiki, "--json"])
    assert json.loads(first.stdout)["counts"]["uploaded"] == 1  # R-3 only
    accept_r1(runner, batch_file)
    refused = runner.invoke(cli, ["upload", str(batch_file), "--sandbox-dir", sandbox_wiki.dir])
    assert refused.exit_code == 2 and "reviews differ" in refused.stderr  # the decision changed the plan
    again = runner.invoke(cli, ["upload", str(batch_file), *wiki, "--replan", "--json"])
    report = json.loads(again.stdout)
    assert report["this_run"] == {"uploaded": 1, "skipped": 1}  # R-1 sent; R-2 still waits
    assert report["licence_flags"] == {"reviewer-decision": 1}
    status = runner.invoke(cli, ["status", str(batch_file)])
    assert "1 file(s) whose licence rests on a person's word: reviewer-decision" in status.stderr
