"""``glamupload upload`` / ``status`` (cli_upload.py) on a copy of the SMM example against the sandbox."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from glamupload import sandbox
from glamupload.cli import GlamuploadGroup
from glamupload.cli_upload import status_command, upload_command
from glamupload.uploader import Uploader

from conftest import EXAMPLES


@pytest.fixture
def cli() -> GlamuploadGroup:
    group = GlamuploadGroup()
    group.add_command(upload_command)
    group.add_command(status_command)
    return group


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    folder = tmp_path / "smm"
    shutil.copytree(EXAMPLES / "smm", folder, ignore=shutil.ignore_patterns("*.sqlite*", "*.cache"))
    return folder / "batch.yaml"


def test_upload_status_replan_and_interrupt(cli: GlamuploadGroup, batch: Path, sandbox_wiki: Any,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    wiki_args = ["--sandbox-dir", sandbox_wiki.dir]
    first = runner.invoke(cli, ["upload", str(batch), *wiki_args, "--limit", "6", "--json"])
    assert first.exit_code == 0, first.stderr
    report = json.loads(first.stdout)
    assert sum(report["this_run"].values()) == 6 and report["this_run"].get("uploaded")
    assert "597 files:" in first.stderr

    status = runner.invoke(cli, ["status", str(batch), "--json"])
    counts = json.loads(status.stdout)
    assert counts["total"] == 597 and counts["pending"] == 591
    assert counts["uploaded"] == report["this_run"]["uploaded"]
    assert {"duplicate", "failed", "skipped"} <= set(counts)
    people = runner.invoke(cli, ["status", str(batch)])
    assert "591 pending" in people.stderr

    batch.write_text(batch.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    changed = runner.invoke(cli, ["upload", str(batch), *wiki_args, "--limit", "1"])
    assert changed.exit_code == 2 and "--replan" in changed.stderr and "config" in changed.stderr

    def interrupted(self: Uploader, ready: list[Any]) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Uploader, "_upload_all", interrupted)
    stopped = runner.invoke(cli, ["upload", str(batch), *wiki_args, "--replan", "--limit", "2"])
    assert stopped.exit_code == 130
    assert f"glamupload upload {batch} --sandbox-dir {sandbox_wiki.dir}" in stopped.stderr

    _, password = sandbox.credentials(Path(sandbox_wiki.dir))
    for result in (first, status, people, changed, stopped):
        assert password not in result.stdout + result.stderr
