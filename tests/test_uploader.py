"""The uploader against the real sandbox wiki: outcomes, warnings, chunking, preflight, request budget."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from upload_support import connect, history, make_image, numbered, planned, run, store

from glamupload import state
from glamupload.accounts import sandbox_account
from glamupload.errors import ConfigError
from glamupload.problems import Problem
from glamupload.upload.options import Progress, UploadOptions
from glamupload.upload.pipeline import Uploader
from glamupload.wiki import Wiki, resolve_target


@pytest.fixture
def requests_made(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Every API request the wiki layer sends during the test (parameters only)."""
    made: list[dict[str, Any]] = []
    original = Wiki.call

    def counting(self: Wiki, params: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        made.append(dict(params))
        return original(self, params, **kwargs)

    monkeypatch.setattr(Wiki, "call", counting)
    yield made


def _sends_bytes(params: dict[str, Any]) -> bool:
    return params.get("action") == "upload" and "checkstatus" not in params


def test_batch_uploads_each_file_once_with_its_wikitext(
    uploader: Wiki, unique_name: str, tmp_path: Path, requests_made: list[dict[str, Any]]
) -> None:
    files = numbered(tmp_path, unique_name, 6)
    db = store(tmp_path / "s.sqlite", files)
    summary = run(db, uploader, tmp_path)
    assert summary.counts["uploaded"] == 6 and summary.counts["total"] == 6
    assert summary.exit_status == 0
    names = [f.filename for f in files]
    pages = uploader.page_revisions(f"File:{n}" for n in names)
    for f in files:
        assert pages[f"File:{f.filename}"]["text"] == f.wikitext
    info = uploader.file_info(names)
    for f in files:
        assert info[f.filename]["sha1"] == hashlib.sha1(Path(f.source).read_bytes()).hexdigest()
    seen = history(uploader, names)
    assert set(seen.uploads.values()) == {1} and len(seen.uploads) == 6
    assert set(seen.revisions.values()) == {1} and len(seen.revisions) == 6
    # a second run finds nothing to do and sends no upload
    requests_made.clear()
    again = run(db, uploader, tmp_path)
    assert again.this_run == {} and again.counts["uploaded"] == 6
    assert not [p for p in requests_made if _sends_bytes(p)]


@pytest.mark.parametrize("sha1_check_from", [0, 1024 * 1024])
def test_preflight_costs_one_request_per_25_files_plus_the_sha1_lookups(
    sandbox_wiki: Any,
    unique_name: str,
    tmp_path: Path,
    requests_made: list[dict[str, Any]],
    sha1_check_from: int,
) -> None:
    fresh = connect(Path(sandbox_wiki.dir))  # no token yet: asking for it counts
    requests_made.clear()  # the login requests are the connection's, not the preflight's
    files = numbered(tmp_path, unique_name, 50, pixels=8)
    summary = run(store(tmp_path / "s.sqlite", files), fresh, tmp_path, sha1_check_from=sha1_check_from)
    assert summary.counts["uploaded"] == 50, summary.problems[:3]
    uploads = [p for p in requests_made if _sends_bytes(p)]
    lookups = [p for p in requests_made if "aisha1" in p]
    others = [p for p in requests_made if not _sends_bytes(p) and "aisha1" not in p]
    assert len(uploads) == 50
    # one SHA-1 lookup per file the API can answer only one at a time; none for files under the limit
    assert len(lookups) == (50 if sha1_check_from == 0 else 0)
    asked = Counter(str(p.get("meta") or p.get("prop") or p.get("list")) for p in others)
    assert len(others) <= 50 / 25, asked


def test_titles_are_asked_as_the_uploads_reach_them(
    uploader: Wiki, unique_name: str, tmp_path: Path, requests_made: list[dict[str, Any]]
) -> None:
    files = numbered(tmp_path, unique_name, 120, pixels=4)
    requests_made.clear()
    summary = run(store(tmp_path / "s.sqlite", files), uploader, tmp_path, sha1_check_from=1 << 20)
    assert summary.counts["uploaded"] == 120
    kinds = ["upload" if _sends_bytes(p) else str(p.get("prop") or p.get("meta")) for p in requests_made]
    first = kinds.index("upload")
    asked = [str(p["titles"]).split("|") for p in requests_made if p.get("prop") == "imageinfo"]
    # the first query asks for the first title alone (with user info and token): the first upload waits
    # for no other row; then 50 at a time as the uploads reach them (the next one may go out while the
    # first file is sent), never all of them before the first upload
    assert [len(titles) for titles in asked] == [1, 50, 50, 19]
    assert kinds[0] == "imageinfo" and kinds[:first].count("imageinfo") <= 2, kinds[:first]
    assert kinds.count("upload") == 120


def test_license_plan_and_file_problems_never_reach_the_wiki(
    uploader: Wiki, unique_name: str, tmp_path: Path, requests_made: list[dict[str, Any]]
) -> None:
    root = tmp_path / "images"
    good = make_image(root / "good.png", unique_name + "good")
    outside = make_image(tmp_path / "outside.png", unique_name + "outside")
    files = [
        planned("ok", f"{unique_name} ok.png", good),
        planned(
            "nc", f"{unique_name} nc.png", make_image(root / "nc.png", unique_name + "nc"), verdict="reject"
        ),
        planned(
            "rv", f"{unique_name} rv.png", make_image(root / "rv.png", unique_name + "rv"), verdict="review"
        ),
        planned(
            "err",
            f"{unique_name} err.png",
            make_image(root / "err.png", unique_name + "e"),
            errors=(Problem("title", "no title"),),
        ),
        planned("out", f"{unique_name} out.png", root / ".." / "outside.png"),
        planned("gone", f"{unique_name} gone.png", root / "missing.png"),
        planned("mime", f"{unique_name} mime.jpg", make_image(root / "mime.jpg", unique_name + "m")),
    ]
    assert outside.exists()
    summary = run(store(tmp_path / "s.sqlite", files), uploader, root)
    by_id = {p.record_id: p for p in summary.problems}
    assert summary.counts["uploaded"] == 1
    assert by_id["nc"].status == "skipped" and by_id["nc"].code == "license-reject"
    assert by_id["rv"].status == "skipped" and by_id["rv"].code == "license-review"
    assert by_id["err"].status == "failed" and "no title" in by_id["err"].message
    assert by_id["out"].status == "failed" and "outside" in by_id["out"].message
    assert by_id["gone"].status == "failed" and by_id["gone"].code == "image-missing"
    assert by_id["mime"].code == "mime-mismatch" and "image/png" in by_id["mime"].message
    assert summary.exit_status == 1
    sent = [p["filename"] for p in requests_made if _sends_bytes(p)]
    assert sent == [f"{unique_name} ok.png"]


def test_duplicates_and_title_conflicts(
    uploader: Wiki, unique_name: str, tmp_path: Path, requests_made: list[dict[str, Any]]
) -> None:
    on_wiki = make_image(tmp_path / "on_wiki.png", unique_name + "w")
    taken = make_image(tmp_path / "taken.png", unique_name + "t")
    mine = make_image(tmp_path / "mine.png", unique_name + "m")
    twin = tmp_path / "twin.png"
    twin.write_bytes(mine.read_bytes())
    uploader.upload(on_wiki, f"{unique_name} elsewhere.png", "x", "x")
    uploader.upload(taken, f"{unique_name} taken.png", "x", "x")
    uploader.upload(mine, f"{unique_name} already.png", "already", "x")
    files = [
        planned("dup", f"{unique_name} dup.png", on_wiki),  # same bytes under another name on the wiki
        planned("conflict", f"{unique_name} taken.png", mine),  # the title holds other content
        planned("done", f"{unique_name} already.png", mine),  # the title holds exactly our file
        planned("twin", f"{unique_name} twin.png", twin),  # same bytes as "done"
    ]
    requests_made.clear()
    summary = run(store(tmp_path / "s.sqlite", files), uploader, tmp_path)
    rows = {r.record_id: r for r in state.BatchState(tmp_path / "s.sqlite").rows()}
    assert rows["dup"].status == "duplicate" and rows["dup"].wiki_title == f"File:{unique_name} elsewhere.png"
    assert rows["conflict"].status == "failed" and rows["conflict"].error_code == "title-taken"
    assert rows["done"].status == "uploaded" and rows["done"].wiki_title == f"File:{unique_name} already.png"
    assert rows["twin"].status == "duplicate" and rows["twin"].wiki_title == f"File:{unique_name} already.png"
    assert summary.counts["uploaded"] == 1
    published = [p["filename"] for p in requests_made if _sends_bytes(p)]
    assert f"{unique_name} already.png" not in published and f"{unique_name} taken.png" not in published
    assert uploader.file_info([f"{unique_name} dup.png"])[f"{unique_name} dup.png"] is None
    assert history(uploader, [f"{unique_name} already.png"]).revisions[f"File:{unique_name} already.png"] == 1


def test_every_file_is_checked_by_sha1_before_any_byte_is_sent(
    uploader: Wiki, unique_name: str, tmp_path: Path, requests_made: list[dict[str, Any]]
) -> None:
    image = make_image(tmp_path / "small.png", unique_name, 8)
    uploader.upload(image, f"{unique_name} first.png", "x", "x")
    requests_made.clear()
    summary = run(
        store(tmp_path / "s.sqlite", [planned("b", f"{unique_name} second.png", image)]), uploader, tmp_path
    )
    assert summary.counts["duplicate"] == 1
    assert not [p for p in requests_made if _sends_bytes(p)]
    assert any(p.get("aisha1") == hashlib.sha1(image.read_bytes()).hexdigest() for p in requests_made)


def test_sha1_check_limited_to_large_files_leaves_small_ones_to_the_duplicate_warning(
    uploader: Wiki, unique_name: str, tmp_path: Path, requests_made: list[dict[str, Any]]
) -> None:
    small = make_image(tmp_path / "small.png", unique_name, 8)
    big = make_image(tmp_path / "big.png", unique_name, 64)
    uploader.upload(small, f"{unique_name} small first.png", "x", "x")
    uploader.upload(big, f"{unique_name} big first.png", "x", "x")
    requests_made.clear()
    files = [
        planned("s", f"{unique_name} small second.png", small),
        planned("b", f"{unique_name} big second.png", big),
    ]
    summary = run(store(tmp_path / "s.sqlite", files), uploader, tmp_path, sha1_check_from=big.stat().st_size)
    assert summary.counts["duplicate"] == 2
    looked_up = [p["aisha1"] for p in requests_made if "aisha1" in p]
    assert looked_up == [hashlib.sha1(big.read_bytes()).hexdigest()]
    assert [p["filename"] for p in requests_made if _sends_bytes(p)] == [f"{unique_name} small second.png"]
    assert uploader.file_info([f"{unique_name} small second.png"])[f"{unique_name} small second.png"] is None


def test_chunked_upload_through_the_stash(
    uploader: Wiki, unique_name: str, tmp_path: Path, requests_made: list[dict[str, Any]]
) -> None:
    image = make_image(tmp_path / "big.png", unique_name, 120)
    size = image.stat().st_size
    events: list[Progress] = []
    db = store(tmp_path / "s.sqlite", [planned("big", f"{unique_name}.png", image)])
    options = UploadOptions(chunk_threshold=8192, chunk_size=8192)
    summary = Uploader(
        db, uploader, batch_name="t", image_roots=[tmp_path], options=options, progress=events.append
    ).run()
    assert summary.counts["uploaded"] == 1
    chunks = [p for p in requests_made if p.get("stash")]
    assert len(chunks) == -(-size // 8192)
    assert [p["offset"] for p in chunks] == list(range(0, size, 8192))
    info = uploader.file_info([f"{unique_name}.png"])[f"{unique_name}.png"]
    assert info["sha1"] == hashlib.sha1(image.read_bytes()).hexdigest() and info["size"] == size
    assert events[-1].kind == "done" and events[-1].bytes_done == size and events[-1].files_done == 1
    assert events[-1].files_total == 1  # counted in the background, known by the end


def test_interrupted_chunked_upload_continues_from_the_servers_offset(
    uploader: Wiki, unique_name: str, tmp_path: Path, requests_made: list[dict[str, Any]]
) -> None:
    image = make_image(tmp_path / "big.png", unique_name, 120)
    size = image.stat().st_size
    db = store(tmp_path / "s.sqlite", [planned("big", f"{unique_name}.png", image)])
    options = UploadOptions(chunk_threshold=8192, chunk_size=8192)
    first = Uploader(db, uploader, batch_name="t", image_roots=[tmp_path], options=options)
    sent = 0

    def stop_after_three_chunks(progress: Progress) -> None:
        nonlocal sent
        sent = progress.bytes_done
        if progress.bytes_done >= 3 * 8192:
            first.stop.set()

    first.progress_callback = stop_after_three_chunks
    assert first.run().interrupted
    row = db.rows()[0]  # a clean stop leaves nothing in flight, and keeps the stash to continue from
    assert row.status == "pending" and row.filekey and row.stash_offset == 3 * 8192
    requests_made.clear()
    summary = Uploader(db, uploader, batch_name="t", image_roots=[tmp_path], options=options).run()
    assert summary.counts["uploaded"] == 1
    offsets = [p["offset"] for p in requests_made if p.get("stash")]
    assert offsets == list(range(3 * 8192, size, 8192))
    info = uploader.file_info([f"{unique_name}.png"])[f"{unique_name}.png"]
    assert info["sha1"] == hashlib.sha1(image.read_bytes()).hexdigest()


def test_retry_failed_reopens_failed_rows_only(uploader: Wiki, unique_name: str, tmp_path: Path) -> None:
    source = tmp_path / "late.png"
    files = [
        planned("late", f"{unique_name}.png", source),
        planned(
            "nc", f"{unique_name} nc.png", make_image(tmp_path / "nc.png", unique_name), verdict="reject"
        ),
    ]
    db = store(tmp_path / "s.sqlite", files)
    assert run(db, uploader, tmp_path).counts["failed"] == 1
    make_image(source, unique_name + "late")
    assert run(db, uploader, tmp_path).counts["failed"] == 1  # not retried without the flag
    summary = run(db, uploader, tmp_path, retry_failed=True)
    assert summary.counts["uploaded"] == 1 and summary.counts["skipped"] == 1 and summary.exit_status == 0


def test_limit_and_only_select_rows(uploader: Wiki, unique_name: str, tmp_path: Path) -> None:
    files = numbered(tmp_path, unique_name, 5, pixels=8)
    db = store(tmp_path / "s.sqlite", files)
    assert run(db, uploader, tmp_path, only=["R3"]).this_run == {"uploaded": 1}
    assert run(db, uploader, tmp_path, limit=2).this_run == {"uploaded": 2}
    assert [r.record_id for r in db.rows(["uploaded"])] == ["R0", "R1", "R3"]


def test_parallel_workers_are_refused_outside_the_sandbox(uploader: Wiki, tmp_path: Path) -> None:
    db = store(tmp_path / "s.sqlite", [])
    remote = Wiki.__new__(Wiki)
    remote.target = type(uploader.target)("commons", "https://commons.wikimedia.org/w/api.php")
    with pytest.raises(ConfigError, match="only allowed on the sandbox"):
        Uploader(db, remote, batch_name="t", image_roots=[tmp_path], options=UploadOptions(workers=3))


def test_parallel_workers_on_the_sandbox_upload_each_file_once(
    uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    files = numbered(tmp_path, unique_name, 12, pixels=8)
    summary = run(store(tmp_path / "s.sqlite", files), uploader, tmp_path, workers=3)
    assert summary.counts["uploaded"] == 12
    seen = history(uploader, [f.filename for f in files])
    assert sorted(seen.uploads.values()) == [1] * 12


def test_permanent_refusals_fail_the_record_and_the_batch_goes_on(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    directory = Path(sandbox_wiki.dir)
    admin = Wiki(resolve_target("sandbox", directory), sandbox_account(directory, "admin"))
    blacklist = admin.page_revisions(["MediaWiki:Titleblacklist"])["MediaWiki:Titleblacklist"]
    admin.edit(
        "MediaWiki:Titleblacklist",
        (blacklist["text"] if blacklist else "") + f"\n.*{re.escape(unique_name)} forbidden.*\n",
        "upload test",
    )
    script = tmp_path / "script.svg"
    script.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    files = [
        planned(
            "blacklisted", f"{unique_name} forbidden.png", make_image(tmp_path / "a.png", unique_name + "a")
        ),
        planned("script", f"{unique_name} script.svg", script),
        planned("fine", f"{unique_name} fine.png", make_image(tmp_path / "b.png", unique_name + "b")),
    ]
    summary = run(store(tmp_path / "s.sqlite", files), uploader, tmp_path)
    problems = {p.record_id: p for p in summary.problems}
    assert problems["blacklisted"].code.startswith("titleblacklist-forbidden")
    assert problems["blacklisted"].status == "failed" and problems["blacklisted"].message
    assert problems["script"].code == "verification-error" and problems["script"].status == "failed"
    assert summary.counts["uploaded"] == 1 and summary.exit_status == 1
    assert uploader.file_info([f"{unique_name} fine.png"])[f"{unique_name} fine.png"] is not None


def test_deleted_files_need_review_and_renamed_names_fail(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    directory = Path(sandbox_wiki.dir)
    admin = Wiki(resolve_target("sandbox", directory), sandbox_account(directory, "admin"))
    deleted = make_image(tmp_path / "deleted.png", unique_name + "deleted")
    uploader.upload(deleted, f"{unique_name} gone.png", "x", "x")
    admin.call({"action": "delete", "title": f"File:{unique_name} gone.png", "reason": "test"}, write=True)
    files = [
        planned("archive", f"{unique_name} again.png", deleted),  # bytes of a deleted file
        planned("name", f"{unique_name} gone.png", make_image(tmp_path / "new.png", unique_name + "new")),
        planned("colon", f"{unique_name} a:b.png", make_image(tmp_path / "colon.png", unique_name + "colon")),
    ]
    summary = run(store(tmp_path / "s.sqlite", files), uploader, tmp_path)
    problems = {p.record_id: (p.status, p.code, p.message) for p in summary.problems}
    assert problems["archive"][:2] == ("needs_review", "duplicate-archive")
    assert problems["name"][:2] == ("needs_review", "was-deleted")
    assert problems["colon"][:2] == ("failed", "badfilename") and "rename" in problems["colon"][2]
    assert summary.counts["uploaded"] == 0 and summary.exit_status == 1
