"""Settings of the real wiki that the shared sandbox does not have: an ordinary account under a low
``$wgRateLimits`` completes the batch, pacing to the advertised limit and waiting out ``ratelimited``
answers, and says that it waits; an informational warning (``large-file``) is judged, then published.

This module runs its own sandbox so these settings slow no other test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from glamupload import sandbox
from glamupload.uploader import Progress, UploadOptions, Uploader
from glamupload.wiki import Wiki

from upload_support import connect, history, make_image, numbered, store

HITS, SECONDS = 3, 6


@pytest.fixture(scope="module")
def limited_wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wiki]:
    directory = tmp_path_factory.mktemp("limited") / "wiki"
    sandbox.start(directory, sandbox.free_port())
    (directory / "LocalSettings.local.php").write_text(
        f"<?php\n$wgRateLimits['upload']['user'] = [{HITS}, {SECONDS}];\n")
    yield connect(directory)
    sandbox.stop(directory)


def _upload(wiki: Wiki, tmp_path: Path, files: list[dict[str, object]]) -> tuple[dict[str, int], list[str]]:
    waits: list[str] = []

    def collect(event: Progress) -> None:
        if event.kind == "wait":
            waits.append(event.message or "")

    summary = Uploader(store(tmp_path / "s.sqlite", files), wiki, batch_name="t", image_roots=[tmp_path],
                       options=UploadOptions(), progress=collect).run()
    return summary.counts, waits


def test_the_batch_is_paced_to_the_accounts_upload_limit(limited_wiki: Wiki, tmp_path: Path) -> None:
    files = numbered(tmp_path, "Paced", 7, pixels=8)
    counts, waits = _upload(limited_wiki, tmp_path, files)
    assert counts["uploaded"] == 7
    assert sum("upload rate limit" in w for w in waits) >= 7 - HITS
    seen = history(limited_wiki, [f["filename"] for f in files])
    assert sorted(seen.uploads.values()) == [1] * 7


def test_ratelimited_answers_are_waited_out(limited_wiki: Wiki, tmp_path: Path) -> None:
    for i in range(HITS + 1):  # use up the window behind the uploader's back
        limited_wiki.upload(make_image(tmp_path / f"pre{i}.png", f"pre{i}", 8), f"Before {i}.png", "x", "x")
    files = numbered(tmp_path, "Waited", 2, pixels=8)
    counts, waits = _upload(limited_wiki, tmp_path, files)
    assert counts["uploaded"] == 2
    assert any("ratelimited" in w for w in waits)
    seen = history(limited_wiki, [f["filename"] for f in files])
    assert sorted(seen.uploads.values()) == [1, 1]


def test_informational_warnings_are_judged_then_published(limited_wiki: Wiki, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    published: list[dict[str, Any]] = []
    original = Wiki.publish_stash

    def watching(self: Wiki, *args: Any, **kwargs: Any) -> dict[str, Any]:
        reply = original(self, *args, **kwargs)
        published.append(dict(kwargs, result=reply["result"]))
        return reply

    monkeypatch.setattr(Wiki, "publish_stash", watching)
    settings = Path(limited_wiki.target.sandbox_dir or ".") / "LocalSettings.local.php"
    before = settings.read_text()
    settings.write_text(before + "$wgUploadSizeWarning = 100;\n")  # every file is "large"
    try:
        files = numbered(tmp_path, "Large", 2, pixels=8)
        counts, _ = _upload(limited_wiki, tmp_path, files)
    finally:
        settings.write_text(before)
    assert counts["uploaded"] == 2
    assert published == [{"ignore_warnings": True, "result": "Success"}] * 2  # after the large-file warning
    seen = history(limited_wiki, [f["filename"] for f in files])
    assert sorted(seen.uploads.values()) == [1, 1] and sorted(seen.revisions.values()) == [1, 1]
