"""Settings of the real wiki that the shared sandbox does not have: an ordinary account under a low
``$wgRateLimits`` completes the batch, pacing to the advertised limit and waiting out ``ratelimited``
answers, and says that it waits; an informational warning (``large-file``) is judged, then published.

This module runs its own sandbox so these settings slow no other test."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from upload_support import connect, history, make_image, numbered, store

from glamupload import sandbox
from glamupload.errors import RateLimited
from glamupload.upload.options import Progress, UploadOptions
from glamupload.upload.pipeline import Uploader
from glamupload.wiki import Wiki

HITS, SECONDS = 3, 6
LIMITS = f"$wgRateLimits['upload']['user'] = [{HITS}, {SECONDS}];"


def configure(wiki: Wiki, php: str) -> None:
    """Write the sandbox's LocalSettings.local.php and wait until the wiki runs with it (PHP's opcache
    may serve the previous version for a moment); the site name carries a token to see that."""
    token = secrets.token_hex(4)
    settings = Path(wiki.target.sandbox_dir or ".") / "LocalSettings.local.php"
    settings.write_text(f'<?php\n{php}\n$wgSitename = "sandbox {token}";\n')
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        general = wiki.call({"action": "query", "meta": "siteinfo"})["query"]["general"]
        if general["sitename"].endswith(token):
            return
        time.sleep(0.2)
    pytest.fail("the sandbox did not take the new settings")


@pytest.fixture(scope="module")
def limited_wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wiki]:
    directory = tmp_path_factory.mktemp("limited") / "wiki"
    sandbox.start(directory, sandbox.free_port())
    wiki = connect(directory)
    configure(wiki, LIMITS)
    yield wiki
    sandbox.stop(directory)


def _upload(wiki: Wiki, tmp_path: Path, files: list[dict[str, object]]) -> tuple[dict[str, int], list[str]]:
    waits: list[str] = []

    def collect(event: Progress) -> None:
        if event.kind == "wait":
            waits.append(event.message or "")

    summary = Uploader(
        store(tmp_path / "s.sqlite", files),
        wiki,
        batch_name="t",
        image_roots=[tmp_path],
        options=UploadOptions(),
        progress=collect,
    ).run()
    return summary.counts, waits


def test_the_batch_is_paced_to_the_accounts_upload_limit(limited_wiki: Wiki, tmp_path: Path) -> None:
    files = numbered(tmp_path, "Paced", 7, pixels=8)
    counts, waits = _upload(limited_wiki, tmp_path, files)
    assert counts["uploaded"] == 7
    assert sum("upload rate limit" in w for w in waits) >= 7 - HITS
    seen = history(limited_wiki, [f.filename for f in files])
    assert sorted(seen.uploads.values()) == [1] * 7


def test_ratelimited_answers_are_waited_out(limited_wiki: Wiki, tmp_path: Path) -> None:
    eager = connect(Path(limited_wiki.target.sandbox_dir or "."))
    eager.rate_limit_wait = 0  # stop at the first "ratelimited": the window is full now
    for i in range(2 * HITS + 1):
        try:
            eager.upload(make_image(tmp_path / f"pre{i}.png", f"pre{i}", 8), f"Before {i}.png", "x", "x")
        except RateLimited as refused:
            assert "ratelimited" in refused.info
            break
    else:
        pytest.fail("the wiki never answered ratelimited")
    files = numbered(tmp_path, "Waited", 2, pixels=8)
    counts, waits = _upload(limited_wiki, tmp_path, files)
    assert counts["uploaded"] == 2
    assert any("ratelimited" in w for w in waits)
    seen = history(limited_wiki, [f.filename for f in files])
    assert sorted(seen.uploads.values()) == [1, 1]


def test_informational_warnings_are_judged_then_published(
    limited_wiki: Wiki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published: list[dict[str, Any]] = []
    original = Wiki.publish_stash

    def watching(self: Wiki, *args: Any, **kwargs: Any) -> dict[str, Any]:
        reply = original(self, *args, **kwargs)
        published.append(dict(kwargs, result=reply["result"]))
        return reply

    monkeypatch.setattr(Wiki, "publish_stash", watching)

    configure(limited_wiki, LIMITS + "\n$wgUploadSizeWarning = 100;")  # every file is "large"
    try:
        files = numbered(tmp_path, "Large", 2, pixels=8)
        counts, _ = _upload(limited_wiki, tmp_path, files)
    finally:
        configure(limited_wiki, LIMITS)
    assert counts["uploaded"] == 2
    assert published == [{"ignore_warnings": True, "result": "Success"}] * 2  # after the large-file warning
    seen = history(limited_wiki, [f.filename for f in files])
    assert sorted(seen.uploads.values()) == [1, 1] and sorted(seen.revisions.values()) == [1, 1]
