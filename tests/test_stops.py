"""Ctrl-C stops within two seconds in every phase (#16) — connecting to a wiki that does not answer,
planning, sending a file's chunks, an outage, a hung wiki, a rate-limit wait — with exit status 130, no
traceback, no row left ``uploading`` and no file started after the stop; the same command then finishes
the batch exactly once. Real processes (``glamupload upload``) through the fault proxy in front of the
sandbox wiki; and the waits themselves (the upload pacer, the retry policy) end at once on a stop.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from cli_support import Running, run_cli, start_cli, statuses, uploader_env, wait_for, write_batch
from faultproxy import FaultProxy
from upload_support import history

from glamupload.errors import Stopped
from glamupload.exitcodes import ExitStatus
from glamupload.stopping import StopSignal
from glamupload.upload.pipeline import RatePacer
from glamupload.wiki import Wiki

#: How long a stop may take, from Ctrl-C to the end of the process.
STOP_SECONDS = 2.0


def _attempted_but_pending(state: Path) -> int:
    """Rows this run started that are pending again: the file in flight when the stop came."""
    with closing(sqlite3.connect(f"file:{state}?mode=ro", uri=True)) as db:
        return int(
            db.execute("SELECT COUNT(*) FROM files WHERE attempts > 0 AND status = 'pending'").fetchone()[0]
        )


def _stopped_cleanly(run: Running, state: Path | None) -> str:
    """Ctrl-C; it ends within STOP_SECONDS with 130 and nothing in flight. Its stderr."""
    done, took = run.interrupt()
    assert done.status == ExitStatus.INTERRUPTED, done.stderr
    assert took < STOP_SECONDS, f"the stop took {took:.2f} s"
    assert "Traceback" not in done.stderr
    if state is not None and state.exists():
        assert "uploading" not in statuses(state)
        assert _attempted_but_pending(state) <= 1  # no other file was started after the stop
    return done.stderr


@pytest.fixture
def proxied(sandbox_wiki: Any) -> Any:
    with FaultProxy(sandbox_wiki.api, slow_seconds=120) as proxy:
        yield proxy


def test_ctrl_c_while_connecting_to_a_wiki_that_does_not_answer(
    sandbox_wiki: Any, proxied: FaultProxy, tmp_path: Path
) -> None:
    batch = write_batch(tmp_path / "batch", "unused", 1)
    proxied.always = "drop"
    run = start_cli("upload", batch, "--wiki", proxied.api, "--yes", env=uploader_env(Path(sandbox_wiki.dir)))
    wait_for(lambda: run.saw("Waiting"), 30, "the first retry wait")
    stderr = _stopped_cleanly(run, None)
    assert stderr.splitlines()[-1] == "Interrupted."
    assert not batch.with_name("batch.state.sqlite").exists()


def test_ctrl_c_while_planning(sandbox_wiki: Any, unique_name: str, tmp_path: Path) -> None:
    batch = write_batch(tmp_path / "batch", unique_name, 4000, images=4)  # planning takes some seconds
    state = batch.with_name("batch.state.sqlite")
    run = start_cli("upload", batch, "--wiki", "sandbox", "--sandbox-dir", sandbox_wiki.dir)
    wait_for(lambda: run.saw("Account:"), 60, "the login")
    time.sleep(0.5)
    _stopped_cleanly(run, state)
    assert statuses(state) == {}  # the plan is stored whole or not at all: here, not yet


@pytest.mark.parametrize("phase", ["mid-chunks", "outage", "hung wiki", "rate limit"])
def test_ctrl_c_while_uploading_then_the_same_command_finishes(
    sandbox_wiki: Any, uploader: Wiki, proxied: FaultProxy, unique_name: str, tmp_path: Path, phase: str
) -> None:
    batch = write_batch(tmp_path / "batch", unique_name, 8, big=(3,) if phase == "mid-chunks" else ())
    state = batch.with_name("batch.state.sqlite")
    args = ["upload", batch, "--wiki", proxied.api, "--yes", "--chunk-threshold", "1"]
    env = uploader_env(Path(sandbox_wiki.dir))
    run = start_cli(*args, env=env)
    if phase == "mid-chunks":
        wait_for(lambda: _stash_offset(state) > 0, 120, "the first chunk of the big file")
    else:
        wait_for(lambda: statuses(state).get("uploaded", 0) >= 2, 120, "two files uploaded")
        proxied.always = {"outage": "drop", "hung wiki": "slow", "rate limit": "ratelimited"}[phase]
        shown = {"outage": "network: ConnectionError", "hung wiki": "", "rate limit": "ratelimited"}[phase]
        wait_for(lambda: run.saw(shown) if shown else True, 60, f"a wait for {shown}")
        time.sleep(1.0)  # well inside the wait (or the hung request)
    stderr = _stopped_cleanly(run, state)
    assert "Interrupted; the state is saved. Resume with:" in stderr

    proxied.always = None
    again = run_cli(*args, env=env)
    assert again.status == ExitStatus.OK, again.stderr
    assert statuses(state) == {"uploaded": 8}
    names = [f"{unique_name} R{i} - R{i}.png" for i in range(8)]
    seen = history(uploader, names)
    assert sorted(seen.uploads.values()) == [1] * 8 and sorted(seen.revisions.values()) == [1] * 8
    if phase == "mid-chunks":
        info = uploader.file_info([names[3]])[names[3]]
        image = batch.parent / "images" / "R3.png"
        assert info is not None and info["sha1"] == hashlib.sha1(image.read_bytes()).hexdigest()


def _stash_offset(state: Path) -> int:
    with closing(sqlite3.connect(f"file:{state}?mode=ro", uri=True)) as db:
        row = db.execute("SELECT stash_offset FROM files WHERE record_id = 'R3'").fetchone()
    return int(row[0] or 0) if row else 0


def _stops_within(wait: Any, signal: StopSignal, seconds: float = 0.5) -> None:
    """``wait()`` (a long wait) started in a thread ends with Stopped within ``seconds`` of the stop."""
    ended: list[BaseException | None] = []

    def waiting() -> None:
        try:
            wait()
            ended.append(None)
        except BaseException as exc:
            ended.append(exc)

    thread = threading.Thread(target=waiting)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    signal.set()
    thread.join(seconds)
    assert not thread.is_alive(), "the wait did not end on the stop"
    assert time.monotonic() - started < seconds and isinstance(ended[0], Stopped)


def test_the_upload_pacer_waits_until_a_stop() -> None:
    signal = StopSignal()
    pacer = RatePacer((1, 60.0), lambda seconds, why: None, signal)  # one upload a minute
    pacer.wait()  # the first goes at once

    _stops_within(pacer.wait, signal)


def test_a_retry_wait_and_a_hung_request_end_on_a_stop(sandbox_wiki: Any, proxied: FaultProxy) -> None:
    wiki = Wiki(type(Wiki.connect("sandbox", Path(sandbox_wiki.dir)).target)("proxied", proxied.api))
    proxied.always = "503"  # Retry-After: 1, then longer waits
    wiki.retry.base = 30.0
    _stops_within(lambda: wiki.siteinfo(), wiki.stop_signal)
    wiki.stop_signal.clear()
    proxied.always = "slow"  # the wiki takes the request and never answers (for 120 s)
    _stops_within(lambda: wiki.siteinfo(), wiki.stop_signal)
