"""Faults a healthy local wiki never produces, injected by a proxy in front of the real sandbox:
the batch still completes, and every file is on the wiki exactly once with one revision."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from faultproxy import FaultProxy
from upload_support import connect, history, make_image, numbered, planned, store

from glamupload.upload.options import Progress, UploadOptions
from glamupload.upload.pipeline import Uploader
from glamupload.wiki import RetryPolicy, Wiki


def _files_named(wiki: Wiki, prefix: str) -> list[dict[str, Any]]:
    reply = wiki.call(
        {"action": "query", "list": "allimages", "aiprefix": prefix, "ailimit": "max", "aiprop": "sha1"}
    )
    return list(reply["query"]["allimages"])


def _faulty_wiki(sandbox_wiki: Any, proxy: FaultProxy) -> Wiki:
    wiki = connect(Path(sandbox_wiki.dir), proxy.api)
    wiki.retry = RetryPolicy(attempts=8, base=0.2, cap=2.0)
    wiki.timeout = 10.0  # a "slow" answer comes after the client gave up; any other well before that
    return wiki


def test_batch_completes_exactly_once_through_faults(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    prefix = unique_name.replace(" ", "_")
    small = numbered(tmp_path, unique_name, 6, prefix="S")
    big_image = make_image(tmp_path / "big.png", unique_name + "big", 64)
    big = planned("B", f"{unique_name} big.png", big_image)
    db = store(tmp_path / "s.sqlite", [*small, big])
    waits: list[str] = []
    with FaultProxy(sandbox_wiki.api, retry_after=1) as proxy:
        wiki = _faulty_wiki(sandbox_wiki, proxy)
        proxy.add("any", "maxlag")
        proxy.add("upload", "drop")
        proxy.add("upload", "503")
        proxy.add("upload", "drop-after")
        proxy.add("upload", "slow")
        proxy.add("chunk", "cut")
        proxy.add("chunk", "drop-after")
        proxy.add("chunk", "503")
        proxy.add("publish", "drop-after")
        summary = Uploader(
            db,
            wiki,
            batch_name="faults",
            image_roots=[tmp_path],
            options=UploadOptions(chunk_threshold=4096, chunk_size=2048),
            progress=lambda p: waits.append(p.message or "") if p.kind == "wait" else None,
        ).run()
        assert proxy.schedule == [], "every scheduled fault happened"
        assert sum(proxy.applied.values()) == 9
    assert summary.counts["uploaded"] == 7, summary.problems
    names = [f.filename for f in [*small, big]]
    on_wiki = _files_named(uploader, prefix)
    assert len(on_wiki) == 7
    seen = history(uploader, names)
    assert sorted(seen.uploads.values()) == [1] * 7
    assert sorted(seen.revisions.values()) == [1] * 7
    big_info = uploader.file_info([big.filename])[big.filename]
    assert big_info["sha1"] == hashlib.sha1(big_image.read_bytes()).hexdigest()
    assert any("maxlag" in w for w in waits) and any("HTTP 503" in w for w in waits)
    assert any("network" in w for w in waits) and any("ReadTimeout" in w for w in waits)  # the slow one


def test_lost_reply_of_the_last_chunk_restarts_the_stash_once(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    image = make_image(tmp_path / "big.png", unique_name, 40)
    size = image.stat().st_size
    db = store(tmp_path / "s.sqlite", [planned("B", f"{unique_name}.png", image)])
    chunk = 1024 * (size // 1024 // 3)  # three chunks and a rest: the last one's reply is lost
    events: list[Progress] = []
    with FaultProxy(sandbox_wiki.api) as proxy:
        wiki = _faulty_wiki(sandbox_wiki, proxy)
        last = f'name="offset"\r\n\r\n{3 * chunk}'.encode()
        original = proxy._next_fault

        def lose_the_last_chunk(body: bytes) -> str | None:
            if last in body and not proxy.applied:
                proxy.applied["drop-after"] += 1
                return "drop-after"
            return original(body)

        proxy._next_fault = lose_the_last_chunk  # type: ignore[method-assign]
        options = UploadOptions(chunk_threshold=1024, chunk_size=chunk)
        summary = Uploader(
            db, wiki, batch_name="t", image_roots=[tmp_path], options=options, progress=events.append
        ).run()
        assert proxy.applied["drop-after"] == 1
    assert summary.counts["uploaded"] == 1, summary.problems
    info = uploader.file_info([f"{unique_name}.png"])[f"{unique_name}.png"]
    assert info["sha1"] == hashlib.sha1(image.read_bytes()).hexdigest()
    assert history(uploader, [f"{unique_name}.png"]).uploads[f"File:{unique_name}.png"] == 1


def test_session_loss_and_bad_token_are_recovered(
    sandbox_wiki: Any, unique_name: str, tmp_path: Path, monkeypatch: Any
) -> None:
    wiki = connect(Path(sandbox_wiki.dir))
    files = numbered(tmp_path, unique_name, 2, pixels=8)
    stale = wiki.csrf_token()
    wiki.session.cookies.clear()  # a new session behind our back: the token we hold is stale
    wiki.login()
    sent_tokens: list[str] = []
    original = Wiki.call

    def watching(self: Wiki, params: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        reply = original(self, params, **kwargs)
        if params.get("action") == "upload":
            sent_tokens.append(self.csrf_token())
        return reply

    monkeypatch.setattr(Wiki, "call", watching)
    first = Uploader(
        store(tmp_path / "a.sqlite", files[:1]), wiki, batch_name="t", image_roots=[tmp_path]
    ).run()
    assert first.counts["uploaded"] == 1
    assert sent_tokens and sent_tokens[0] != stale
    wiki.session.cookies.clear()  # the session expired while the laptop slept
    second = Uploader(
        store(tmp_path / "b.sqlite", files[1:]), wiki, batch_name="t", image_roots=[tmp_path]
    ).run()
    assert second.counts["uploaded"] == 1
    assert wiki.call({"action": "query", "meta": "userinfo"})["query"]["userinfo"]["name"] == "Uploader"
