"""The SMM example batch (597 real records, placeholder images) uploads completely to a sandbox of its
own: one file per uploadable planned file, one revision each, the planned wikitext; the rest skipped
or failed with a reason; a second run does nothing; a changed crosswalk asks for --replan."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from glamupload import sandbox
from glamupload.config import load_batch
from glamupload.errors import ConfigError
from glamupload.plan import plan_batch
from glamupload.uploader import batch_status, upload_batch
from glamupload.wiki import Wiki

from conftest import EXAMPLES
from upload_support import connect, history


@pytest.fixture(scope="module")
def smm_wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wiki]:
    directory = tmp_path_factory.mktemp("smm") / "wiki"
    sandbox.start(directory, sandbox.free_port())
    yield connect(directory)
    sandbox.stop(directory)


def test_smm_example_uploads_completely_and_exactly_once(smm_wiki: Wiki, tmp_path: Path) -> None:
    folder = tmp_path / "smm"
    shutil.copytree(EXAMPLES / "smm", folder, ignore=shutil.ignore_patterns("*.sqlite*", "*.cache"))
    batch = load_batch(folder / "batch.yaml")
    plan = list(plan_batch(batch))
    uploadable = [p for p in plan if p.uploadable]
    assert len(plan) == 597 and uploadable

    summary = upload_batch(batch, smm_wiki, workers=2)

    assert summary.exit_status == 0, summary.problems[:5]
    status = batch_status(batch)
    assert status["total"] == len(plan)
    assert status["uploaded"] == len(uploadable)
    assert status["skipped"] == len(plan) - len(uploadable)
    assert status["pending"] == status["failed"] == status["duplicate"] == 0
    assert all(p["reason"] if "reason" in p else p["message"] for p in status["problems"])
    names = [p.filename for p in uploadable]
    pages = smm_wiki.page_revisions(f"File:{n}" for n in names)
    assert all(pages[f"File:{p.filename}"]["text"] == p.wikitext for p in uploadable)
    seen = history(smm_wiki, names)
    assert sorted(seen.uploads.values()) == [1] * len(uploadable)
    assert sorted(seen.revisions.values()) == [1] * len(uploadable)
    statistics = smm_wiki.call({"action": "query", "meta": "siteinfo", "siprop": "statistics"})
    assert statistics["query"]["statistics"]["images"] == len(uploadable)

    again = upload_batch(batch, smm_wiki)
    assert again.done == {} and again.counts == summary.counts

    config = folder / "batch.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "# edited by the curator\n", encoding="utf-8")
    changed = load_batch(folder / "batch.yaml")
    with pytest.raises(ConfigError, match="config differ") as error:
        upload_batch(changed, smm_wiki)
    assert "--replan" in str(error.value)
    replanned = upload_batch(changed, smm_wiki, replan=True)
    # skipped records are judged again under the new plan; nothing already uploaded is sent again
    assert replanned.done == {"skipped": len(plan) - len(uploadable)}
    assert replanned.counts == summary.counts
