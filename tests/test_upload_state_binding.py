"""An upload state belongs to one wiki: another wiki, or a reset sandbox, is refused with a way out."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from glamupload.errors import ConfigError
from glamupload.state import BatchState, ForeignState
from glamupload.upload.run import bind_to_wiki
from glamupload.wiki import Target


def _wiki(target: Target) -> SimpleNamespace:
    """Only the target matters to the binding; no request is made."""
    return SimpleNamespace(target=target)


def test_first_use_records_the_wiki_and_the_same_wiki_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "b.state.sqlite"
    commons = Target("commons", "https://commons.wikimedia.org/w/api.php")
    with BatchState(path) as db:
        bind_to_wiki(db, _wiki(commons), path)  # type: ignore[arg-type]
        bind_to_wiki(db, _wiki(commons), path)  # type: ignore[arg-type]
        assert db.meta("wiki") == commons.api


def test_another_wiki_is_refused_naming_both_and_suggesting_state(tmp_path: Path) -> None:
    path = tmp_path / "b.state.sqlite"
    sandbox = Target(
        "sandbox",
        "http://127.0.0.1:8089/api.php",
        tmp_path,
        identity="http://127.0.0.1:8089/api.php (sandbox aa)",
    )
    commons = Target("commons", "https://commons.wikimedia.org/w/api.php")
    with BatchState(path) as db:
        bind_to_wiki(db, _wiki(sandbox), path)  # type: ignore[arg-type]
        with pytest.raises(ConfigError) as refused:
            bind_to_wiki(db, _wiki(commons), path)  # type: ignore[arg-type]
    message = str(refused.value)
    assert "records uploads to http://127.0.0.1:8089/api.php (sandbox aa)" in message
    assert "not to https://commons.wikimedia.org/w/api.php" in message
    assert "--state" in message and "b.state-commons.sqlite" in message


def test_a_reset_sandbox_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "b.state.sqlite"
    api = "http://127.0.0.1:8089/api.php"
    with BatchState(path) as db:
        bind_to_wiki(db, _wiki(Target("sandbox", api, tmp_path, identity=f"{api} (sandbox old)")), path)  # type: ignore[arg-type]
        with pytest.raises(ConfigError) as refused:
            bind_to_wiki(db, _wiki(Target("sandbox", api, tmp_path, identity=f"{api} (sandbox new)")), path)  # type: ignore[arg-type]
    assert "the sandbox was reset since" in str(refused.value)
    assert f"delete {path}" in str(refused.value)


def test_sandbox_targets_carry_their_instance(sandbox_wiki) -> None:  # type: ignore[no-untyped-def]
    from glamupload.wiki import resolve_target

    target = resolve_target("sandbox", Path(sandbox_wiki.dir))
    assert target.identity.startswith(f"{sandbox_wiki.api} (sandbox ")
    assert resolve_target("commons").identity == resolve_target("commons").api


def test_a_state_belongs_to_one_batch(tmp_path: Path) -> None:
    """The first batch that opens a state for writing claims it; another batch's id is refused, for
    writing and for reading, naming both and the way out; a reader never claims."""
    path = tmp_path / "a.state.sqlite"
    with BatchState(path, batch_id="a-12345678") as db:
        assert db.meta("batch") == "a-12345678"
    with BatchState(path, batch_id="a-12345678"):
        pass  # the same batch, again
    for read_only in (False, True):
        with pytest.raises(ForeignState) as refused:
            BatchState(path, read_only=read_only, batch_id="b-87654321")
        assert "belongs to the batch a-12345678, not to b-87654321" in str(refused.value)
        assert "leave --state out" in str(refused.value)
    unclaimed = tmp_path / "old.state.sqlite"
    with BatchState(unclaimed):
        pass  # a state made before batches were recorded
    with BatchState(unclaimed, read_only=True, batch_id="b-87654321") as db:
        assert db.meta("batch") is None
    with BatchState(unclaimed, batch_id="b-87654321") as db:
        assert db.meta("batch") == "b-87654321"


def test_status_and_planning_refuse_another_batchs_state(tmp_path: Path) -> None:
    """``--state`` with another batch's file: status (no wiki) and planning (which reads the names the
    state holds) stop with the one line instead of counting or holding the other batch's rows."""
    from cli_support import write_batch

    from glamupload.config import load_batch
    from glamupload.plan import Planner
    from glamupload.upload.run import batch_status

    def named(folder: Path) -> Path:
        batch = write_batch(folder, folder.name, 2)
        batch.write_text(f"name: {folder.name}\n" + batch.read_text(encoding="utf-8"), encoding="utf-8")
        return batch

    first = load_batch(named(tmp_path / "one"))
    with BatchState(first.state_path, batch_id=first.batch_id):
        pass
    second = load_batch(named(tmp_path / "two"), state=first.state_path)
    assert second.batch_id != first.batch_id
    with pytest.raises(ForeignState):
        batch_status(second)
    with pytest.raises(ForeignState):
        Planner.open(second).namer()
    assert batch_status(first).counts["total"] == 0
