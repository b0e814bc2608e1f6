"""An OAI-PMH harvest saved without its last page is told (readers.harvest): a ListRecords answer comes in
pages, each but the last ending with a non-empty resumptionToken, and a curator who saved only the first
page planned a fraction of the collection without a word."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from glamupload.cli import cli
from glamupload.readers import harvest, open_export

DATA = Path(__file__).parent / "data" / "readers"
GOLDEN = Path(__file__).parent / "golden"
LAST_PAGE = '<resumptionToken cursor="0" completeListSize="3"/>'


def page(folder: Path, name: str, token: str, *, prefix: str = "") -> Path:
    """The reader sample as a harvest page ending with ``token`` (an element, or nothing)."""
    text = (DATA / "oai_dc.xml").read_text(encoding="utf-8").replace(LAST_PAGE, token)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text.replace("<OAI-PMH", f"{prefix}<OAI-PMH"), encoding="utf-8")
    return path


def test_a_first_page_with_a_token_is_told_with_the_size_the_repository_lists(tmp_path: Path) -> None:
    token = '<resumptionToken cursor="0" completeListSize="12500">oai_dc/2/100</resumptionToken>'
    reader = open_export(page(tmp_path, "page1.xml", token))
    [note] = reader.notes
    assert note.startswith("page1.xml: the OAI-PMH harvest has more pages (resumptionToken 'oai_dc/2/100')")
    assert "of the 12,500 records the repository lists" in note
    assert len(list(reader)) == 2  # the records of the page are read as before (one is deleted)


def test_the_last_page_or_an_answer_without_pages_says_nothing(tmp_path: Path) -> None:
    assert open_export(DATA / "oai_dc.xml").notes == []  # an empty token: the last page
    assert open_export(page(tmp_path, "whole.xml", "")).notes == []  # no token: one answer
    assert open_export(GOLDEN / "dublin-core" / "oai_dc.xml").notes == []
    assert (
        open_export(Path(__file__).parent.parent / "examples" / "kenom" / "kenom_oai_chunk20.xml").notes == []
    )


def test_a_folder_of_pages_is_whole_only_with_its_last_page(tmp_path: Path) -> None:
    first = '<resumptionToken completeListSize="9">t1</resumptionToken>'
    page(tmp_path / "two", "p1.xml", first)
    page(tmp_path / "two", "p2.xml", '<resumptionToken completeListSize="9"></resumptionToken>')
    assert open_export(tmp_path / "two").notes == []
    page(tmp_path / "missing", "p1.xml", first)
    page(tmp_path / "missing", "p2.xml", "<oai:resumptionToken>t2</oai:resumptionToken>")
    [note] = open_export(tmp_path / "missing").notes
    assert note.startswith("p2.xml: the OAI-PMH harvest has more pages (resumptionToken 't2')")
    assert "of the 9 records" in note  # the size a page named


def test_only_the_tail_is_read_and_a_token_in_a_record_is_not_the_pages(tmp_path: Path) -> None:
    """The token is the page's last element: one far from the end (in a record's text, or a whole
    record's worth of bytes before the end) is not looked at."""
    token = "<resumptionToken>next</resumptionToken>"
    path = page(tmp_path, "p.xml", "<!-- " + "x" * harvest.TAIL_BYTES + " -->", prefix=f"<!-- {token} -->\n")
    assert open_export(path).notes == []


def test_dry_run_warns_on_the_terminal_in_the_summary_and_the_report(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    shutil.copytree(GOLDEN / "dublin-core", folder)
    export = folder / "oai_dc.xml"
    text = export.read_text(encoding="utf-8")
    token = '<resumptionToken cursor="0" completeListSize="40">page-2</resumptionToken>'
    export.write_text(text.replace("  </ListRecords>", f"    {token}\n  </ListRecords>"), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["dry-run", str(folder / "batch.yaml"), "--out", str(out), "--json"])
    summary = json.loads(result.stdout)
    [note] = summary["export_notes"]
    assert "resumptionToken 'page-2'" in note and "of the 40 records" in note
    assert f"Warning: {note}" in result.stderr
    assert "harvest has more pages" in (out / "report.html").read_text(encoding="utf-8")
