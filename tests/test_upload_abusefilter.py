"""An AbuseFilter refusal on the real sandbox wiki fails its record with the wiki's message; the batch
goes on.

The test has a wiki of its own: the filter would refuse other tests' uploads on the shared one, and a
fresh wiki lets it check that the wiki holds exactly the files the batch uploaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import OwnSandbox
from upload_support import connect, create_abuse_filter, make_image, planned, run, store

from glamupload.exitcodes import ExitStatus
from glamupload.state import FileStatus
from glamupload.wiki import Wiki

FILTER_DESCRIPTION = "No uploads named Forbidden (glamupload test)"


@pytest.fixture(scope="module")
def filtered_wiki(own_sandbox: OwnSandbox) -> Iterator[Path]:
    """A sandbox of this module's own with one filter that disallows uploads whose title holds "Forbidden"."""
    with own_sandbox("abusefilter") as info:
        directory = Path(info.dir)
        create_abuse_filter(
            directory, 'action == "upload" & page_title contains "Forbidden"', FILTER_DESCRIPTION
        )
        yield directory


def _all_files(wiki: Wiki) -> list[str]:
    reply = wiki.call({"action": "query", "list": "allimages", "ailimit": "max"})
    return sorted(image["name"].replace("_", " ") for image in reply["query"]["allimages"])


def test_abusefilter_refusal_fails_the_record_and_the_batch_goes_on(
    filtered_wiki: Path, tmp_path: Path
) -> None:
    files = [
        planned("before", "Harmless museum object 1.png", make_image(tmp_path / "a.png", "abusefilter a")),
        planned("caught", "Forbidden museum object.png", make_image(tmp_path / "b.png", "abusefilter b")),
        planned("after", "Harmless museum object 2.png", make_image(tmp_path / "c.png", "abusefilter c")),
    ]
    wiki = connect(filtered_wiki)
    db = store(tmp_path / "s.sqlite", files)
    summary = run(db, wiki, tmp_path)

    assert summary.counts["failed"] == 1 and summary.counts["uploaded"] == 2
    assert summary.exit_status == ExitStatus.RECORD_ERRORS
    [problem] = summary.problems
    assert problem.record_id == "caught" and problem.status == FileStatus.FAILED
    assert problem.code == "abusefilter-disallowed"
    assert FILTER_DESCRIPTION in problem.message  # the wiki's message names the filter that refused
    statuses = {row.record_id: row.status for row in db.rows()}
    assert statuses == {
        "before": FileStatus.UPLOADED,
        "caught": FileStatus.FAILED,
        "after": FileStatus.UPLOADED,
    }
    assert _all_files(wiki) == ["Harmless museum object 1.png", "Harmless museum object 2.png"]
