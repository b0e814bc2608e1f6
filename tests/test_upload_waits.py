"""How a run waits and what it counts (#16): rate limits are waited out as long as the wiki asks —
however many refusals that takes, shown with their seconds — and end the run (exit 5) only after the
configured total wait; ``--limit`` counts the files actually sent; ``--only`` with an unknown id is an
error naming it; a state deleted while a run uses it stops the run, and a new state finds what was sent.
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_cli, start_cli, statuses, uploader_env, wait_for, write_batch
from faultproxy import FaultProxy
from rich.console import Console
from upload_support import connect, history, numbered, run, store

from glamupload.cli.upload import ProgressBar
from glamupload.errors import ConfigError, RateLimited
from glamupload.exitcodes import ExitStatus
from glamupload.upload.options import Progress
from glamupload.upload.pipeline import Uploader
from glamupload.wiki import RetryPolicy, Wiki


def _quick(wiki: Wiki) -> Wiki:
    wiki.retry = RetryPolicy(base=0.02, cap=0.1)
    return wiki


def test_rate_limit_refusals_are_waited_out_past_the_attempt_limit(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    files = numbered(tmp_path, unique_name, 2, pixels=8)
    waits: list[Progress] = []
    with FaultProxy(sandbox_wiki.api) as proxy:
        proxy.add("upload", "ratelimited", times=12)  # more refusals than the 8 attempts of a fault
        wiki = _quick(connect(Path(sandbox_wiki.dir), proxy.api))
        summary = Uploader(
            store(tmp_path / "s.sqlite", files),
            wiki,
            batch_name="t",
            image_roots=[tmp_path],
            progress=lambda p: waits.append(p) if p.kind == "wait" else None,
        ).run()
        assert proxy.applied == {"ratelimited": 12}
    assert summary.counts["uploaded"] == 2, summary.problems
    limited = [w for w in waits if "ratelimited" in (w.message or "")]
    assert len(limited) == 12
    assert all(w.wait is not None and w.wait > 0 and "rate limit:" in (w.message or "") for w in limited)
    assert sorted(history(uploader, [f.filename for f in files]).uploads.values()) == [1, 1]


def test_a_run_ends_on_rate_limits_only_after_the_total_wait(
    sandbox_wiki: Any, unique_name: str, tmp_path: Path
) -> None:
    files = numbered(tmp_path, unique_name, 3, pixels=8)
    db = store(tmp_path / "s.sqlite", files)
    with FaultProxy(sandbox_wiki.api) as proxy:
        proxy.add("upload", "ratelimited", times=1000)
        wiki = _quick(connect(Path(sandbox_wiki.dir), proxy.api))
        started = time.monotonic()
        with pytest.raises(RateLimited) as ended:
            run(db, wiki, tmp_path, rate_limit_wait=1.5)
        took = time.monotonic() - started
        refusals = proxy.applied["ratelimited"]
    assert ended.value.exit_status == ExitStatus.WIKI_REFUSED
    assert "still refused for the rate limit after waiting 2 s" in ended.value.message
    assert 1.5 <= took < 10 and refusals > 8  # kept waiting past the 8 attempts, for 1.5 s in all
    assert [r.status for r in db.rows()] == ["pending"] * 3  # the file in flight is settled, none after


def test_upload_rate_limit_wait_option_and_json(sandbox_wiki: Any, unique_name: str, tmp_path: Path) -> None:
    batch = write_batch(tmp_path / "batch", unique_name, 2)
    with FaultProxy(sandbox_wiki.api) as proxy:
        proxy.add("upload", "ratelimited", times=1000)
        args = ["upload", batch, "--wiki", proxy.api, "--yes", "--rate-limit-wait", "0", "--json"]
        done = run_cli(*args, env=uploader_env(Path(sandbox_wiki.dir)))
    assert done.status == ExitStatus.WIKI_REFUSED, done.stderr
    assert len(done.error_lines) == 1 and "still refused for the rate limit" in done.error_lines[0]
    assert done.json() == {
        "error": done.error_lines[0].removeprefix("Error: "),
        "exit": 5,
        "hint": "run again later, or allow a longer wait (upload --rate-limit-wait MINUTES)",
    }
    assert statuses(batch.with_name("batch.state.sqlite")) == {"pending": 2}


def test_the_progress_line_counts_a_wait_down() -> None:
    out = io.StringIO()
    bar = ProgressBar(Console(file=out, width=200, force_terminal=False))
    bar(Progress("wait", 0, 5, 0, 0, 0.0, None, "A.png", "waiting 90 s: ratelimited", 90.0))
    task = bar.bar.tasks[0]
    shown = bar.bar.columns[-1].render(task)  # type: ignore[union-attr]
    assert str(shown).startswith("wait ") and str(shown).endswith(" s")  # in the time left's place
    assert 88 <= int(str(shown).split()[1]) <= 90
    assert "waiting 90 s: ratelimited" in out.getvalue()  # and the line stays in the scrollback


def test_limit_counts_only_files_actually_sent(
    uploader: Wiki, unique_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = numbered(tmp_path, unique_name, 6, pixels=8)
    run(store(tmp_path / "other.sqlite", files[:2]), uploader, tmp_path)  # another state sent two
    sent: list[str] = []
    original = Wiki.upload_bytes

    def sending(self: Wiki, content: bytes, filename: str, *args: Any) -> dict[str, Any]:
        sent.append(filename)
        return original(self, content, filename, *args)

    monkeypatch.setattr(Wiki, "upload_bytes", sending)
    db = store(tmp_path / "s.sqlite", files)
    summary = run(db, uploader, tmp_path, limit=2)
    assert sent == [files[2].filename, files[3].filename]  # the two found on the wiki did not count
    assert summary.this_run == {"uploaded": 4}
    assert [r.status for r in db.rows()] == ["uploaded"] * 4 + ["pending"] * 2


def test_only_an_unknown_record_is_an_error_naming_it(
    uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    db = store(tmp_path / "s.sqlite", numbered(tmp_path, unique_name, 3, pixels=8))
    with pytest.raises(ConfigError, match=r"--only R1x, Q7: no such record in this batch's plan") as refused:
        run(db, uploader, tmp_path, only=["R0", "R1x", "Q7"])
    assert refused.value.exit_status == ExitStatus.USAGE
    assert refused.value.hint == "did you mean R1?"
    assert [r.status for r in db.rows()] == ["pending"] * 3  # nothing was done, not even R0


def test_a_state_deleted_mid_run_stops_it_and_a_new_state_finds_what_was_sent(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    batch = write_batch(tmp_path / "batch", unique_name, 30)
    state = batch.with_name("batch.state.sqlite")
    sandbox = ["--wiki", "sandbox", "--sandbox-dir", sandbox_wiki.dir]
    running = start_cli("upload", batch, *sandbox)
    wait_for(lambda: statuses(state).get("uploaded", 0) >= 2, 120, "two files uploaded")
    state.unlink()  # someone "starts over" while the run goes on

    done = running.finish()
    assert done.status == ExitStatus.LOCAL_FILES, done.stderr
    assert "Traceback" not in done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("Error: ")] == [
        f"Error: {state}: the upload state database (or its lock file) was deleted or replaced while this "
        "run used it"
    ]
    names = [f"{unique_name} R{i} - R{i}.png" for i in range(30)]
    sent = {t for t, n in history(uploader, names).uploads.items() if n}
    assert 2 <= len(sent) < 30

    again = run_cli("upload", batch, *sandbox)
    assert again.status == ExitStatus.OK, again.stderr
    assert statuses(state) == {"uploaded": 30}
    assert sorted(history(uploader, names).uploads.values()) == [1] * 30  # none was sent twice
