"""``glamupload update`` on structured data: files uploaded to the REAL sandbox, their entities written
and then updated through the STAND-IN of Commons' MediaInfo API (tests/mediainfo_standin.py;
WikibaseMediaInfo cannot run here), by the same wiki layer and state as uploads. A changed caption and
creator replaced, a property someone else edited kept, both changed → a conflict, others' statements
untouched, the dry run's report, and a SIGKILL between send and record, then a resume: one revision."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from mediainfo_standin import MediaInfoStandIn
from sdc_support import standin_wiki, write_batch_files
from upload_support import make_image, upload_batch

from glamupload.accounts import sandbox_account
from glamupload.cli import cli
from glamupload.config import BatchConfig, load_batch
from glamupload.errors import ConfigError
from glamupload.sdc.model import ItemValue, Snak, Statement
from glamupload.sdc.write import EntityWriter, SdcOptions, write_batch
from glamupload.state import BatchState, EntityStatus
from glamupload.update import UpdateOptions, UpdateRun, write_report
from glamupload.wiki import Wiki, resolve_target

HERE = Path(__file__).parent


@pytest.fixture
def standin(sandbox_wiki: Any) -> Any:
    with MediaInfoStandIn(sandbox_wiki.api) as proxy:
        yield proxy


def export(tmp_path: Path, rows: list[tuple[str, str, str]]) -> None:
    """The export: record id, caption, creator's Q-id (the page's title stays the same)."""
    lines = ["id|title|caption|creator|rights", *(f"{i}|{tmp_path.name} {i}|{c}|{q}|CC0" for i, c, q in rows)]
    (tmp_path / "export.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def batch_of(tmp_path: Path, rows: list[tuple[str, str, str]]) -> BatchConfig:
    """A batch whose crosswalk plans a caption and a creator (P170) besides the licence's statements."""
    for record_id, _, _ in rows:
        make_image(tmp_path / "images" / f"{record_id}.png", f"{tmp_path.name}-{record_id}")
    export(tmp_path, rows)
    sections = {"captions": {"sv": "caption"}, "statements": {"P170": {"field": "creator"}}}
    return load_batch(
        write_batch_files(tmp_path, sections, {"pattern": "{title}", "parts": {"title": "title"}})
    )


def written(tmp_path: Path, uploader: Wiki, wiki: Wiki, rows: list[tuple[str, str, str]]) -> BatchConfig:
    """The batch uploaded to the sandbox and its structured data written through the stand-in."""
    batch = batch_of(tmp_path, rows)
    assert upload_batch(batch, uploader).counts["uploaded"] == len(rows)
    assert write_batch(batch, wiki).counts["written"] == len(rows)
    return batch


def entity_id(uploader: Wiki, batch: BatchConfig, record_id: str) -> str:
    with BatchState(batch.state_path, read_only=True) as db:
        (row,) = db.rows(only=[record_id])
    page_id = uploader.page_ids([row.wiki_title or ""])[row.wiki_title or ""]
    return f"M{page_id}"


def creators(standin: MediaInfoStandIn, entity: str) -> list[str]:
    return [c["mainsnak"]["datavalue"]["value"]["id"] for c in standin.entities[entity]["statements"]["P170"]]


