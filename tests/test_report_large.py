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
from test_report_browser import PAGE_SIZE, choose, open_report, shown

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
    # the DOM holds one page of rows, not the batch
    assert browser_tab.evaluate("document.getElementsByTagName('*').length") < 5000
    choose(browser_tab, "f-verdict", "accept")
    assert shown(browser_tab)["count"] == accepted
    assert browser_tab.exceptions == [] and browser_tab.console_errors == []
    browser_tab.evaluate("document.getElementById('files').scrollIntoView()")
    browser_tab.screenshot(tmp_path / "100k.png")
