"""What a curator sees on the sandbox, in a real browser (Debian's headless Chromium): an uploaded SMM file
page, the Institution page and a category page render like Commons — the infobox with title, photographer
or artist, date and licence, no red template links, thumbnails that load — the batch's categories (the
visible backlog, the hidden tool category) are there, and a page with a misspelled parameter lands in its
maintenance category and in the dry-run report's pre-flight check. The sandbox is this module's own."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from browser import Page, chromium
from conftest import EXAMPLES
from PIL import Image
from report_synthetic import write
from test_report_browser import READY, choose, open_report, shown

from glamupload import maintenance, report, sandbox
from glamupload.config import load_batch
from glamupload.plan import PlannedFile, plan_batch
from glamupload.wiki import Wiki

RECORDS = {"photograph": "Fo20247A", "artwork": "S 5369"}
"""Fo20247A: {{Photograph}}, title MODE, Carl Gösta Jackson, 1927-09-13, PD-Sweden-photo, no topical
category (the batch's backlog); S 5369: {{Artwork}}, title HILDUR, Lars Petter Sjöström, 1872, photographed
by Andreas Lilja, PD-Art (PD-old-assumed) and PD-US-expired, a ship portrait whose figurehead is only in its
motif (no figurehead category)."""

INSTITUTION = "Institution:Sjöhistoriska museet"
INSTITUTION_CATEGORY = "Category:Sjöhistoriska museet"
TRACKING_CATEGORY = "Category:Media contributed by SMM"
"""The batch's hidden tracking category: `glamupload pages` creates it and every file page is in it."""
BACKLOG_CATEGORY = "Category:Media contributed by SMM: improve categories"
"""The batch's visible backlog of files with no topical category (created by `glamupload pages`)."""
TOOL_CATEGORY = "Category:Uploaded with glamupload"


@pytest.fixture(scope="module")
def smm_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sandbox.SandboxInfo, Wiki]]:
    directory = tmp_path_factory.mktemp("browser-sandbox") / "wiki"
    info = sandbox.start(directory, sandbox.free_port())
    try:
        yield info, Wiki.connect("sandbox", directory)
    finally:
        sandbox.stop(directory)


