"""The report with ``wiki=``: checked against the real sandbox MediaWiki the test session starts.

Files already on the wiki by name and by content, categories that exist or not, and each page as the
wiki renders it (action=parse), shown in the browser inside a sandboxed frame.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from browser import Page
from click.testing import CliRunner
from PIL import Image
from report_synthetic import ACCEPTED, write
from test_report import report_sections
from test_report_browser import choose, open_report, shown

from glamupload import pages, report
from glamupload.cli.dry_run import dry_run_command
from glamupload.config import load_batch
from glamupload.sandbox import SandboxInfo
from glamupload.wiki import Wiki


def noise_jpeg(path: Path, seed: int) -> Path:
    """An image no other test uploads (its SHA-1 is this test's alone)."""
    rng = random.Random(seed)
    image = Image.new("RGB", (40, 30))
    image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(40 * 30)])
    image.save(path, "JPEG")
    return path


def test_report_checks_files_categories_and_renders_pages(
    uploader: Wiki,
    unique_name: str,
    tmp_path: Path,
    browser_tab: Page,
) -> None:
    base = {
        "license": ACCEPTED,
        "template": "Information",
        "errors": [],
        "warnings": [],
    }
    exists, missing = f"{unique_name} exists", f"{unique_name} missing"
    items: list[dict[str, Any]] = []
    for n in range(4):
        image = noise_jpeg(tmp_path / f"{n}.jpg", hash((unique_name, n)))
        items.append(
            dict(
                base,
                record_id=f"R{n}",
                filename=f"{unique_name} {n}.jpg",
                source=str(image),
                categories=[exists, missing] if n == 0 else [exists],
                params={"description": f"Marker{n} text"},
                wikitext=f"=={{{{int:filedesc}}}}==\nMarker{n} '''text'''\n[[Category:{exists}]]",
            )
        )
    uploader.upload(Path(items[0]["source"]), items[0]["filename"], "test", "report test: same name")
    uploader.upload(
        Path(items[1]["source"]), f"{unique_name} elsewhere.jpg", "test", "report test: same content"
    )
    uploader.edit(f"Category:{exists}", "A category that exists.", "report test")

    result = report.build_report(write(items, tmp_path / "records.jsonl"), tmp_path / "out", wiki=uploader)
    wiki = result.data["wiki"]
    assert wiki["checked"] and wiki["api"] == uploader.target.api
    assert [e["filename"] for e in wiki["by_title"]["examples"]] == [items[0]["filename"]]
    assert {e["filename"]: e["existing"] for e in wiki["by_sha1"]["examples"]} == {
        items[0]["filename"]: [f"File:{items[0]['filename']}"],
        items[1]["filename"]: [f"File:{unique_name} elsewhere.jpg"],
    }
    # without the batch's page plan, no missing category is known to be created by `glamupload pages`
    assert wiki["categories"] == {
        "exist": [exists],
        "missing": [missing],
        "will_be_created": [],
        "unknown": [missing],
    }

    html = result.html_path.read_text(encoding="utf-8")
    wiki_said = report_sections(html)["d0"]["wiki"]
    for n in range(len(items)):  # the wiki's own rendering of each page
        assert f"Marker{n} <b>text</b>" in wiki_said[str(n)]["r"]
    assert wiki["rendered"] == len(items) and wiki["render_failed"]["count"] == 0

    limited = report.build_report(
        tmp_path / "records.jsonl", tmp_path / "limited", wiki=uploader, render_limit=2
    )
    assert limited.data["wiki"]["rendered"] == 2
    wiki_said = report_sections(limited.html_path.read_text(encoding="utf-8"))["d0"]["wiki"]
    assert [wiki_said.get(str(n), {}).get("r") is not None for n in range(4)] == [True, True, False, False]

    open_report(browser_tab, result.html_path)
    choose(browser_tab, "f-problem", "title")
    assert [r["row"] for r in shown(browser_tab)["rows"]] == [0]
    choose(browser_tab, "f-problem", "sha1")
    assert [r["row"] for r in shown(browser_tab)["rows"]] == [0, 1]
    browser_tab.evaluate("[...document.querySelectorAll('#rows details')].forEach(d => d.open = true)")
    frame = browser_tab.wait_for("""(() => { const f = document.querySelector('#rows iframe');
        return f && {sandbox: f.getAttribute('sandbox'), text: f.srcdoc}; })()""")
    assert frame["sandbox"] == "" and "Marker0 <b>text</b>" in frame["text"]
    assert browser_tab.exceptions == [] and browser_tab.console_errors == []
    browser_tab.screenshot(tmp_path / "wiki.png")


def test_dry_run_command_with_wiki_checks_and_renders(sandbox_wiki: SandboxInfo, tmp_path: Path) -> None:
    batch = Path(__file__).resolve().parent.parent / "examples" / "kenom" / "batch.yaml"
    args = [str(batch), "--out", str(tmp_path), "--wiki", "sandbox", "--sandbox-dir", str(sandbox_wiki.dir)]
    result = CliRunner().invoke(dry_run_command, [*args, "--render-limit", "3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    wiki = data["wiki"]
    assert wiki["checked"] and wiki["rendered"] == 3
    assert (
        wiki["sha1_not_checked"] == data["planned_files"]
    )  # KENOM images are URLs: not fetched in a dry run
    used = {name for name, _ in data["categories"]["used"]}
    assert set(wiki["categories"]["exist"]) | set(wiki["categories"]["missing"]) == used
    # each missing category is either one `glamupload pages` creates or one a person must create
    missing = wiki["categories"]
    assert set(missing["will_be_created"]) | set(missing["unknown"]) == set(missing["missing"])
    assert not set(missing["will_be_created"]) & set(missing["unknown"])
    creatable = pages.creatable_categories(load_batch(batch))
    assert set(missing["will_be_created"]) == set(missing["missing"]) & creatable
    assert "already on the wiki (SHA-1)" in result.stderr
    # KENOM's files are all refused (CC BY-NC): their pages carry no licence by design, which their verdict
    # reports; the wiki's "no machine-readable license" would say it again for every one of them
    assert data["verdicts"]["reject"]["count"] == data["planned_files"]
    kinds = {k["key"] for k in data["commons_check"]["kinds"]}
    assert "maintenance:no-license" not in kinds
    assert not any("no licence tag" in f for e in wiki["maintenance"]["examples"] for f in e["findings"])
