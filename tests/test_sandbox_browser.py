"""What a curator sees on the sandbox, in a real browser (Debian's headless Chromium): an uploaded SMM file
page, the Institution page and a category page render like Commons — the infobox with title, photographer
or artist, date and licence, no red template links, thumbnails that load — and a page with a misspelled
parameter lands in its maintenance category. The sandbox is this module's own."""

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

from glamupload import maintenance, sandbox
from glamupload.config import load_batch
from glamupload.plan import PlannedFile, plan_batch
from glamupload.wiki import Wiki

RECORDS = {"photograph": "Fo20247A", "artwork": "O 04929"}
"""Fo20247A: {{Photograph}}, title MODE, Carl Gösta Jackson, 1927-09-13, PD-Sweden-photo;
O 04929: {{Artwork}}, Herman af Sillén, 1906, PD-old-70."""

INSTITUTION = "Institution:Sjöhistoriska museet"
INSTITUTION_CATEGORY = "Category:Sjöhistoriska museet"
TRACKING_CATEGORY = "Category:Media contributed by SMM"
"""The batch's hidden tracking category: `glamupload pages` creates it and every file page is in it."""


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
        const red = [...content.querySelectorAll('a.new')].map((a) => decodeURIComponent(a.href));
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
            categories: [...document.querySelectorAll('#catlinks a')].map((a) => a.textContent),
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
    assert seen["red_templates"] == []
    assert seen["rows"]["Title"] == "MODE"
    assert seen["rows"]["Photographer"] == "Carl Gösta Jackson"
    assert seen["rows"]["Date"] == "1927-09-13"
    assert "Sjöhistoriska museet" in seen["rows"]["Institution"]  # the Institution box, transcluded
    assert seen["licences"] == ["Public domain", "Public domain"]  # PD-Sweden-photo and the US: PD-1996
    assert seen["errors"] == []
    preview = seen["images"][0]  # the file page's preview, scaled by the wiki (thumb.php)
    assert 0 < preview["width"] < 1600
    _assert_real_image(preview["src"])

    artwork = _see(page, info, f"File:{uploaded['artwork'].filename}")
    assert artwork["red_templates"] == []
    assert artwork["rows"]["Artist"] == "Herman af Sillén" and artwork["rows"]["Date"] == "1906"
    assert artwork["licences"] == ["Public domain"]


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


def test_a_misspelled_parameter_lands_in_the_maintenance_category(
    page: Page, smm_sandbox: tuple[sandbox.SandboxInfo, Wiki], uploaded: dict[str, PlannedFile]
) -> None:
    info, wiki = smm_sandbox
    item = uploaded["photograph"]
    title = f"File:{item.filename}"
    wiki.edit(
        title, item.wikitext.replace("|photographer =", "|photograper ="), "a typo, as a person makes it"
    )
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
