"""Two runs at once (#16), as real processes on the real sandbox wiki.

On one state: the second is refused by the state's lock, naming the first (pid, start, command), and
changes nothing; a lock left by a killed run blocks nobody. On two states of one wiki (two people, or a
rehearsal state and a real one): each sees the files the other just published as "already uploaded with
the same content" — uploaded, never a duplicate of its own title — and the wiki has each file once.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from cli_support import Running, run_cli, start_cli, statuses, wait_for, write_batch
from upload_support import history

from glamupload.exitcodes import ExitStatus
from glamupload.wiki import Wiki


def _sandbox(sandbox_wiki: Any) -> list[str]:
    return ["--wiki", "sandbox", "--sandbox-dir", sandbox_wiki.dir]


def _rows(state: Path) -> list[tuple[str, str, str | None, str | None]]:
    with closing(sqlite3.connect(f"file:{state}?mode=ro", uri=True)) as db:
        return list(db.execute("SELECT record_id, status, wiki_title, error_message FROM files ORDER BY id"))


def _uploading(
    sandbox_wiki: Any, folder: Path, stem: str, count: int, done: int
) -> tuple[Path, Path, Running]:
    """A batch of ``count`` files and an upload process that has uploaded ``done`` of them."""
    batch = write_batch(folder, stem, count)
    state = batch.with_name("batch.state.sqlite")
    running = start_cli("upload", batch, *_sandbox(sandbox_wiki))
    wait_for(lambda: statuses(state).get("uploaded", 0) >= done, what="the run uploading")
    return batch, state, running


def test_a_second_run_on_the_same_state_is_refused_naming_the_first(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    # enough files that the first run is still sending while the second starts (~1-2 s on a busy machine:
    # with 12, a loaded CI machine once saw the first run at 11 of 12 by then)
    count = 40
    batch, state, first = _uploading(sandbox_wiki, tmp_path / "batch", unique_name, count, 1)
    second = run_cli("upload", batch, *_sandbox(sandbox_wiki), "--json")
    before_end = statuses(state)
    done = first.finish()

    assert second.status == ExitStatus.STATE_IN_USE, second.stderr
    assert len(second.error_lines) == 1 and "Traceback" not in second.stderr
    holder = re.search(
        r"in use by another glamupload process \(pid (\d+) on \S+, started (\S+), `(.*)`\)", second.stderr
    )
    assert holder is not None, second.stderr
    assert int(holder.group(1)) == first.pid
    assert holder.group(2).endswith("+00:00") and holder.group(3) == f"glamupload upload {batch}"
    assert second.json() == {
        "error": second.error_lines[0].removeprefix("Error: "),
        "exit": 7,
        "hint": ("wait for that run to end (or stop it with Ctrl-C): one process at a time uses it"),
    }
    assert "pending" in before_end  # the second was refused while the first still had files to send
    assert done.status == ExitStatus.OK, done.stderr
    assert statuses(state) == {"uploaded": count}
    seen = history(uploader, [f"{unique_name} R{i} - R{i}.png" for i in range(count)])
    assert sorted(seen.uploads.values()) == [1] * count

    again = run_cli("upload", batch, *_sandbox(sandbox_wiki))  # the lock went with the first process
    assert again.status == ExitStatus.OK and "This run: nothing to do" in again.stderr


def test_the_lock_of_a_killed_run_blocks_nobody(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    batch, state, killed = _uploading(sandbox_wiki, tmp_path / "batch", unique_name, 8, 2)
    killed.kill()  # SIGKILL: no cleanup at all; the lock file stays, with the dead pid in it
    assert f"pid {killed.pid} " in state.with_name(state.name + ".lock").read_text()

    done = run_cli("upload", batch, *_sandbox(sandbox_wiki))

    assert done.status == ExitStatus.OK, done.stderr
    assert statuses(state) == {"uploaded": 8}
    seen = history(uploader, [f"{unique_name} R{i} - R{i}.png" for i in range(8)])
    assert sorted(seen.uploads.values()) == [1] * 8


def test_two_states_on_one_wiki_record_each_others_files_as_uploaded(
    sandbox_wiki: Any, uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    count = 24
    batch = write_batch(tmp_path / "batch", unique_name, count)
    states = [tmp_path / "a.sqlite", tmp_path / "b.sqlite"]
    runs = [start_cli("upload", batch, *_sandbox(sandbox_wiki), "--state", state) for state in states]
    ends = [run.finish() for run in runs]

    assert [end.status for end in ends] == [ExitStatus.OK, ExitStatus.OK], [e.stderr for e in ends]
    names = [f"{unique_name} R{i} - R{i}.png" for i in range(count)]
    for state in states:
        rows = _rows(state)
        assert [status for _, status, _, _ in rows] == ["uploaded"] * count
        assert [title for _, _, title, _ in rows] == [f"File:{name}" for name in names]
        assert not any(message for *_, message in rows)  # no "same content as File:<its own name>"
    seen = history(uploader, names)
    assert sorted(seen.uploads.values()) == [1] * count  # each file sent by one of the two
    assert sorted(seen.revisions.values()) == [1] * count
