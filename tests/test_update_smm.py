"""``glamupload update`` on the SMM example against a real sandbox of its own (its file names are fixed).

Part of the batch is uploaded; the sandbox's Admin (a second account) edits some pages (a category added,
a note after the template, a template parameter changed, a deletion tag) and deletes one file; the export
changes (titles of a few records, a category table, two licences: one to another accepted licence, one to
a refused one). ``update`` then edits exactly the pages whose plan changed, keeps every edit of the Admin,
reports the parameter both changed as a conflict, records the deleted and the tagged file and holds the
worse licence for a person; a second ``update`` makes no edit; a reviewer's decision settles the
conflict. A second test SIGKILLs ``update`` subprocesses and resumes them: every page is edited once.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES
from upload_support import connect, history, upload_batch

from glamupload import review, sandbox
from glamupload.accounts import sandbox_account
from glamupload.cli import GlamuploadGroup
from glamupload.cli.review import review_command
from glamupload.cli.update import update_command
from glamupload.cli.upload import status_command
from glamupload.config import load_batch
from glamupload.update import UpdateOptions, UpdateRun, default_report_path
from glamupload.upload.run import batch_status
from glamupload.wiki import Wiki, resolve_target

EXPORT = "Exportlista Wikimedia v5-2015-09-07.csv"
SHIPPED_LOOKUPS = Path(__file__).resolve().parent.parent / "mappings" / "lookups" / "smm"


pytestmark = pytest.mark.wiki  # the tests start a sandbox of their own (smm_sandbox)


@pytest.fixture
def smm_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sandbox.SandboxInfo]:
    directory = tmp_path_factory.mktemp("smm-update") / "wiki"
    info = sandbox.start(directory, sandbox.free_port())
    yield info
    sandbox.stop(directory)


@pytest.fixture
def batch_file(tmp_path: Path) -> Path:
    folder = tmp_path / "smm"
    shutil.copytree(EXAMPLES / "smm", folder, ignore=shutil.ignore_patterns("*.sqlite*", "*.cache"))
    return folder / "batch.yaml"


def _admin(info: sandbox.SandboxInfo) -> Wiki:
    directory = Path(info.dir)
    return Wiki(resolve_target("sandbox", directory), sandbox_account(directory, "admin"))


def _replace_in_record(export: Path, record_id: str, old: str, new: str) -> None:
    """Change one field of one record in the pipe-separated export (the line is edited in place)."""
    lines = export.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith(f"{record_id}|"))
    assert f"|{old}|" in lines[number], lines[number]
    lines[number] = lines[number].replace(f"|{old}|", f"|{new}|", 1)
    export.write_text("\n".join(lines), encoding="utf-8")


def _override_table(batch_file: Path, name: str, old: str, new: str) -> None:
    """Give the batch its own copy of a shipped lookup table, with one cell changed."""
    table = batch_file.parent / f"{name}.csv"
    text = (SHIPPED_LOOKUPS / f"{name}.csv").read_text(encoding="utf-8")
    assert old in text
    table.write_text(text.replace(old, new), encoding="utf-8")
    config = batch_file.read_text(encoding="utf-8")
    if "\nlookups:\n" not in config:
        config += "lookups:\n"
    batch_file.write_text(config + f"  {name}: {name}.csv\n", encoding="utf-8")


def _titles(batch_file: Path) -> dict[str, str]:
    with sqlite3.connect(batch_file.with_name("batch.state.sqlite")) as db:
        rows = db.execute("SELECT record_id, wiki_title FROM files WHERE status = 'uploaded'").fetchall()
    return {record: title for record, title in rows}


def _revisions(wiki: Wiki, titles: dict[str, str]) -> dict[str, int]:
    seen = history(wiki, list(titles.values()))
    return {record: seen.revisions[title] for record, title in titles.items()}


def test_update_keeps_others_edits_and_changes_only_what_the_plan_changed(
    smm_sandbox: sandbox.SandboxInfo, batch_file: Path
) -> None:
    wiki = connect(Path(smm_sandbox.dir))
    uploaded = upload_batch(load_batch(batch_file), wiki, limit=26)
    assert uploaded.counts["uploaded"] == 26, uploaded.problems[:3]
    titles = _titles(batch_file)
    a, b, c, d, e, f = "O 04109", "O 04110", "Fo206798", "Fo20247A", "Fo216419", "Fo57964"
    worse, relicensed = "Fo202865", "Fo55337A"
    assert {a, b, c, d, e, f, worse, relicensed} <= set(titles)

    # the Admin edits: a category, a note after the template, a parameter, a deletion tag; one deletion
    admin = _admin(smm_sandbox)
    pages = wiki.page_revisions([titles[x] for x in (a, b, c, d)])
    admin.edit(titles[a], pages[titles[a]]["text"] + "\n[[Category:Drawings by hand]]", "curator: category")
    note = "A curator's note: the drawing was restored in 2019."
    admin.edit(titles[b], pages[titles[b]]["text"].replace("\n}}\n", f"\n}}}}\n{note}\n", 1), "curator: note")
    admin.edit(
        titles[c],
        pages[titles[c]]["text"].replace("|title = {{sv|1=RADNY}}", "|title = {{sv|1=Radny (tanker)}}"),
        "fix",
    )
    tag = "{{Delete|reason=test nomination|subpage=Test|year=2025|month=January|day=1}}"
    admin.edit(titles[d], tag + "\n" + pages[titles[d]]["text"], "nominated for deletion")
    admin.call({"action": "delete", "title": titles[e], "reason": "test deletion"}, write=True)
    moved = "1994:20"
    admin.call({"action": "move", "from": titles[moved], "to": "File:Moved by a curator.jpg"}, write=True)
    before = _revisions(wiki, titles)

    # the museum changes its export: titles, a category table, two licences
    export = batch_file.parent / EXPORT
    _replace_in_record(export, c, "RADNY", "RADNY II")  # the Admin changed this title too: a conflict
    _replace_in_record(export, d, "MODE", "MODE AV STOCKHOLM")
    _replace_in_record(export, f, "SAN TOY", "SAN TOY II")
    _replace_in_record(export, worse, "Utgången skyddstid", "Erkännande-Icke kommersiell")
    _replace_in_record(export, relicensed, "Utgången skyddstid", "Erkännande-Dela lika")
    _override_table(batch_file, "keywords", "Ritning,Technical drawings of ships", "Ritning,Ship plans")
    batch = load_batch(batch_file)
    with_plans = {p.record_id: p for p in _plan(batch)}
    drawings = {r for r in titles if "Ship plans" in with_plans[r].categories}
    assert {a, b} <= drawings and len(drawings) >= 5

    # a dry run writes the report and nothing else
    with UpdateRun(batch, Wiki.connect("sandbox", Path(smm_sandbox.dir), read_only=True)) as run:
        dry = run.run(UpdateOptions(dry_run=True))
    assert _revisions(wiki, titles) == before
    would = {x.record_id for x in dry.files if x.outcome == "would_update"}
    assert would == drawings | {d, f, relicensed}
    with UpdateRun(batch, Wiki.connect("sandbox", Path(smm_sandbox.dir), read_only=True)) as run:
        one = run.run(UpdateOptions(only=[f], dry_run=True))
    assert [(x.record_id, x.outcome) for x in one.files] == [(f, "would_update")]
    assert (
        "+|title = {{sv|1=SAN TOY II}}" in one.files[0].diff
        and "-|title = {{sv|1=SAN TOY}}" in one.files[0].diff
    )

    cli = GlamuploadGroup()
    for command in (update_command, status_command, review_command):
        cli.add_command(command)
    runner = CliRunner()
    args = ["update", str(batch_file), "--sandbox-dir", smm_sandbox.dir]
    report = runner.invoke(cli, [*args, "--dry-run"])
    assert report.exit_code == 1, report.stderr  # the conflict and the worse licence need a person
    text = default_report_path(batch).read_text(encoding="utf-8")
    assert "Radny (tanker)" in text and "RADNY II" in text and "+[[Category:Ship plans]]" in text

    first = runner.invoke(cli, [*args, "--json"])
    assert first.exit_code == 1, first.stderr
    result = json.loads(first.stdout)
    outcomes = {x["record_id"]: x for x in result["files"]}
    edited = {r for r, x in outcomes.items() if x["outcome"] == "updated"}
    assert edited == drawings | {d, f, relicensed}
    after = _revisions(wiki, titles)
    assert {r for r in titles if after.get(r, 0) != before.get(r, 0)} == edited
    assert all(after[r] == before[r] + 1 for r in edited)

    now = wiki.page_revisions(list(titles.values()))
    # every edit of the other account is kept
    assert "[[Category:Drawings by hand]]" in now[titles[a]]["text"]
    assert note in now[titles[b]]["text"]
    assert (
        now[titles[d]]["text"].startswith(tag)
        and "|title = {{sv|1=MODE AV STOCKHOLM}}" in now[titles[d]]["text"]
    )
    assert "|title = {{sv|1=Radny (tanker)}}" in now[titles[c]]["text"]
    for record in drawings:
        assert "[[Category:Ship plans]]" in now[titles[record]]["text"]
        assert "Technical drawings of ships" not in now[titles[record]]["text"]
    assert "{{cc-by-sa-3.0|1=Sjöhistoriska museet}}" in now[titles[relicensed]]["text"]
    assert "PD-Sweden-photo" not in now[titles[relicensed]]["text"]
    assert outcomes[relicensed]["summary"].startswith("glamupload update smm-2015: ")
    assert "licence" in outcomes[relicensed]["summary"]
    # the batch id ends every edit's summary, as it ends the uploads' (issue #15)
    assert outcomes[relicensed]["summary"].endswith(f" [batch {load_batch(batch_file).batch_id}]")
    assert "PD-Sweden-photo" in now[titles[worse]]["text"]  # never applied
    assert now[titles[e]] is None  # never recreated

    # the parameter both changed is a conflict with its three values; the rest is recorded
    assert outcomes[c]["outcome"] == "conflict"
    assert outcomes[c]["conflicts"] == [
        {
            "part": "title",
            "base": "{{sv|1=RADNY}}",
            "wiki": "{{sv|1=Radny (tanker)}}",
            "new": "{{sv|1=RADNY II}}",
        }
    ]
    assert outcomes[worse]["outcome"] == "needs_person" and "licence got worse" in outcomes[worse]["reason"]
    assert outcomes[e]["outcome"] == "deleted" and "test deletion" in outcomes[e]["reason"]
    assert outcomes[d]["deletion_tag"] == "{{Delete}}"
    assert outcomes[moved]["outcome"] == "moved"
    assert outcomes[moved]["reason"] == "moved to File:Moved by a curator.jpg"
    status = json.loads(runner.invoke(cli, ["status", str(batch_file), "--json"]).stdout)
    problems = {p["record_id"]: p for p in status["pages"]["problems"]}
    assert problems[e]["status"] == "deleted"
    assert problems[c]["status"] == "conflict" and problems[c]["conflicts"][0]["part"] == "title"
    assert problems[worse]["status"] == "needs_person"
    assert problems[d]["deletion_tag"] == "{{Delete}}"
    assert problems[moved]["status"] == "moved"
    assert status["pages"]["counts"]["deleted"] == 1 and status["pages"]["counts"]["tagged_for_deletion"] == 1
    assert "deleted" in runner.invoke(cli, ["status", str(batch_file)]).stderr

    # a second update makes no edit
    again = runner.invoke(cli, [*args, "--json"])
    assert not [x for x in json.loads(again.stdout)["files"] if x["outcome"] == "updated"]
    assert _revisions(wiki, titles) == after

    # a reviewer takes the new title: the next update writes it, and only it
    assert [x.part for x in review.update_conflicts(batch.state_path)] == ["title"]
    decided = runner.invoke(
        cli,
        ["review", str(batch_file), "--accept-update", c, "title", "--by", "A. Curator", "--reason", "ok"],
    )
    assert decided.exit_code == 0, decided.stderr
    third = json.loads(runner.invoke(cli, [*args, "--json"]).stdout)
    assert [x["record_id"] for x in third["files"] if x["outcome"] == "updated"] == [c]
    assert "|title = {{sv|1=RADNY II}}" in wiki.page_revisions([titles[c]])[titles[c]]["text"]
    assert batch_status(batch).pages["conflict"] == 0
    _, password = sandbox.credentials(Path(smm_sandbox.dir))
    for output in (report, first, again, decided):
        assert password not in output.stdout + output.stderr


def _plan(batch: Any) -> list[Any]:
    from glamupload.plan import plan_batch

    return list(plan_batch(batch))


def _pages(state: Path, status: str) -> int:
    """Pages with this status in the state (read without disturbing the writer)."""
    with sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=5) as db:
        return int(db.execute("SELECT COUNT(*) FROM pages WHERE status = ?", (status,)).fetchone()[0])


def test_killed_updates_resume_and_edit_each_page_once(
    smm_sandbox: sandbox.SandboxInfo, batch_file: Path
) -> None:
    wiki = connect(Path(smm_sandbox.dir))
    assert upload_batch(load_batch(batch_file), wiki, limit=30).counts["uploaded"] == 30
    titles = _titles(batch_file)
    _override_table(
        batch_file,
        "institutions",
        "Sjöhistoriska museet,{{Institution:Sjöhistoriska museet}},Images from Sjöhistoriska museet",
        "Sjöhistoriska museet,{{Institution:Sjöhistoriska museet}},Images from the Sjöhistoriska museet",
    )
    batch = load_batch(batch_file)
    changing = {p.record_id for p in _plan(batch) if "Images from the Sjöhistoriska museet" in p.categories}
    changing &= set(titles)
    assert len(changing) >= 20
    rng = random.Random(os.environ.get("GLAMUPLOAD_CRASH_SEED", "glamupload"))
    command = [
        sys.executable,
        "-m",
        "glamupload",
        "update",
        str(batch_file),
        "--sandbox-dir",
        smm_sandbox.dir,
    ]
    in_flight = []
    for _ in range(3):
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # killed while an edit is in flight, after a few more pages are done (moments tied to progress)
        target = _pages(batch.state_path, "current") + rng.randint(2, 4)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            done = _pages(batch.state_path, "current") >= target
            if done and _pages(batch.state_path, "editing"):
                break
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.05))
        assert proc.poll() is None, "the update ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        in_flight.append(_pages(batch.state_path, "editing"))
    final = subprocess.run([*command, "--json"], capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert len(in_flight) == 3 and max(in_flight) == 1, in_flight  # a kill left an edit in flight
    revisions = _revisions(wiki, titles)
    # the upload and one update edit for each page whose plan changed; one revision for the others
    assert {r: n for r, n in revisions.items() if n != (2 if r in changing else 1)} == {}
    for title in (titles[r] for r in changing):
        assert (
            "[[Category:Images from the Sjöhistoriska museet]]" in wiki.page_revisions([title])[title]["text"]
        )
    again = subprocess.run([*command, "--json"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["counts"] == {"unchanged": len(titles)}
    assert _revisions(wiki, titles) == revisions
