"""A 100,000-file batch (the SMM plan repeated under new record ids and names): the report is written
and a real browser opens it on its first page of rows. Time and size are measured by
benchmarks/report_100k.py, not asserted here.
"""

from __future__ import annotations

import json
from pathlib import Path

from browser import Page
from report_synthetic import multiply_records
from test_report import build, planned_example
from test_report_browser import PAGE_SIZE, READY, choose, open_report, search, shown

FILES = 100_000


def test_a_100k_file_report_opens_on_its_first_page(tmp_path: Path, browser_tab: Page) -> None:
    smm = planned_example("smm", tmp_path / "smm")
    records = multiply_records(smm, tmp_path / "records.jsonl", FILES)
    result = build(records, tmp_path / "out")
    assert result.data["planned_files"] == result.data["records"] == FILES
    originals = [json.loads(line) for line in smm.read_text(encoding="utf-8").splitlines()]
    accepted = sum(originals[i % len(originals)]["license"]["verdict"] == "accept" for i in range(FILES))
    assert result.data["verdicts"]["accept"]["count"] == accepted

    open_report(browser_tab, result.html_path)
    first = shown(browser_tab)
    assert first["count"] == FILES
    assert [r["row"] for r in first["rows"]] == list(range(PAGE_SIZE))
    assert first["rows"][0]["name"].startswith("File:") and "(0)" in first["rows"][0]["name"]
    assert (result.html_path.parent / "report-parts").is_dir()  # too many files for one page
    # the DOM holds one page of rows, not the batch
    assert browser_tab.evaluate("document.getElementsByTagName('*').length") < 5000
    choose(browser_tab, "f-verdict", "accept")
    assert shown(browser_tab)["count"] == accepted
    # a page deep in a filter: only the parts holding it are read, the rows are the right ones
    wanted = [i for i in range(FILES) if originals[i % len(originals)]["license"]["verdict"] == "accept"]
    open_report(browser_tab, result.html_path, "#verdict=accept&page=300&size=20")
    # the same page with a new hash is no new load: wait for the rows of page 300, not the last ones
    browser_tab.wait_for(f"document.getElementById('rows').start === {299 * 20 + 1} && {READY}")
    assert [r["row"] for r in shown(browser_tab)["rows"]] == wanted[299 * 20 : 300 * 20]
    # a search reads the parts one by one and finds every match
    choose(browser_tab, "f-verdict", "")
    choose(browser_tab, "f-size", str(PAGE_SIZE))
    search(browser_tab, "#12")
    found = shown(browser_tab)
    assert not any("#12" in o["wikitext"] or "#12" in o["record_id"] for o in originals)
    expected = [i for i in range(FILES) if str(i // len(originals)).startswith("12")]  # copy 12, 120…
    assert found["count"] == len(expected) > PAGE_SIZE
    assert [r["row"] for r in found["rows"]] == expected[:PAGE_SIZE]
    assert browser_tab.exceptions == [] and browser_tab.console_errors == []
    browser_tab.evaluate("document.getElementById('files').scrollIntoView()")
    browser_tab.screenshot(tmp_path / "100k.png")
