"""report.html in a real browser: Debian's chromium, headless, driven over the DevTools protocol.

The page must open from a file (no server, no network), draw its rows, filter, search and page through
them with the counts records.jsonl implies, keep every metadata value inert, and raise no JavaScript
error. Screenshots land in each test's tmp folder for a person to look at.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from browser import Page
from report_synthetic import multiply_records, write
from test_report import build, planned_example, read

from glamupload.report.thumbnails import THUMBNAIL_PX

PAGE_SIZE = 50
READY = "document.getElementById('status').dataset.state === 'ready'"


@pytest.fixture(scope="module")
def smm_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    out = tmp_path_factory.mktemp("smm-report")
    records = planned_example("smm", out)
    return build(records, out, title="SMM").html_path, read(records)


@pytest.fixture
def page(browser_tab: Page) -> Iterator[Page]:
    yield browser_tab
    assert browser_tab.exceptions == []
    assert browser_tab.console_errors == []
    assert browser_tab.evaluate("document.body.dataset.jsErrors") is None
    # self-contained: nothing but the report file itself and the data: thumbnails inside it
    assert {url.split(":", 1)[0] for url in browser_tab.requests} <= {"file", "data"}


def open_report(page: Page, html: Path, hash_: str = "") -> None:
    page.open(html.as_uri() + hash_)
    page.wait_for(f"document.getElementById('status') && {READY}")


def choose(page: Page, select: str, value: str) -> None:
    """Pick an option the way a person does: the select's value changes and it fires 'change'."""
    page.evaluate(f"""(() => {{ const s = document.getElementById({select!r});
        s.value = {value!r}; s.dispatchEvent(new Event('change')); }})()""")
    page.wait_for(READY)


def search(page: Page, text: str) -> None:
    page.evaluate(f"""(() => {{ const s = document.getElementById('f-search');
        s.value = {text!r}; s.dispatchEvent(new Event('input')); }})()""")
    page.wait_for(f"new URLSearchParams(location.hash.slice(1)).get('q') === {text!r} && {READY}")


def shown(page: Page) -> dict[str, Any]:
    return dict(
        page.evaluate("""(() => ({
        count: Number(document.getElementById('count').dataset.count),
        rows: [...document.querySelectorAll('#rows > li')].map((li) => ({
            row: Number(li.dataset.row), cls: li.className, name: li.querySelector('h3').textContent,
            verdict: li.querySelector('.verdict').textContent })),
        start: document.getElementById('rows').start,
    }))()""")
    )


