"""The SMM example batch (597 real records, placeholder images) on a sandbox of its own (its file names
are fixed, so it stays out of the shared wiki): it uploads completely — one file per uploadable
planned file, one revision each, the planned wikitext — the rest is skipped with a reason, a second
run does nothing, a changed config asks for --replan; then the same through ``glamupload upload`` /
``status`` (cli/upload.py)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, OwnSandbox
from upload_support import connect, history, upload_batch

from glamupload import __version__, sandbox
from glamupload.cli import GlamuploadGroup
from glamupload.cli.upload import status_command, upload_command
from glamupload.config import load_batch
from glamupload.errors import ConfigError
from glamupload.plan import plan_batch
from glamupload.upload.options import UploadOptions
from glamupload.upload.pipeline import Uploader
from glamupload.upload.run import UploadRun, batch_status
from glamupload.wiki import Wiki


@pytest.fixture(scope="module")
def smm_sandbox(own_sandbox: OwnSandbox) -> Iterator[sandbox.SandboxInfo]:
    with own_sandbox("smm") as info:
        yield info


@pytest.fixture
def smm_wiki(smm_sandbox: sandbox.SandboxInfo) -> Wiki:
    return connect(Path(smm_sandbox.dir))


@pytest.fixture
def batch_file(tmp_path: Path) -> Path:
    """A copy of the example batch, so its state database and cache stay out of the repository."""
    folder = tmp_path / "smm"
    shutil.copytree(EXAMPLES / "smm", folder, ignore=shutil.ignore_patterns("*.sqlite*", "*.cache"))
    return folder / "batch.yaml"


def test_smm_example_uploads_completely_and_exactly_once(smm_wiki: Wiki, batch_file: Path) -> None:
    folder = batch_file.parent
    batch = load_batch(batch_file)
    plan = list(plan_batch(batch))
    uploadable = [p for p in plan if p.uploadable]
    assert len(plan) == 597 and uploadable

    summary = upload_batch(batch, smm_wiki, workers=2)

    assert summary.exit_status == 0, summary.problems[:5]
    status = batch_status(batch).counts
    assert status["total"] == len(plan)
    assert status["uploaded"] == len(uploadable)
    assert status["skipped"] == len(plan) - len(uploadable)
    assert status["pending"] == status["failed"] == status["duplicate"] == 0
    assert all(p.message for p in batch_status(batch).problems)
    names = [p.filename for p in uploadable]
    pages = smm_wiki.page_revisions(f"File:{n}" for n in names)
    assert all(pages[f"File:{p.filename}"]["text"] == p.wikitext for p in uploadable)
    seen = history(smm_wiki, names)
    assert sorted(seen.uploads.values()) == [1] * len(uploadable)
    assert sorted(seen.revisions.values()) == [1] * len(uploadable)
    statistics = smm_wiki.call({"action": "query", "meta": "siteinfo", "siprop": "statistics"})
    assert statistics["query"]["statistics"]["images"] == len(uploadable)
    # no uploaded page lands in a maintenance category of the sandbox (whose stand-ins check parameter
    # names, licence, description, author and source as Commons does), and each upload names the batch
    assert summary.maintenance == ()
    first = smm_wiki.api("query", prop="revisions", titles=f"File:{names[0]}", rvprop="comment")
    (page,) = first["query"]["pages"].values()
    assert page["revisions"][0]["comment"] == (
        f"Batch upload smm-2015 with glamupload {__version__} [batch {batch.batch_id}]"
    )

    again = upload_batch(batch, smm_wiki)
    assert again.this_run == {} and again.counts == summary.counts

    config = folder / "batch.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "# edited by the curator\n", encoding="utf-8")
    changed = load_batch(folder / "batch.yaml")
    with pytest.raises(ConfigError, match="config differ") as error:
        upload_batch(changed, smm_wiki)
    assert "--replan" in str(error.value)
    replanned = upload_batch(changed, smm_wiki, replan=True)
    # skipped records are judged again under the new plan; nothing already uploaded is sent again
    assert replanned.this_run == {"skipped": len(plan) - len(uploadable)}
    assert replanned.counts == summary.counts


def test_upload_and_status_commands(
    smm_sandbox: sandbox.SandboxInfo, batch_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = GlamuploadGroup()
    cli.add_command(upload_command)
    cli.add_command(status_command)
    batch = batch_file
    runner = CliRunner()
    wiki_args = ["--sandbox-dir", smm_sandbox.dir]
    first = runner.invoke(cli, ["upload", str(batch), *wiki_args, "--limit", "6", "--json"])
    assert first.exit_code == 0, first.stderr
    report = json.loads(first.stdout)
    # --limit counts files sent: not files skipped, nor files found on the wiki (this module's first test
    # uploaded the batch already, with another state, when it ran before this one)
    uploaded = report["this_run"]["uploaded"]
    assert report["sent"] == 6 or (report["sent"] == 0 and report["counts"]["pending"] == 0)
    assert uploaded >= report["sent"] and f"{report['sent']} sent" in first.stderr
    assert "597 files:" in first.stderr
    # the first run warns that `glamupload pages` has not created the pages the file pages use
    said = " ".join(first.stderr.split())  # the warning is wrapped to the terminal
    assert "do not exist on sandbox yet" in said and "glamupload pages" in said
    # and its advice is what `pages` does: it creates some (the Institution page), others need a person
    assert re.search(r"`glamupload pages \S+` creates [1-9]", said) and "need a person" in said
    examined = sum(report["this_run"].values())

    status = runner.invoke(cli, ["status", str(batch), "--json"])
    counts = json.loads(status.stdout)["counts"]
    assert counts["total"] == 597 and counts["pending"] == 597 - examined
    assert counts["uploaded"] == uploaded and counts["skipped"] == examined - uploaded
    assert {"duplicate", "failed", "skipped"} <= set(counts)
    people = runner.invoke(cli, ["status", str(batch)])
    assert f"{597 - examined} pending" in people.stderr if examined < 597 else "pending" not in people.stderr

    batch.write_text(batch.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    changed = runner.invoke(cli, ["upload", str(batch), *wiki_args, "--limit", "1"])
    assert changed.exit_code == 2 and "--replan" in changed.stderr and "config" in changed.stderr

    def interrupted(self: Uploader, ready: list[Any]) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Uploader, "_upload_all", interrupted)
    stopped = runner.invoke(cli, ["upload", str(batch), *wiki_args, "--replan", "--limit", "2"])
    assert stopped.exit_code == 130
    assert f"glamupload upload {batch} --sandbox-dir {smm_sandbox.dir}" in stopped.stderr

    _, password = sandbox.credentials(Path(smm_sandbox.dir))
    for result in (first, status, people, changed, stopped):
        assert password not in result.stdout + result.stderr


def test_a_state_belongs_to_one_wiki(
    smm_sandbox: sandbox.SandboxInfo, sandbox_wiki: sandbox.SandboxInfo, batch_file: Path
) -> None:
    """Rehearsing on one wiki must not make the upload to another skip every file."""
    cli = GlamuploadGroup()
    cli.add_command(upload_command)
    cli.add_command(status_command)
    runner = CliRunner()
    first = runner.invoke(cli, ["upload", str(batch_file), "--sandbox-dir", smm_sandbox.dir, "--limit", "1"])
    assert first.exit_code == 0, first.stderr
    skipped = next(p.record_id for p in plan_batch(load_batch(batch_file)) if not p.uploadable)
    other = ["upload", str(batch_file), "--sandbox-dir", sandbox_wiki.dir, "--only", skipped]  # sends nothing
    refused = runner.invoke(cli, other)
    assert refused.exit_code == 2
    assert f"records uploads to {smm_sandbox.api} (sandbox " in refused.stderr
    assert f"not to {sandbox_wiki.api} (sandbox " in refused.stderr
    assert "--state" in refused.stderr
    own_state = batch_file.parent / "other-wiki.sqlite"
    accepted = runner.invoke(cli, [*other, "--state", str(own_state)])
    assert accepted.exit_code == 0, accepted.stderr
    fresh = json.loads(
        runner.invoke(cli, ["status", str(batch_file), "--state", str(own_state), "--json"]).stdout
    )
    assert fresh["counts"]["uploaded"] == 0 and fresh["counts"]["total"] == 597
    rehearsed = json.loads(runner.invoke(cli, ["status", str(batch_file), "--json"]).stdout)
    assert rehearsed["counts"]["uploaded"] >= 1  # (all of them, when the wiki held them: found, not sent)


@pytest.mark.parametrize(("choice", "check_from"), [("all", 0), ("chunked", 5 * 1024 * 1024)])
def test_sha1_check_option_reaches_the_uploader(
    smm_sandbox: sandbox.SandboxInfo,
    batch_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    choice: str,
    check_from: int,
) -> None:
    cli = GlamuploadGroup()
    cli.add_command(upload_command)
    seen: list[UploadOptions] = []

    def record(run: UploadRun, options: UploadOptions, **kwargs: Any) -> Any:
        seen.append(options)
        raise KeyboardInterrupt

    monkeypatch.setattr(UploadRun, "upload", record)
    result = CliRunner().invoke(
        cli,
        [
            "upload",
            str(batch_file),
            "--sandbox-dir",
            smm_sandbox.dir,
            "--chunk-threshold",
            "5",
            "--sha1-check",
            choice,
        ],
    )
    assert seen and seen[0].sha1_check_from == check_from and seen[0].chunk_threshold == 5 * 1024 * 1024
    assert result.exit_code != 0
