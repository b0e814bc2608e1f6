"""Writing structured data: files uploaded to the REAL sandbox, their MediaInfo entities written through the
STAND-IN of Commons' MediaInfo API (tests/mediainfo_standin.py: WikibaseMediaInfo cannot run here), by the
same wiki layer and upload state as the uploads — success, no-such-entity, edit-conflict, maxlag,
ratelimited, badtoken, conflicts with others' statements, and a SIGKILL mid-run with a resume."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from mediainfo_standin import MediaInfoStandIn
from sdc_support import standin_wiki, write_batch_files
from upload_support import make_image, numbered, run, store, upload_batch

from glamupload.cli import cli
from glamupload.config import load_batch
from glamupload.planned import PlannedFile
from glamupload.sdc.model import (
    Caption,
    ItemValue,
    Snak,
    Statement,
    StringValue,
    StructuredData,
    TimeValue,
)
from glamupload.sdc.write import EntityWriter, write_batch
from glamupload.state import BatchState, EntityStatus
from glamupload.wiki import Wiki

HERE = Path(__file__).parent


def structured(i: int) -> StructuredData:
    """A payload with a caption, an item, a somevalue creator and a dated statement."""
    return StructuredData(
        (Caption("sv", f"Testfil {i}"),),
        (
            Statement(Snak("P6216", ItemValue("Q19652"))),
            Statement(Snak("P170", None), (Snak("P2093", StringValue(f"Fotograf {i}")),)),
            Statement(Snak("P571", TimeValue.of(1900 + i))),
        ),
    )


def uploaded(tmp_path: Path, uploader: Wiki, name: str, count: int) -> tuple[BatchState, list[PlannedFile]]:
    """``count`` files uploaded to the real sandbox, each planned with structured data."""
    files = [
        dataclasses.replace(f, structured_data=structured(i))
        for i, f in enumerate(numbered(tmp_path, name, count))
    ]
    db = store(tmp_path / "batch.sqlite", files)
    assert run(db, uploader, tmp_path).counts["uploaded"] == count
    return db, files


@pytest.fixture
def standin(sandbox_wiki: Any) -> Any:
    with MediaInfoStandIn(sandbox_wiki.api) as proxy:
        yield proxy


def entity_ids(uploader: Wiki, files: list[PlannedFile]) -> list[str]:
    ids = uploader.page_ids(f"File:{f.filename}" for f in files)
    return [f"M{ids[f'File:{f.filename}']}" for f in files]


def test_each_entity_is_written_once_in_one_revision_and_never_again(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path, standin: MediaInfoStandIn
) -> None:
    db, files = uploaded(tmp_path, uploader, unique_name, 3)
    wiki = standin_wiki(Path(sandbox_wiki.dir), standin.api)
    summary = EntityWriter(db, wiki, batch_name="test").run()
    assert summary.counts["written"] == 3 and summary.exit_status == 0
    for i, entity_id in enumerate(entity_ids(uploader, files)):
        assert len(standin.edits[entity_id]) == 1  # all captions and statements in one revision
        assert standin.edits[entity_id][0] == structured(i).to_data()
        stored = standin.entities[entity_id]
        assert stored["labels"] == {"sv": {"language": "sv", "value": f"Testfil {i}"}}
        assert sorted(stored["statements"]) == ["P170", "P571", "P6216"]
    again = EntityWriter(db, wiki, batch_name="test").run()
    assert again.this_run == {} and sum(len(e) for e in standin.edits.values()) == 3
    assert standin.actions["wbeditentity"] == 3


def test_maxlag_ratelimited_and_badtoken_are_retried_through_the_wiki_layer(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path, standin: MediaInfoStandIn
) -> None:
    db, files = uploaded(tmp_path, uploader, unique_name, 1)
    standin.fail_next_edit("maxlag", "ratelimited", "badtoken")
    waits: list[str] = []
    summary = EntityWriter(
        db, standin_wiki(Path(sandbox_wiki.dir), standin.api), batch_name="t", notify=waits.append
    ).run()
    assert summary.counts["written"] == 1
    assert standin.actions["wbeditentity"] == 4  # three answered with errors, the fourth applied
    (entity_id,) = entity_ids(uploader, files)
    assert len(standin.edits[entity_id]) == 1
    assert any("maxlag" in w for w in waits) and any("ratelimited" in w for w in waits)


def test_a_deleted_file_page_is_gone_not_failed(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path, standin: MediaInfoStandIn
) -> None:
    db, files = uploaded(tmp_path, uploader, unique_name, 2)
    first, second = entity_ids(uploader, files)
    standin.deleted.add(first)
    summary = EntityWriter(db, standin_wiki(Path(sandbox_wiki.dir), standin.api), batch_name="t").run()
    assert summary.counts["gone"] == 1 and summary.counts["written"] == 1
    (problem,) = summary.problems
    assert (problem.status, problem.code, problem.record_id) == (EntityStatus.GONE, "no-such-entity", "R0")
    assert summary.exit_status == 1 and first not in standin.edits


def test_edit_conflict_rereads_and_others_statements_are_kept_and_reported(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path, standin: MediaInfoStandIn
) -> None:
    db, files = uploaded(tmp_path, uploader, unique_name, 1)
    (entity_id,) = entity_ids(uploader, files)
    theirs = Statement(Snak("P571", TimeValue.of(1850))).to_data()  # another date, saved by someone else
    depicts = Statement(Snak("P180", ItemValue("Q4115189"))).to_data()
    standin.someone_edits(entity_id, depicts)
    standin.others.append(theirs)  # saved between our read and our write: our baserevid is stale
    summary = EntityWriter(db, standin_wiki(Path(sandbox_wiki.dir), standin.api), batch_name="t").run()
    (problem,) = summary.problems
    assert problem.status == EntityStatus.CONFLICT and "P571" in (problem.message or "")
    stored = standin.entities[entity_id]["statements"]
    assert [c["mainsnak"] for c in stored["P571"]] == [theirs["mainsnak"]]  # theirs kept, ours not sent
    assert [c["mainsnak"] for c in stored["P180"]] == [depicts["mainsnak"]]
    assert "P6216" in stored and "P170" in stored  # the rest of ours written, in one revision
    assert len(standin.edits[entity_id]) == 1 and standin.actions["wbeditentity"] == 2


def test_a_missing_qualifier_is_added_to_the_existing_claim_with_its_whole_qualifier_set(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path, standin: MediaInfoStandIn
) -> None:
    db, files = uploaded(tmp_path, uploader, unique_name, 1)
    (entity_id,) = entity_ids(uploader, files)
    theirs = Statement(Snak("P6216", ItemValue("Q19652")), (Snak("P1001", ItemValue("Q30")),)).to_data()
    standin.someone_edits(entity_id, theirs)
    planned = StructuredData(
        statements=(Statement(Snak("P6216", ItemValue("Q19652")), (Snak("P459", ItemValue("Q4115189")),)),)
    )
    with db.transaction() as sql:
        sql.execute("UPDATE entities SET planned = ?", (json.dumps(planned.to_data()),))
    EntityWriter(db, standin_wiki(Path(sandbox_wiki.dir), standin.api), batch_name="t").run()
    (claim,) = standin.entities[entity_id]["statements"]["P6216"]
    assert sorted(claim["qualifiers"]) == ["P1001", "P459"]  # theirs kept: the whole set was sent
    (sent,) = standin.edits[entity_id]
    assert sent["claims"][0]["id"] == claim["id"] and sent["claims"][0]["type"] == "statement"


def _start(state: Path, sandbox_dir: Path, api: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HERE / "sdc_support.py"), str(state), str(sandbox_dir), api],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_writes_resume_and_no_entity_is_written_twice(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path, standin: MediaInfoStandIn
) -> None:
    db, files = uploaded(tmp_path, uploader, unique_name, 8)
    db.close()
    standin.delay_after_edit = 0.3  # each kill lands after an edit was applied, before its reply is read
    state = tmp_path / "batch.sqlite"
    for target in (2, 5):
        proc = _start(state, Path(sandbox_wiki.dir), standin.api)
        deadline = time.monotonic() + 60
        while sum(map(len, standin.edits.values())) < target and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    with BatchState(state) as check:
        assert check.entity_counts()["writing"] == 1  # killed with an edit applied but not recorded
    final = _start(state, Path(sandbox_wiki.dir), standin.api)
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err
    assert json.loads(out)["written"] == 8
    ids = entity_ids(uploader, files)
    assert sorted(len(standin.edits[i]) for i in ids) == [1] * 8  # exactly one revision per file
    for i, entity_id in enumerate(ids):
        assert standin.entities[entity_id]["labels"]["sv"]["value"] == f"Testfil {i}"


def _local_batch(tmp_path: Path, name: str) -> Path:
    """A one-record batch with a local image and a structured_data section (the whole planner path)."""
    make_image(tmp_path / "images" / "A1.png", name)
    (tmp_path / "export.csv").write_text(f"id|title|rights\nA1|{name}|CC0\n", encoding="utf-8")
    parts = {"pattern": "{title} {id}", "parts": {"title": "title", "id": "id"}}
    return write_batch_files(tmp_path, {"captions": {"sv": "title"}}, parts)


def test_the_real_sandbox_has_no_mediainfo_api_and_sdc_says_so(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path, standin: MediaInfoStandIn
) -> None:
    batch = load_batch(_local_batch(tmp_path, unique_name))
    assert upload_batch(batch, uploader).counts["uploaded"] == 1
    result = CliRunner().invoke(cli, ["sdc", str(batch.path), "--sandbox-dir", sandbox_wiki.dir, "--json"])
    assert result.exit_code == 4, result.output
    assert "has no MediaInfo API" in result.output
    # the same batch, state and plan through the stand-in: written once
    summary = write_batch(batch, standin_wiki(Path(sandbox_wiki.dir), standin.api))
    assert summary.counts["written"] == 1
    (edits,) = standin.edits.values()
    (edit,) = edits
    assert edit["labels"] == {"sv": {"language": "sv", "value": unique_name}}
    assert [c["mainsnak"]["property"] for c in edit["claims"]] == ["P6216", "P275"]  # CC0's, from the verdict
