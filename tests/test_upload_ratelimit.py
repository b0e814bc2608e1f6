"""Settings of the real wiki that the shared sandbox does not have: an ordinary account under a low
``$wgRateLimits`` completes the batch, pacing to the advertised limit and waiting out ``ratelimited``
answers, and says that it waits; an informational warning (``large-file``) is judged, then published.

This module runs its own sandbox so these settings slow no other test."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import OwnSandbox
from upload_support import connect, history, make_image, numbered, store

from glamupload.errors import RateLimited
from glamupload.planned import PlannedFile
from glamupload.stopping import StopSignal
from glamupload.upload.options import Progress, UploadOptions
from glamupload.upload.pipeline import Uploader
from glamupload.wiki import Wiki

HITS, SECONDS = 3, 6
LIMITS = f"$wgRateLimits['upload']['user'] = [{HITS}, {SECONDS}];"
#: HITS an hour: once full, this window stays full however slow the machine is.
FULL_FOR_AN_HOUR = f"$wgRateLimits['upload']['user'] = [{HITS}, 3600];"


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
def limited_wiki(own_sandbox: OwnSandbox) -> Iterator[Wiki]:
    with own_sandbox("limited") as info:
        wiki = connect(Path(info.dir))
        configure(wiki, LIMITS)
        yield wiki


def _upload(
    wiki: Wiki,
    tmp_path: Path,
    files: list[PlannedFile],
    on_wait: Callable[[str], None] = lambda _: None,
) -> tuple[dict[str, int], list[str]]:
    waits: list[str] = []

    def collect(event: Progress) -> None:
        if event.kind == "wait":
            waits.append(event.message or "")
            on_wait(event.message or "")

    summary = Uploader(
        store(tmp_path / "s.sqlite", files),
        wiki,
        batch_name="t",
        image_roots=[tmp_path],
        options=UploadOptions(),
        progress=collect,
    ).run()
    return summary.counts, waits


def _recording_starts(wiki: Wiki, monkeypatch: pytest.MonkeyPatch, before: Callable[[], None]) -> list[float]:
    """When each upload request of ``wiki`` starts; ``before`` runs first, in the uploading thread."""
    starts: list[float] = []
    send = wiki.upload_bytes

    def recorded(*args: Any, **kwargs: Any) -> dict[str, Any]:
        before()
        starts.append(time.monotonic())
        return send(*args, **kwargs)

    monkeypatch.setattr(wiki, "upload_bytes", recorded)
    return starts


def test_the_batch_is_paced_to_the_accounts_upload_limit(
    limited_wiki: Wiki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paced: uploads start at least SECONDS/HITS apart, at any speed; and every pause is announced (each
    sleep while uploading has its "waiting" message before it), however many a machine's speed makes."""
    starts = _recording_starts(limited_wiki, monkeypatch, before=lambda: None)
    slept: list[float] = []
    real_sleep = StopSignal.sleep

    def sleep(signal: StopSignal, seconds: float) -> None:  # every wait of a run is a stoppable sleep
        slept.append(seconds)
        real_sleep(signal, seconds)

    monkeypatch.setattr(StopSignal, "sleep", sleep)
    files = numbered(tmp_path, "Paced", 7, pixels=8)
    counts, waits = _upload(limited_wiki, tmp_path, files)
    monkeypatch.setattr(StopSignal, "sleep", real_sleep)
    assert counts["uploaded"] == 7
    assert min(b - a for a, b in zip(starts, starts[1:], strict=False)) >= SECONDS / HITS
    assert [f"{s:.0f}" for s in slept] == [re.match(r"waiting (\d+) s", w)[1] for w in waits]  # type: ignore[index]
    seen = history(limited_wiki, [f.filename for f in files])
    assert sorted(seen.uploads.values()) == [1] * 7


def test_ratelimited_answers_are_waited_out(
    limited_wiki: Wiki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tied to events, not to the clock: right before the uploader's first upload the account's window is
    filled (HITS an hour, so it cannot empty meanwhile), so the wiki answers "ratelimited"; when the
    uploader says it waits for that, the limit is put back to the module's, and the retry goes through."""
    other = connect(Path(limited_wiki.target.sandbox_dir or "."))  # the same account, another session
    other.rate_limit_wait = 0  # stop at the first "ratelimited": the window is full now
    steps: list[str] = []

    def fill_the_window() -> None:
        if steps:
            return
        configure(other, FULL_FOR_AN_HOUR)
        for i in range(2 * HITS + 1):
            try:
                other.upload(make_image(tmp_path / f"pre{i}.png", f"pre{i}", 8), f"Before {i}.png", "x", "x")
            except RateLimited as refused:
                assert "ratelimited" in refused.info
                steps.append(f"refused after {i}")
                return
        pytest.fail("the wiki never answered ratelimited")

    def lift_the_limit(wait: str) -> None:
        if "ratelimited" in wait and "lifted" not in steps:
            configure(other, LIMITS)  # another window length, so new counters: the retry is allowed
            steps.append("lifted")

    _recording_starts(limited_wiki, monkeypatch, before=fill_the_window)
    files = numbered(tmp_path, "Waited", 2, pixels=8)
    counts, waits = _upload(limited_wiki, tmp_path, files, on_wait=lift_the_limit)
    assert steps == [f"refused after {HITS}", "lifted"]
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