@pytest.fixture(scope="module")
def uploaded(
    smm_sandbox: tuple[sandbox.SandboxInfo, Wiki], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, PlannedFile]:
    """The Institution and category pages `glamupload pages` makes, and the two SMM files with a real
    1600×1200 photograph each (larger than the file page's preview, so the wiki must scale it)."""
    info, wiki = smm_sandbox
    batch_path = EXAMPLES / "smm" / "batch.yaml"
    pages = subprocess.run(
        [sys.executable, "-m", "glamupload", "pages", str(batch_path), "--sandbox-dir", info.dir, "--json"],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert pages.returncode in (0, 1), pages.stderr  # 1: some pages need a person (Creator: pages)
    assert any(
        p["title"] == INSTITUTION and p["outcome"] == "created" for p in json.loads(pages.stdout)["pages"]
    )
    planned = {p.record_id: p for p in plan_batch(load_batch(batch_path))}
    folder = tmp_path_factory.mktemp("photos")
    files = {}
    for number, (kind, record_id) in enumerate(RECORDS.items()):
        item = planned[record_id]
        photo = folder / f"{kind}.jpg"
        image = Image.new("RGB", (1600, 1200), (30 + 100 * number, 90, 160))
        image.paste((230, 200, 40), (400, 300, 1200, 900))
        image.save(photo, quality=90)
        reply = wiki.upload(photo, item.filename, item.wikitext, "browser test")
        assert reply["result"] == "Success", reply
        files[kind] = item
    return files


@pytest.fixture
def page() -> Iterator[Page]:
    with chromium() as tab:
        yield tab
        assert tab.exceptions == []


def _open(page: Page, info: sandbox.SandboxInfo, title: str) -> None:
    page.open(f"{info.url}?title={quote(title.replace(' ', '_'))}")
    page.wait_for("document.readyState === 'complete' && !!document.getElementById('mw-content-text')")


def _see(page: Page, info: sandbox.SandboxInfo, title: str) -> dict[str, Any]:
    """Open ``title`` and say what it shows: red links (into Template: and all), infobox rows, licences,
    the thumbnails once they have loaded, the Institution box, error lines."""
    _open(page, info, title)
    return dict(
        page.evaluate("""(async () => {
        const content = document.getElementById('mw-content-text');
        // red links, but for the uploader's user page in the file history (no such page on the sandbox)
        const red = [...content.querySelectorAll('a.new')].map((a) => decodeURIComponent(a.href))
            .filter((href) => !/title=User([ _]talk)?:/.test(href));
        const rows = {};
        for (const label of content.querySelectorAll('td.fileinfo-paramfield')) {
            rows[label.textContent.trim()] = label.nextElementSibling.textContent.trim();
        }
        const images = [...document.querySelectorAll('img')].filter((img) => img.src.includes('thumb.php'));
        await Promise.all(images.map((img) => img.complete ? null : new Promise((done) => {
            img.onload = img.onerror = done; })));
        return {
            red_templates: red.filter((href) => href.includes('title=Template:')),
            red: red,
            rows: rows,
            licences: [...content.querySelectorAll('.licensetpl_short')].map((s) => s.textContent.trim()),
            images: images.map((img) => ({src: img.currentSrc || img.src, width: img.naturalWidth})),
            institution: [...content.querySelectorAll('.glamupload-institution .fn')]
                .map((e) => e.textContent),
            hidden_note: document.querySelectorAll('.glamupload-hiddencat').length,
            errors: [...content.querySelectorAll('.error')].map((e) => e.textContent),
            categories: [...document.querySelectorAll('#mw-normal-catlinks li a')].map((a) => a.textContent),
            hidden_categories: [...document.querySelectorAll('#mw-hidden-catlinks li a')]
                .map((a) => a.textContent),
        };
    })()""")
    )


def _assert_real_image(src: str) -> None:
    response = requests.get(src, timeout=120)
    assert response.status_code == 200, src
    assert response.headers["content-type"].startswith("image/")
    Image.open(io.BytesIO(response.content)).verify()


def test_file_page_shows_the_infobox_licence_and_thumbnail(
    page: Page,
    smm_sandbox: tuple[sandbox.SandboxInfo, Wiki],
    uploaded: dict[str, PlannedFile],
    tmp_path: Path,
) -> None:
    info, _ = smm_sandbox
    seen = _see(page, info, f"File:{uploaded['photograph'].filename}")
    page.screenshot(tmp_path / "photograph.png")
    assert seen["red_templates"] == [] and seen["red"] == []
    assert seen["rows"]["Title"] == "svenska: MODE"  # the title in its language template
    assert seen["rows"]["Photographer"] == "Carl Gösta Jackson"
    assert seen["rows"]["Date"] == "1927-09-13"
    assert "Sjöhistoriska museet" in seen["rows"]["Institution"]  # the Institution box, transcluded
    assert "digitaltmuseum.se" in page.evaluate(
        "document.getElementById('fileinfotpl_src').nextElementSibling.innerHTML"
    )  # the source links the record's page
    assert seen["licences"] == ["Public domain", "Public domain"]  # PD-Sweden-photo and the US: PD-1996
    assert seen["errors"] == []
    # no topical category: the batch's visible backlog; the tracking and the tool category are hidden
    assert seen["categories"] == [
        "Images from Sjöhistoriska museet",
        BACKLOG_CATEGORY.removeprefix("Category:"),
    ]
    assert seen["hidden_categories"] == ["Media contributed by SMM", "Uploaded with glamupload"]
    preview = seen["images"][0]  # the file page's preview, scaled by the wiki (thumb.php)
    assert 0 < preview["width"] < 1600
    _assert_real_image(preview["src"])

    artwork = _see(page, info, f"File:{uploaded['artwork'].filename}")
    page.screenshot(tmp_path / "artwork.png")
    assert artwork["red_templates"] == [] and artwork["red"] == []
    rows = artwork["rows"]
    assert (rows["Title"], rows["Artist"], rows["Date"]) == (
        "svenska: HILDUR",
        "Lars Petter Sjöström",
        "1872",
    )
    assert rows["Photographer"] == "Andreas Lilja"  # who photographed the painting
    assert artwork["licences"] == ["Public domain", "Public domain"]  # PD-old-assumed, PD-US-expired
    assert artwork["categories"] == ["Images from Sjöhistoriska museet", "Ship portraits"]
    assert artwork["errors"] == []
    _assert_real_image(artwork["images"][0]["src"])


def test_institution_page_shows_its_box(
    page: Page, smm_sandbox: tuple[sandbox.SandboxInfo, Wiki], uploaded: dict[str, PlannedFile]
) -> None:
    info, _ = smm_sandbox
    seen = _see(page, info, INSTITUTION)
    assert seen["red_templates"] == [] and seen["red"] == []
    assert seen["institution"] == ["Sjöhistoriska museet"]
    assert seen["rows"]["Location"] == "Stockholm"


def test_category_pages_show_their_files_and_the_institution(
    page: Page, smm_sandbox: tuple[sandbox.SandboxInfo, Wiki], uploaded: dict[str, PlannedFile]
) -> None:
    info, _ = smm_sandbox
    seen = _see(page, info, TRACKING_CATEGORY)
    assert seen["red_templates"] == [] and seen["hidden_note"] == 1
    listed = page.evaluate("[...document.querySelectorAll('#mw-category-media a')].map((a) => a.title)")
    assert {f"File:{item.filename}" for item in uploaded.values()} <= set(listed)
    assert len(seen["images"]) == 2 and all(image["width"] > 0 for image in seen["images"])
    for image in seen["images"]:
        _assert_real_image(image["src"])
    institution = _see(page, info, INSTITUTION_CATEGORY)
    assert institution["red_templates"] == [] and institution["institution"] == ["Sjöhistoriska museet"]
    # the backlog is a visible category page that lists the file no category describes yet
    backlog = _see(page, info, BACKLOG_CATEGORY)
    assert backlog["red_templates"] == [] and backlog["hidden_note"] == 0
    listed = page.evaluate("[...document.querySelectorAll('#mw-category-media a')].map((a) => a.title)")
    assert f"File:{uploaded['photograph'].filename}" in listed
    assert f"File:{uploaded['artwork'].filename}" not in listed  # a ship portrait: categorised
    # the tool category: hidden, both files in it
    tool = _see(page, info, TOOL_CATEGORY)
    assert tool["red_templates"] == [] and tool["hidden_note"] == 1
    listed = page.evaluate("[...document.querySelectorAll('#mw-category-media a')].map((a) => a.title)")
    assert {f"File:{item.filename}" for item in uploaded.values()} <= set(listed)


def test_a_misspelled_parameter_lands_in_the_maintenance_category_and_in_the_report(
    page: Page,
    smm_sandbox: tuple[sandbox.SandboxInfo, Wiki],
    uploaded: dict[str, PlannedFile],
    tmp_path: Path,
) -> None:
    info, wiki = smm_sandbox
    item = uploaded["photograph"]
    title = f"File:{item.filename}"
    misspelled = item.wikitext.replace("|photographer =", "|photograper =")
    # the dry run with the sandbox: the wiki renders the planned page and files it into the maintenance
    # category; the report's pre-flight check lists it, with a filter that shows exactly that file
    records = write(
        [uploaded["artwork"].to_dict(), {**item.to_dict(), "wikitext": misspelled}], tmp_path / "r.jsonl"
    )
    summary = report.build_report(records, tmp_path / "report", wiki=wiki, thumbnails=False)
    kinds = {k["key"]: k for k in summary.data["commons_check"]["kinds"]}
    incorrect = kinds["maintenance:incorrect-parameter"]
    assert [e["record_id"] for e in incorrect["examples"]] == [item.record_id]
    assert [e["record_id"] for e in kinds["maintenance:no-author"]["examples"]] == [item.record_id]
    assert not any(
        k.startswith("maintenance:")
        for k in kinds
        if k not in ("maintenance:incorrect-parameter", "maintenance:no-author")
    )
    (listed,) = summary.data["wiki"]["maintenance"]["examples"]
    assert any("'photograper'" in line for line in listed["findings"])
    open_report(page, summary.html_path)
    keys = page.evaluate(
        "[...document.querySelectorAll('#commons-check-kinds tbody tr')].map((r) => r.dataset.key)"
    )
    assert keys == list(kinds)
    page.evaluate(
        f"document.querySelector('#commons-check-kinds a[href=\"#problem={incorrect['filter']}\"]').click()"
    )
    page.wait_for(f"location.hash === '#problem={incorrect['filter']}' && {READY}")
    assert [row["row"] for row in shown(page)["rows"]] == [1]
    lines = page.evaluate(
        "[...document.querySelectorAll('#rows .maintenance li')].map((li) => li.textContent)"
    )
    assert any("'photograper'" in line and "incorrect parameter" in line for line in lines)
    choose(page, "f-problem", "")
    assert shown(page)["count"] == 2

    # the same typo made by a person on the wiki: the page lands in the maintenance category
    wiki.edit(title, misspelled, "a typo, as a person makes it")
    found = maintenance.pages_in_maintenance(wiki, [title])[title]
    assert {(f.kind, f.parameter) for f in found} == {
        ("incorrect-parameter", "photograper"),
        ("no-author", None),
    }
    category = "Category:Pages using Photograph template with incorrect parameter"
    _open(page, info, category)
    listed = page.evaluate("[...document.querySelectorAll('#mw-category-media a')].map((a) => a.title)")
    assert title in listed
    seen = _see(page, info, title)
    assert seen["errors"] == ['Unknown parameter "photograper" of {{Photograph}}']
