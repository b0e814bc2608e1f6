"""Rate limits from the real wiki: an ordinary account under a low ``$wgRateLimits`` completes the batch,
pacing to the advertised limit and waiting out ``ratelimited`` answers, and says that it waits.

This module runs its own sandbox so the low limit slows no other test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
