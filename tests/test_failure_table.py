"""No traceback under any fault (#16): every command, run as a real process, against a table of failures
— a damaged state, a state in use by another run or locked by another program, a full disk, a read-only
folder, permissions, an unreachable wiki, a refused login, usage errors — ends with one ``Error:`` line
(and maybe a hint), the documented exit status, one JSON object with ``--json``, and the state as it was.

The batch is uploaded once for the module (two of its three files: one stays pending, so a run has
something to write); each case works on its own copy.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cli_support import fill, read_only, run_cli, small_disk, uploader_env, write_batch
from click.testing import CliRunner
from faultproxy import FaultProxy

from glamupload import plan
from glamupload.cli import cli, failures
from glamupload.exitcodes import ExitStatus


@dataclass
class Place:
    """One case's copy of the uploaded batch, and the wiki to use."""

    folder: Path
    sandbox: Path
    api: str
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    user_home: Path | None = None  #: set: run with permission bits applied, living there

    @property
    def batch(self) -> Path:
        return self.folder / "batch.yaml"

    @property
    def state(self) -> Path:
        return self.folder / "batch.state.sqlite"

    @property
    def sandbox_args(self) -> list[str | Path]:
        return ["--wiki", "sandbox", "--sandbox-dir", self.sandbox]


def _rows(state: Path) -> list[tuple[str, str, str | None]]:
    """What the state says of each file, and that SQLite finds it whole."""
    with closing(sqlite3.connect(f"file:{state}?mode=ro", uri=True)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return list(db.execute("SELECT key, status, wiki_title FROM files ORDER BY id"))


def _partly_uploaded(folder: Path, sandbox_wiki: Any) -> None:
    """Three files, two of them uploaded: the third is what a run has to do (and to write)."""
    batch = write_batch(folder, f"Failure table {os.getpid()} {folder.parent.parent.name}", 3)
    done = run_cli("upload", batch, "--limit", "2", "--wiki", "sandbox", "--sandbox-dir", sandbox_wiki.dir)
    assert done.status == 0, done.stderr
    with closing(sqlite3.connect(folder / "batch.state.sqlite")) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert [r[1] for r in _rows(folder / "batch.state.sqlite")] == ["uploaded", "uploaded", "pending"]


@pytest.fixture(scope="module")
def uploaded(sandbox_wiki: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("table") / "batch"
    _partly_uploaded(folder, sandbox_wiki)
    return folder


# --- the failures -------------------------------------------------------------------------------------


def corrupt(place: Place) -> None:
    """Overwrite every page after the first (the schema stays readable: the damage shows on reading)."""
    data = bytearray(place.state.read_bytes())
    data[4096:] = bytes((i * 37) % 251 for i in range(len(data) - 4096))
    place.state.write_bytes(bytes(data))


@pytest.fixture
def held_by_another_run() -> Iterator[Callable[[Place], subprocess.Popen[str]]]:
    """A second glamupload process that holds the state (its lock) until the test ends."""
    procs: list[subprocess.Popen[str]] = []

    def hold(place: Place) -> subprocess.Popen[str]:
        code = (
            "import sys; from pathlib import Path; from glamupload.state import BatchState\n"
            "db = BatchState(Path(sys.argv[1])); print('holding', flush=True); sys.stdin.read()"
        )
        proc = subprocess.Popen(
            [sys.executable, "-c", code, str(place.state)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None and proc.stdout.readline() == "holding\n"
        procs.append(proc)
        return proc

    yield hold
    for proc in procs:
        proc.communicate("")


@pytest.fixture
def locked_by_a_program() -> Iterator[Callable[[Place], None]]:
    """Another program (an sqlite3 shell) in the middle of a write transaction on the state."""
    held: list[sqlite3.Connection] = []

    def lock(place: Place) -> None:
        db = sqlite3.connect(place.state, isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        held.append(db)

    yield lock
    for db in held:
        db.execute("ROLLBACK")
        db.close()


@dataclass(frozen=True)
class Case:
    """A command against one failure: what it must end with."""

    name: str
    args: Callable[[Place], list[str | Path]]
    status: ExitStatus
    message: str  #: in the Error line
    json: bool = True  #: the command has --json: one JSON object on stdout


UPLOAD = Case("upload", lambda p: ["upload", p.batch, *p.sandbox_args], ExitStatus.OK, "")
STATUS = Case("status", lambda p: ["status", p.batch], ExitStatus.OK, "")
REVIEW = Case("review", lambda p: ["review", p.batch], ExitStatus.OK, "")
DECIDE = Case(
    "review --skip",
    lambda p: ["review", p.batch, "--skip", "R0", "--by", "T", "--reason", "r"],
    ExitStatus.OK,
    "",
)


def expect(case: Case, status: ExitStatus, message: str) -> Case:
    return Case(case.name, case.args, status, message, case.json)


STATE_CASES = {
    "damaged": [
        expect(c, ExitStatus.LOCAL_FILES, "the upload state database is damaged")
        for c in (UPLOAD, STATUS, REVIEW, DECIDE)
    ],
    "in use": [
        expect(UPLOAD, ExitStatus.STATE_IN_USE, "in use by another glamupload process (pid {pid}"),
        expect(DECIDE, ExitStatus.STATE_IN_USE, "in use by another glamupload process (pid {pid}"),
        STATUS,  # reads beside the run
        REVIEW,
    ],
    "locked": [expect(UPLOAD, ExitStatus.STATE_IN_USE, "locked by another program"), STATUS, REVIEW],
}


def _check(done: Any, case: Case, place: Place | None, **fields: object) -> None:
    """One Error line naming the failure (none when the case succeeds), the status, no traceback, and
    one JSON object with --json."""
    assert "Traceback" not in done.stderr, done.stderr
    assert done.status == case.status, done.stderr
    if case.status == ExitStatus.OK:
        assert done.error_lines == [], done.stderr
    else:
        assert len(done.error_lines) == 1, done.stderr
        assert case.message.format(**fields) in done.error_lines[0], done.error_lines
        if case.json:
            answer = json.loads(done.stdout)
            assert answer["exit"] == case.status and answer["error"] == done.error_lines[0].removeprefix(
                "Error: "
            )


def _place(uploaded: Path, tmp_path: Path, sandbox_wiki: Any) -> Place:
    shutil.copytree(uploaded, tmp_path / "batch")
    return Place(tmp_path / "batch", Path(sandbox_wiki.dir), sandbox_wiki.api)


@pytest.mark.parametrize(
    ("failure", "case"),
    [(failure, case) for failure, cases in STATE_CASES.items() for case in cases],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_state_failures(
    failure: str,
    case: Case,
    uploaded: Path,
    tmp_path: Path,
    sandbox_wiki: Any,
    held_by_another_run: Callable[[Place], subprocess.Popen[str]],
    locked_by_a_program: Callable[[Place], None],
) -> None:
    place = _place(uploaded, tmp_path, sandbox_wiki)
    before = place.state.read_bytes() if failure == "damaged" else _rows(place.state)
    fields: dict[str, object] = {}
    if failure == "damaged":
        corrupt(place)
        before = place.state.read_bytes()
    elif failure == "in use":
        fields["pid"] = held_by_another_run(place).pid
    else:
        locked_by_a_program(place)
    done = run_cli(*case.args(place), "--json")
    _check(done, case, place, **fields)
    if failure == "damaged":
        assert place.state.read_bytes() == before  # nothing was written into the damaged file
    elif case.status != ExitStatus.OK:
        assert _rows(place.state) == before


# --- full disks, read-only folders, permissions ---------------------------------------------------------

DISK_CASES = [
    Case("dry-run", lambda p: ["dry-run", p.batch, "--out", p.folder / "out"], ExitStatus.LOCAL_FILES, ""),
    Case(
        "init",
        lambda p: ["init", p.folder / "export.csv", "--out", p.folder / "new"],
        ExitStatus.LOCAL_FILES,
        "",
        json=False,
    ),
    Case(
        "values --skeleton",
        lambda p: ["values", p.batch, "rights", "--skeleton", p.folder / "rights.csv"],
        ExitStatus.LOCAL_FILES,
        "",
    ),
    Case("upload", lambda p: ["upload", p.batch, *p.sandbox_args], ExitStatus.LOCAL_FILES, ""),
]


@pytest.mark.parametrize("case", DISK_CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("disk", ["full", "read-only"])
def test_disk_failures(case: Case, disk: str, uploaded: Path, tmp_path: Path, sandbox_wiki: Any) -> None:
    with small_disk(tmp_path / "disk", size_kib=1024) as mount:
        place = Place(mount / "batch", Path(sandbox_wiki.dir), sandbox_wiki.api)
        if case.name == "upload":  # its own batch, uploaded in part here: the plan names these images
            _partly_uploaded(place.folder, sandbox_wiki)
        else:
            shutil.copytree(uploaded, place.folder)
        before = _rows(place.state)
        filler = fill(mount) if disk == "full" else None
        if disk == "read-only":
            read_only(mount)
        reason = "Read-only file system"
        if disk == "full":
            reason = "the disk is full" if case.name == "upload" else "No space left on device"
        json_flag = ["--json"] if case.json else []
        done = run_cli(*case.args(place), *json_flag)
        _check(done, Case(case.name, case.args, case.status, reason, case.json), place)
        assert not list(place.folder.rglob("*.part")), "no half-written file is left"
        if filler is not None:
            filler.unlink()  # space again: the state is as it was, and the same command goes on
        assert _rows(place.state) == before
        if disk == "full" and case.name == "upload":
            again = run_cli(*case.args(place))
            assert again.status == ExitStatus.OK, again.stderr
            assert [r[1] for r in _rows(place.state)] == ["uploaded"] * 3


PERMISSION_CASES = [
    Case(
        "upload",
        lambda p: ["upload", p.batch, "--wiki", p.api, "--yes"],
        ExitStatus.LOCAL_FILES,
        "Permission denied",
    ),
    Case("status", lambda p: ["status", p.batch], ExitStatus.LOCAL_FILES, "cannot be opened or written"),
    Case(
        "dry-run",
        lambda p: ["dry-run", p.batch, "--out", p.folder / "out"],
        ExitStatus.LOCAL_FILES,
        "Permission denied",
    ),
    Case("values", lambda p: ["values", p.batch, "rights"], ExitStatus.USAGE, "cannot read the export"),
]


@pytest.fixture
def world_readable_copy(uploaded: Path) -> Iterator[Path]:
    """A copy of the batch whose rights the test takes away (the shared fixture's batch stays intact)."""
    root = Path(tempfile.mkdtemp(prefix="glamupload-permissions-"))
    root.chmod(0o755)
    shutil.copytree(uploaded, root / "batch")
    yield root
    shutil.rmtree(root, ignore_errors=True)


def deny(path: Path) -> None:
    """Take the owner's rights to ``path`` away (a folder: to write in it); the command runs as the
    owner, as root without the capabilities that ignore permission bits (``as_other_user``)."""
    path.chmod(0o555 if path.is_dir() else 0o000)


@pytest.mark.parametrize("case", PERMISSION_CASES, ids=lambda c: c.name)
def test_permission_failures(case: Case, world_readable_copy: Path, sandbox_wiki: Any) -> None:
    place = Place(world_readable_copy / "batch", Path(sandbox_wiki.dir), sandbox_wiki.api)
    before = _rows(place.state)
    denied = {
        "upload": [place.state, place.state.with_name(place.state.name + ".lock")],
        "status": [place.state],
        "dry-run": [place.folder],
        "values": [place.folder / "export.csv"],
    }[case.name]
    for path in denied:
        deny(path)
    try:
        env = uploader_env(place.sandbox)
        done = run_cli(*case.args(place), "--json", env=env, user_home=world_readable_copy / "home")
    finally:
        for path in denied:
            path.chmod(0o755 if path.is_dir() else 0o644)
    _check(done, case, place)
    assert _rows(place.state) == before


# --- the wiki -----------------------------------------------------------------------------------------

WIKI_CASES = [
    Case("whoami", lambda p: ["whoami", "--wiki", p.api], ExitStatus.OK, ""),
    Case("pages", lambda p: ["pages", p.batch, "--wiki", p.api], ExitStatus.OK, ""),
    Case(
        "dry-run",
        lambda p: ["dry-run", p.batch, "--out", p.folder / "out", "--wiki", p.api],
        ExitStatus.OK,
        "",
    ),
    Case(
        "upload",
        lambda p: ["upload", p.batch, "--wiki", p.api, "--yes", "--state", p.folder / "p.sqlite"],
        ExitStatus.OK,
        "",
    ),
]
WIKI_FAILURES = {
    "unreachable": (ExitStatus.WIKI_UNAVAILABLE, "(gave up after 2 attempts)"),
    "login refused": (ExitStatus.AUTH, "Failed: "),
}


@pytest.mark.parametrize("case", WIKI_CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("failure", list(WIKI_FAILURES))
def test_wiki_failures(case: Case, failure: str, uploaded: Path, tmp_path: Path, sandbox_wiki: Any) -> None:
    place = _place(uploaded, tmp_path, sandbox_wiki)
    status, message = WIKI_FAILURES[failure]
    if failure == "login refused" and case.name == "dry-run":
        return  # reads without a login
    env = uploader_env(place.sandbox, GLAMUPLOAD_RETRIES="2")
    if failure == "login refused":
        env["GLAMUPLOAD_PASSWORD"] = "not-the-password-0123456789abcdef"
    with FaultProxy(sandbox_wiki.api) as proxy:
        proxy.always = "drop" if failure == "unreachable" else None
        place.api = proxy.api
        done = run_cli(*case.args(place), "--json", env=env)
    _check(done, Case(case.name, case.args, status, message), place)
    assert not (place.folder / "p.sqlite").exists()


# --- the command line ---------------------------------------------------------------------------------

USAGE_CASES = [
    Case(
        "upload --only",
        lambda p: ["upload", p.batch, "--only", "R9", *p.sandbox_args],
        ExitStatus.USAGE,
        "--only R9: no such record",
    ),
    Case(
        "upload --limit 0",
        lambda p: ["upload", p.batch, "--limit", "0"],
        ExitStatus.USAGE,
        "Invalid value for '--limit'",
    ),
    Case(
        "status: no batch", lambda p: ["status", p.folder / "none.yaml"], ExitStatus.USAGE, "does not exist"
    ),
    Case(
        "license --kind",
        lambda p: ["license", "CC0", "--kind", "4d"],
        ExitStatus.USAGE,
        "Invalid value for '--kind'",
    ),
    Case("values: no field", lambda p: ["values", p.batch, "Nonexistent"], ExitStatus.USAGE, "Nonexistent"),
    Case(
        "sandbox status: a file",
        lambda p: ["sandbox", "status", "--dir", p.batch],
        ExitStatus.USAGE,
        "is a file",
    ),
]


@pytest.mark.parametrize("case", USAGE_CASES, ids=lambda c: c.name)
def test_usage_failures(case: Case, uploaded: Path, tmp_path: Path, sandbox_wiki: Any) -> None:
    place = _place(uploaded, tmp_path, sandbox_wiki)
    before = _rows(place.state)
    done = run_cli(*case.args(place), "--json")
    assert "Traceback" not in done.stderr and done.status == case.status, done.stderr
    assert case.message in done.stderr
    answer = json.loads(done.stdout)
    assert answer["exit"] == case.status and case.message in answer["error"]
    assert _rows(place.state) == before


def test_sandbox_start_in_a_read_only_folder(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as mount:
        read_only(mount)
        done = run_cli("sandbox", "start", "--dir", mount / "wiki", "--port", "1", "--json")
    _check(done, Case("sandbox start", lambda p: [], ExitStatus.LOCAL_FILES, "Read-only file system"), None)


def test_a_bug_is_one_line_and_a_crash_report(
    uploaded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stand-in for a bug (a library function that fails in a way nobody foresaw): one line, exit 70,
    and the traceback in a crash report the line names."""

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a stand-in for a bug")

    monkeypatch.setattr(plan, "distinct_values", broken)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    result = CliRunner().invoke(cli, ["values", str(uploaded / "batch.yaml"), "rights", "--json"])
    assert result.exit_code == ExitStatus.INTERNAL
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and "Traceback" not in result.stderr
    assert "a bug in glamupload (ZeroDivisionError: a stand-in for a bug)" in errors[0]
    reports = list((tmp_path / "state" / "glamupload" / "crashes").iterdir())
    assert len(reports) == 1 and str(reports[0]) in errors[0]
    text = reports[0].read_text()
    assert "Traceback (most recent call last)" in text and "ZeroDivisionError: a stand-in for a bug" in text
    # an argument that is not UTF-8 (a file name from an old archive) made the report itself fail, and
    # the bug ended as a raw traceback
    monkeypatch.setattr(sys, "argv", ["glamupload", "values", os.fsdecode(b"Sj\xf6.yaml")])
    again = failures.crash_report(ZeroDivisionError("a stand-in for a bug"))
    assert again is not None and "command: glamupload values Sj\\udcf6.yaml" in again.read_text()
    assert json.loads(result.stdout) == {
        "error": errors[0].removeprefix("Error: "),
        "exit": 70,
        "hint": "please report it with that file; the upload state is consistent, the same command resumes",
    }