def test_update_replaces_ours_keeps_theirs_and_reports_conflicts(
    sandbox_wiki: Any, uploader: Wiki, tmp_path: Path, standin: MediaInfoStandIn
) -> None:
    wiki = standin_wiki(Path(sandbox_wiki.dir), standin.api)
    rows = [("A1", "Första", "Q1"), ("A2", "Andra", "Q2"), ("A3", "Tredje", "Q3")]
    batch = written(tmp_path, uploader, wiki, rows)
    a1, a2, a3 = (entity_id(uploader, batch, r) for r, _, _ in rows)
    # someone else: A2's creator changed; A3 gets a depicts statement and a caption in English
    standin.entities[a2]["statements"]["P170"][0]["mainsnak"] = Snak("P170", ItemValue("Q9")).to_data()
    depicts = Statement(Snak("P180", ItemValue("Q4115189"))).to_data()
    standin.someone_edits(a3, depicts)
    standin.entities[a3]["labels"]["en"] = {"language": "en", "value": "Theirs"}
    export(tmp_path, [("A1", "Första, rättad", "Q11"), ("A2", "Andra", "Q12"), ("A3", "Tredje", "Q13")])

    with UpdateRun(load_batch(batch.path), wiki) as run:
        preview = run.run(UpdateOptions(dry_run=True))
    assert preview.entity_counts == {"would_write": 2, "conflict": 1}
    assert sum(map(len, standin.edits.values())) == 3  # the dry run wrote nothing
    report = write_report(preview, tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Structured data" in report and "caption (sv): Första → Första, rättad" in report
    assert "| `P170 creator` | `P170 creator: Q2` | `P170 creator: Q9` | `P170 creator: Q12` |" in report

    with UpdateRun(load_batch(batch.path), wiki) as run:
        result = run.run()
    assert result.entity_counts == {"written": 2, "conflict": 1} and result.exit_status == 1
    assert [len(standin.edits[e]) for e in (a1, a2, a3)] == [2, 1, 2]  # one revision each, none for A2
    assert standin.entities[a1]["labels"]["sv"]["value"] == "Första, rättad"
    assert creators(standin, a1) == ["Q11"] and creators(standin, a3) == ["Q13"]
    assert creators(standin, a2) == ["Q9"]  # theirs kept
    assert [c["mainsnak"] for c in standin.entities[a3]["statements"]["P180"]] == [depicts["mainsnak"]]
    assert standin.entities[a3]["labels"]["en"]["value"] == "Theirs"
    assert "P6216" in standin.entities[a1]["statements"]  # the licence's statements, unchanged, untouched
    (conflict,) = [e for e in result.entities if e.record_id == "A2"]
    assert [c.what for c in conflict.conflicts] == ["P170 creator"]
    with BatchState(batch.state_path, read_only=True) as db:
        (problem,) = db.entity_rows([EntityStatus.CONFLICT])
    assert problem.record_id == "A2" and "Q9" in (problem.error_message or "")

    with UpdateRun(load_batch(batch.path), wiki) as run:
        again = run.run()
    assert again.entity_counts == {"conflict": 1}  # reported again, nothing sent
    assert [len(standin.edits[e]) for e in (a1, a2, a3)] == [2, 1, 2]

    # a reviewer takes the plan's creator: the next update writes it beside theirs (never removed)
    listed = CliRunner().invoke(cli, ["review", str(batch.path), "--json"])
    (waiting,) = json.loads(listed.stdout)["update_conflicts"]
    assert (waiting["record_id"], waiting["part"], waiting["structured_data"]) == ("A2", "P170", True)
    assert (waiting["wiki"], waiting["new"]) == ("P170 creator: Q9", "P170 creator: Q12")
    decide = [
        "review",
        str(batch.path),
        "--accept-update",
        "A2",
        "P170",
        "--by",
        "A. Curator",
        "--reason",
        "ok",
    ]
    assert CliRunner().invoke(cli, decide).exit_code == 0
    with UpdateRun(load_batch(batch.path), wiki) as run:
        decided = run.run()
    assert decided.entity_counts == {"written": 1} and decided.exit_status == 0
    assert creators(standin, a2) == ["Q9", "Q12"] and len(standin.edits[a2]) == 2
    with UpdateRun(load_batch(batch.path), wiki) as run:
        assert run.run().entity_counts == {}  # settled: the plan is what glamupload wrote


def test_a_killed_update_resumes_and_writes_each_entity_once(
    sandbox_wiki: Any, uploader: Wiki, tmp_path: Path, standin: MediaInfoStandIn
) -> None:
    wiki = standin_wiki(Path(sandbox_wiki.dir), standin.api)
    rows = [(f"K{n}", f"Bild {n}", f"Q{n + 1}") for n in range(5)]
    batch = written(tmp_path, uploader, wiki, rows)
    export(tmp_path, [(r, c, f"Q{n + 100}") for n, (r, c, _) in enumerate(rows)])
    standin.delay_after_edit = 0.3  # the kill lands after an edit was applied, before its reply is read
    command = [sys.executable, str(HERE / "sdc_support.py"), "update", str(batch.path), sandbox_wiki.dir]
    proc = subprocess.Popen(
        [*command, standin.api], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 90
    while sum(map(len, standin.edits.values())) < len(rows) + 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    with BatchState(batch.state_path, read_only=True) as db:
        assert db.entity_counts()["writing"] == 1  # killed with an edit applied but not recorded
    final = subprocess.run([*command, standin.api], capture_output=True, text=True, timeout=180)
    assert final.returncode == 0, final.stderr
    # the one in flight is read again and found saved; the three not reached yet are written
    assert json.loads(final.stdout) == {"unchanged": 1, "written": 3}
    ids = [entity_id(uploader, batch, r) for r, _, _ in rows]
    assert [len(standin.edits[i]) for i in ids] == [2] * len(rows)  # the write and one update each
    assert [creators(standin, i) for i in ids] == [[f"Q{n + 100}"] for n in range(len(rows))]


def test_an_older_state_gains_the_base_and_conflicts_columns_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with BatchState(path):
        pass
    with sqlite3.connect(path) as sql:  # the entities table as glamupload wrote it before them
        sql.execute("ALTER TABLE entities DROP COLUMN base")
        sql.execute("ALTER TABLE entities DROP COLUMN conflicts")
    with BatchState(path, read_only=True) as db:
        assert db.entity_rows(EntityStatus) == []  # read-only: not migrated, still readable
    with BatchState(path) as db:
        assert {"base", "conflicts"} <= {r[1] for r in db._read("PRAGMA table_info(entities)")}


def test_a_mistyped_only_is_refused_by_update_and_sdc_as_by_upload(
    sandbox_wiki: Any, uploader: Wiki, tmp_path: Path, standin: MediaInfoStandIn
) -> None:
    """``update --only NOPE`` said "0 uploaded files: none" and exited 0, as did ``sdc``."""
    wiki = standin_wiki(Path(sandbox_wiki.dir), standin.api)
    batch = written(tmp_path, uploader, wiki, [("O1", "Första", "Q1")])
    with UpdateRun(load_batch(batch.path), wiki) as run, pytest.raises(ConfigError, match="--only O2"):
        run.run(UpdateOptions(only=["O2"]))
    with BatchState(batch.state_path) as db, pytest.raises(ConfigError, match="--only O2: no such record"):
        EntityWriter(db, wiki, batch_name="test", options=SdcOptions(only=["O2"])).run()


def test_a_page_deleted_and_made_again_by_someone_else_is_not_updated(
    sandbox_wiki: Any, uploader: Wiki, tmp_path: Path
) -> None:
    """After an update, an administrator deleted the file and uploaded other bytes under its name with
    the old page text: the next update edited that page as glamupload's ("updated", exit 0)."""
    batch = batch_of(tmp_path, [("R1", "Första", "Q1")])
    crosswalk = json.loads((tmp_path / "crosswalk.yaml").read_text(encoding="utf-8"))
    crosswalk["params"] = {"description": "title", "author": "caption"}
    (tmp_path / "crosswalk.yaml").write_text(json.dumps(crosswalk), encoding="utf-8")
    batch = load_batch(batch.path)
    assert upload_batch(batch, uploader).counts["uploaded"] == 1
    export(tmp_path, [("R1", "Andra", "Q1")])
    with UpdateRun(load_batch(batch.path), uploader) as run:
        assert run.run().counts == {"updated": 1}
    with BatchState(batch.state_path, read_only=True) as db:
        (row,) = db.rows()
    title = row.wiki_title or ""
    text = uploader.page_revisions([title])[title]["text"]  # type: ignore[index]
    admin = Wiki(
        resolve_target("sandbox", Path(sandbox_wiki.dir)), sandbox_account(Path(sandbox_wiki.dir), "admin")
    )
    admin.call({"action": "delete", "title": title, "reason": "test"}, write=True)
    other = make_image(tmp_path / "other.png", f"{tmp_path.name}-other")
    name = title.removeprefix("File:")
    params = {"action": "upload", "filename": name, "text": text, "comment": "another", "ignorewarnings": 1}
    reply = admin.call(params, files={"file": (name, other.read_bytes())}, write=True)["upload"]
    assert reply["result"] == "Success"  # past the was-deleted warning
    export(tmp_path, [("R1", "Tredje", "Q1")])
    with UpdateRun(load_batch(batch.path), uploader) as run:
        result = run.run()
    [file] = result.files
    assert file.outcome == "needs_person" and "no longer on the wiki" in file.reason
    assert result.exit_status == 1
    assert uploader.page_revisions([title])[title]["text"] == text  # type: ignore[index]