def test_smm_report_filters_searches_and_pages(
    page: Page, smm_report: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    html, items = smm_report
    open_report(page, html)
    first = shown(page)
    assert first["count"] == len(items)
    assert [r["name"] for r in first["rows"]] == [f"File:{i['filename']}" for i in items[:PAGE_SIZE]]
    assert page.evaluate("document.querySelector('#rows img.thumb').naturalWidth") == THUMBNAIL_PX
    page.screenshot(tmp_path / "smm-summary.png")

    verdicts = Counter(i["license"]["verdict"] for i in items)
    verdict = "review" if verdicts["review"] else "accept"
    choose(page, "f-verdict", verdict)
    filtered = shown(page)
    assert filtered["count"] == verdicts[verdict]
    assert len(filtered["rows"]) == min(PAGE_SIZE, verdicts[verdict])
    assert all(r["cls"] == f"file v-{verdict}" for r in filtered["rows"])
    expected_rows = [n for n, i in enumerate(items) if i["license"]["verdict"] == verdict]
    assert [r["row"] for r in filtered["rows"]] == expected_rows[:PAGE_SIZE]
    reason = items[expected_rows[0]]["license"]["reason"]
    assert reason in filtered["rows"][0]["verdict"]
    page.evaluate("document.getElementById('files').scrollIntoView()")
    page.screenshot(tmp_path / "smm-filtered.png")

    if len(expected_rows) > PAGE_SIZE:  # the next page continues where the first stopped
        page.evaluate(
            "[...document.querySelectorAll('.pager button')].find(b => b.textContent === 'next ›').click()"
        )
        page.wait_for(f"document.getElementById('rows').start === {PAGE_SIZE + 1} && {READY}")
        assert shown(page)["rows"][0]["row"] == expected_rows[PAGE_SIZE]

    choose(page, "f-problem", "warnings")
    both = sum(1 for i in items if i["license"]["verdict"] == verdict and i["warnings"])
    assert shown(page)["count"] == both

    choose(page, "f-verdict", "")
    choose(page, "f-problem", "")
    term = "Vasamuseet"
    search(page, term.lower())
    expected = [
        n
        for n, i in enumerate(items)
        if term.lower()
        in "\n".join(
            [
                i["record_id"],
                i["filename"],
                i["license"]["reason"],
                i["wikitext"],
                i["source"],
                *i["categories"],
            ]
        ).lower()
    ]
    assert 0 < len(expected) < len(items)
    assert shown(page)["count"] == len(expected)
    assert [r["row"] for r in shown(page)["rows"]] == expected[:PAGE_SIZE]

    # the whole wikitext of a file is one click away, exactly as planned
    page.evaluate("document.querySelector('#rows details').open = true")
    assert (
        page.evaluate("document.querySelector('#rows details pre').textContent")
        == items[expected[0]]["wikitext"]
    )


def searched_text(item: dict[str, Any]) -> str:
    """What a text search looks in for a file, as the page does: the index's id, name and reason
    group, and the record's wikitext, source, categories and problems."""
    problems = [
        text for p in item["errors"] + item["warnings"] for text in (p.get("field"), p.get("message"))
    ]
    fields = [item["record_id"], item["filename"], item["license"]["group"], item["wikitext"], item["source"]]
    return "\n".join(str(text or "") for text in [*fields, *item["categories"], *problems]).lower()


def test_a_search_finds_the_files_whose_fields_hold_the_words_and_no_others(
    page: Page, tmp_path: Path
) -> None:
    """A part on show is searched as parsed; the others as text, parsing only the records whose line holds
    the words as JSON writes them. Either way: words JSON writes escaped (a quote after a letter) or in
    another case (ö, Ö) are found, and words only the JSON around the values holds (a key) find no file
    that does not hold them. Three parts of 2,000 files: the first on show, two read as text."""
    records = multiply_records(planned_example("smm", tmp_path / "smm"), tmp_path / "records.jsonl", 6000)
    html = build(records, tmp_path / "out").html_path
    items = read(records)
    open_report(page, html)
    assert page.evaluate("JSON.parse(document.getElementById('meta').textContent).parts.length") == 3
    for term in ("vasa", 'en"', "Ö", "categories", "license", 'wikitext"'):
        search(page, term)
        expected = [n for n, item in enumerate(items) if term.lower() in searched_text(item)]
        found = shown(page)
        assert found["count"] == len(expected), term
        assert [r["row"] for r in found["rows"]] == expected[:PAGE_SIZE], term
        if expected:
            last = (len(expected) - 1) // PAGE_SIZE + 1  # the last page: rows of the parts read as text
            open_report(page, html, f"#q={quote(term)}&page={last}")
            page.wait_for(
                f"document.getElementById('rows').start === {(last - 1) * PAGE_SIZE + 1} && {READY}"
            )
            assert [r["row"] for r in shown(page)["rows"]] == expected[(last - 1) * PAGE_SIZE :], term
            open_report(page, html)
    assert all(any(term in searched_text(item) for item in items) for term in ('en"', "ö"))  # in the data


def test_a_link_with_filters_in_its_hash_opens_filtered(
    page: Page, smm_report: tuple[Path, list[dict[str, Any]]]
) -> None:
    html, items = smm_report
    accepted = [n for n, i in enumerate(items) if i["license"]["verdict"] == "accept"]
    open_report(page, html, "#verdict=accept&page=2&size=20")
    state = shown(page)
    assert state["count"] == len(accepted)
    assert state["start"] == 21
    assert [r["row"] for r in state["rows"]] == accepted[20:40]
    assert page.evaluate("document.getElementById('f-size').value") == "20"


def test_kenom_rows_show_the_rejection_and_its_reason(page: Page, tmp_path: Path) -> None:
    records = planned_example("kenom", tmp_path)
    items = read(records)
    html = build(records, tmp_path, title="KENOM").html_path
    open_report(page, html)
    rows = shown(page)["rows"]
    assert len(rows) == len(items)
    for row, item in zip(rows, items, strict=True):
        assert row["cls"] == "file v-reject"
        assert row["verdict"].startswith("reject " + item["license"]["reason"])
    page.screenshot(tmp_path / "kenom.png")


def test_hostile_metadata_stays_text(page: Page, tmp_path: Path) -> None:
    attack = (
        '<img src=x onerror="document.body.dataset.pwned=1"></script>'
        "<script>document.body.dataset.pwned=2</script>"
    )
    item = {
        "record_id": attack,
        "filename": attack + ".jpg",
        "wikitext": attack,
        "categories": [attack],
        "license": {"verdict": "review", "reason": attack, "basis": attack},
        "source": attack,
        "template": "Artwork",
        "params": {"title": attack},
        "errors": [{"code": "value", "field": attack, "message": attack}],
        "warnings": [],
    }
    html = build(write([item], tmp_path / "records.jsonl"), tmp_path).html_path
    open_report(page, html)
    page.evaluate("document.querySelector('#rows details').open = true")
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.evaluate("document.querySelectorAll('img[src=x], #rows script').length") == 0
    assert page.evaluate("document.querySelector('#rows h3').textContent") == f"File:{attack}.jpg"
    assert page.evaluate("document.querySelector('#rows pre').textContent") == attack
    problem = page.evaluate("document.querySelector('#rows ul.problems li').textContent")
    assert problem == f"error in {attack}: {attack}"  # the problem's message, as text
    assert page.evaluate("document.querySelector('#reasons-review td.muted').textContent") == attack


def test_an_empty_batch_gives_a_report_that_says_so(page: Page, tmp_path: Path) -> None:
    result = build(write([], tmp_path / "records.jsonl"), tmp_path)
    assert result.data["planned_files"] == 0 and result.exit_status() == 0
    open_report(page, result.html_path)
    assert shown(page) == {"count": 0, "rows": [], "start": 1}
    assert page.evaluate("document.getElementById('count').textContent") == "0 files"
